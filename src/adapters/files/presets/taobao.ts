// Taobao UserBehavior.csv (user, item, category, behavior, timestamp; no header): pv/cart/fav/buy → events.
import { isRowProblem, requiredCell, type Preset, type Row } from '../converter.js';
import { rowId } from '../row-id.js';

const COLUMNS = ['userId', 'itemId', 'categoryId', 'behavior', 'timestamp'];

export const taobao: Preset = {
  name: 'taobao',
  description: 'Taobao UserBehavior.csv: pv→view, cart→add_to_cart, fav→favorite, buy→purchase',
  dialect: (firstLine) => (/^\d/.test(firstLine) ? { delimiter: ',', columns: COLUMNS } : { delimiter: ',' }),
  create: () => ({
    convert(row: Row) {
      const fields = COLUMNS.map((c) => requiredCell(row, c));
      const problem = fields.find(isRowProblem);
      if (problem) return problem;
      const [userId, productId, , behavior, ts] = fields as string[];
      const id = rowId('taobao', fields);
      const base = { id, ts, userId, productId };
      switch (behavior) {
        case 'pv':
          return [{ ...base, type: 'view' }];
        case 'cart':
          return [{ ...base, type: 'add_to_cart', quantity: 1 }];
        case 'fav':
          return [{ ...base, type: 'favorite' }];
        case 'buy':
          // The data set has no prices or order ids: one order per buy row, currency unknown (ISO 4217 XXX).
          return [
            {
              id,
              ts,
              userId,
              type: 'purchase',
              orderId: id,
              items: [{ productId, quantity: 1, price: 0 }],
              total: 0,
              currency: 'XXX',
            },
          ];
        default:
          return {
            field: 'behavior',
            message: `behavior: ${JSON.stringify(behavior)} is not pv, cart, fav or buy`,
          };
      }
    },
  }),
};
