// The recommendations app in a server: a stream observer (every event the engine reads reaches the recommender,
// its state checkpointed beside the engine's) that answers lists with an id, and makes the impression event that
// logs each answer — clicks carrying the list's id join back to it.
import { randomUUID } from 'node:crypto';
import type { EventOf, ShopEvent, StreamObserver } from '../../core/index.js';
import {
  Recommender,
  type ListOptions,
  type RecommendedItem,
  type RecommenderSnapshot,
} from './recommender.js';

export type ListKind = 'user' | 'similar' | 'bought_together' | 'session';

export interface RecommendationList {
  readonly listId: string;
  readonly kind: ListKind;
  /** True when nothing was known to go on (an unknown shopper or product): the list is trending. */
  readonly fallback: boolean;
  readonly items: (RecommendedItem & { title?: string })[];
}

export class RecommendService implements StreamObserver<RecommenderSnapshot> {
  readonly name = 'recommend';
  readonly recommender = new Recommender();

  observe(events: readonly ShopEvent[]): void {
    for (const e of events) this.recommender.observe(e);
  }

  forUser(userId: string, options: ListOptions): RecommendationList {
    return this.list('user', this.recommender.forUser(userId, options), !this.recommender.knows(userId));
  }

  similar(productId: string, options: ListOptions): RecommendationList {
    return this.withFallback('similar', this.recommender.similar(productId, options), options);
  }

  boughtTogether(productId: string, options: ListOptions): RecommendationList {
    return this.withFallback('bought_together', this.recommender.boughtTogether(productId, options), options);
  }

  session(productIds: readonly string[], options: ListOptions): RecommendationList {
    const items = this.recommender.forSession(productIds, options);
    return this.list(
      'session',
      items,
      items.every((i) => i.source === 'trending'),
    );
  }

  /** The impression event that logs a list shown to `userId` (or to no one known). */
  impressionOf(list: RecommendationList, userId: string | undefined, now: number): EventOf<'impression'> {
    return {
      id: `impression:${list.listId}`,
      type: 'impression',
      ts: now,
      ...(userId === undefined ? {} : { userId }),
      listId: list.listId,
      productIds: list.items.map((i) => i.productId),
      source: list.kind,
    };
  }

  snapshot(): RecommenderSnapshot {
    return this.recommender.snapshot();
  }

  restore(state: RecommenderSnapshot): boolean {
    return this.recommender.restore(state);
  }

  /** A product's list, or trending (in its category when the catalog knows it) when it has no neighbours. */
  private withFallback(kind: ListKind, items: RecommendedItem[], options: ListOptions): RecommendationList {
    if (items.length > 0) return this.list(kind, items, false);
    return this.list(kind, this.recommender.forSession([], options), true);
  }

  private list(kind: ListKind, items: RecommendedItem[], fallback: boolean): RecommendationList {
    const catalog = this.recommender.catalog;
    return {
      listId: randomUUID(),
      kind,
      fallback,
      items: items.map((i) => {
        const title = catalog.get(i.productId)?.title;
        return title === undefined ? i : { ...i, title };
      }),
    };
  }
}
