// RetailRocket events.csv (timestamp,visitorid,event,itemid,transactionid): view, addtocart, transaction.
import { cell, isRowProblem, requiredCell, type Preset, type Row } from '../converter.js';
import { rowId } from '../row-id.js';

export const retailrocket: Preset = {
  name: 'retailrocket',
  description: 'RetailRocket events.csv: view→view, addtocart→add_to_cart, transaction→purchase',
  dialect: () => ({ delimiter: ',' }),
  create: () => ({
    convert(row: Row) {
      const ts = requiredCell(row, 'timestamp');
      const userId = requiredCell(row, 'visitorid');
      const kind = requiredCell(row, 'event');
      const productId = requiredCell(row, 'itemid');
      for (const v of [ts, userId, kind, productId]) if (isRowProblem(v)) return v;
      const transactionId = cell(row, 'transactionid');
      const id = rowId('retailrocket', [ts, userId, kind, productId, transactionId]);
      switch (kind) {
        case 'view':
          return [{ id, ts, userId, type: 'view', productId }];
        case 'addtocart':
          return [{ id, ts, userId, type: 'add_to_cart', productId, quantity: 1 }];
        case 'transaction':
          // No prices in the data set: amounts are 0 in an unknown currency (ISO 4217 XXX).
          return [
            {
              id,
              ts,
              userId,
              type: 'purchase',
              orderId: transactionId ?? id,
              items: [{ productId, quantity: 1, price: 0 }],
              total: 0,
              currency: 'XXX',
            },
          ];
        default:
          return {
            field: 'event',
            message: `event: ${JSON.stringify(kind)} is not view, addtocart or transaction`,
          };
      }
    },
  }),
};
