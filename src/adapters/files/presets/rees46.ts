// REES46 multi-category store (event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session).
import { cell, isRowProblem, numberCell, requiredCell, type Preset, type Row } from '../converter.js';
import { rowId } from '../row-id.js';

export const rees46: Preset = {
  name: 'rees46',
  description:
    'REES46 eCommerce events: view, cart, remove_from_cart, purchase, with product price, brand and category',
  dialect: () => ({ delimiter: ',' }),
  create() {
    const seenProducts = new Set<string>();
    return {
      convert(row: Row) {
        const time = requiredCell(row, 'event_time');
        const kind = requiredCell(row, 'event_type');
        const productId = requiredCell(row, 'product_id');
        const userId = requiredCell(row, 'user_id');
        const price = numberCell(row, 'price');
        for (const v of [time, kind, productId, userId, price]) if (isRowProblem(v)) return v;
        const ts = (time as string).replace(/ UTC$/, 'Z');
        const sessionId = cell(row, 'user_session');
        const id = rowId('rees46', [time, kind, productId, userId, sessionId]);
        const base = { id, ts, userId, ...(sessionId ? { sessionId } : {}) };
        const events: unknown[] = [];
        if (!seenProducts.has(productId as string)) {
          seenProducts.add(productId as string);
          const category = cell(row, 'category_code') ?? cell(row, 'category_id') ?? 'unknown';
          const brand = cell(row, 'brand');
          events.push({
            id: `rees46:product:${productId as string}`,
            type: 'product',
            ts,
            productId,
            title:
              [brand, category.split('.').pop()].filter(Boolean).join(' ') ||
              `product ${productId as string}`,
            category,
            ...(brand ? { brand } : {}),
            price,
            currency: 'USD',
          });
        }
        switch (kind) {
          case 'view':
            events.push({ ...base, type: 'view', productId });
            break;
          case 'cart':
            events.push({ ...base, type: 'add_to_cart', productId, quantity: 1 });
            break;
          case 'remove_from_cart':
            events.push({ ...base, type: 'remove_from_cart', productId, quantity: 1 });
            break;
          case 'purchase':
            events.push({
              ...base,
              type: 'purchase',
              orderId: id,
              items: [{ productId, quantity: 1, price }],
              total: price,
              currency: 'USD',
            });
            break;
          default:
            return {
              field: 'event_type',
              message: `event_type: ${JSON.stringify(kind)} is not view, cart, remove_from_cart or purchase`,
            };
        }
        return events;
      },
    };
  },
};
