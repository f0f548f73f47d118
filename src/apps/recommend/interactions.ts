// What counts as a shopper's interaction with a product, and how much: the events every recommendation source
// learns from (views, clicks, carts, favourites, ratings, purchases), one product each (a purchase, each item).
import type { ShopEvent } from '../../core/index.js';

export interface Interaction {
  readonly userId: string;
  readonly productId: string;
  readonly ts: number;
  /** How strong a signal the event is (a purchase over a view). */
  readonly weight: number;
  readonly type: ShopEvent['type'];
}

/** The weight of each kind of interaction; other event types are not interactions. */
export const INTERACTION_WEIGHTS: Readonly<Partial<Record<ShopEvent['type'], number>>> = {
  view: 1,
  click: 1,
  rating: 1,
  favorite: 2,
  add_to_cart: 3,
  purchase: 4,
};

/** The interactions an event holds (none for events without a user or product). */
export function interactionsOf(event: ShopEvent): Interaction[] {
  const weight = INTERACTION_WEIGHTS[event.type];
  const userId = event.userId;
  if (weight === undefined || userId === undefined) return [];
  if (event.type === 'purchase') {
    return event.items.map((item) => ({
      userId,
      productId: item.productId,
      ts: event.ts,
      weight,
      type: event.type,
    }));
  }
  const productId = (event as { productId?: string }).productId;
  return productId === undefined ? [] : [{ userId, productId, ts: event.ts, weight, type: event.type }];
}
