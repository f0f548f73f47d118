// Campaigns: promotions read from `campaign` events — products or a category, a boost and a time range, for
// everyone or for the shoppers whose history fits (a product of the category, or of a promoted product's category,
// among their recent ones). A later event of the same campaign replaces it (an `endsAt` in the past ends it).
import type { EventOf } from '../../core/index.js';

export interface Campaign {
  readonly campaignId: string;
  readonly name: string;
  readonly productIds: ReadonlySet<string>;
  readonly category: string | undefined;
  readonly boost: number;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly audience: 'everyone' | 'affinity';
  /** The event time it was set at: an older event of the same campaign does not replace it. */
  readonly setAt: number;
}

export interface CampaignsSnapshot {
  readonly campaigns: (Omit<Campaign, 'productIds'> & { productIds: string[] })[];
}

export class Campaigns {
  private readonly byId = new Map<string, Campaign>();

  apply(e: EventOf<'campaign'>): void {
    const had = this.byId.get(e.campaignId);
    if (had && had.setAt > e.ts) return;
    this.byId.set(e.campaignId, {
      campaignId: e.campaignId,
      name: e.name ?? e.campaignId,
      productIds: new Set(e.productIds ?? []),
      category: e.category,
      boost: e.boost,
      startsAt: e.startsAt,
      endsAt: e.endsAt,
      audience: e.audience ?? 'affinity',
      setAt: e.ts,
    });
  }

  /** The campaigns running at `now` whose audience includes a shopper with products of `categories`. */
  runningFor(
    now: number,
    categories: ReadonlySet<string>,
    categoryOf: (id: string) => string | undefined,
  ): Campaign[] {
    const out: Campaign[] = [];
    for (const c of this.byId.values()) {
      if (now < c.startsAt || now >= c.endsAt) continue;
      if (c.audience === 'everyone' || fits(c, categories, categoryOf)) out.push(c);
    }
    return out;
  }

  get size(): number {
    return this.byId.size;
  }

  snapshot(): CampaignsSnapshot {
    return { campaigns: [...this.byId.values()].map((c) => ({ ...c, productIds: [...c.productIds] })) };
  }

  restore(s: CampaignsSnapshot): void {
    this.byId.clear();
    for (const c of s.campaigns) this.byId.set(c.campaignId, { ...c, productIds: new Set(c.productIds) });
  }
}

function fits(
  c: Campaign,
  categories: ReadonlySet<string>,
  categoryOf: (id: string) => string | undefined,
): boolean {
  if (c.category !== undefined && categories.has(c.category.toLowerCase())) return true;
  for (const id of c.productIds) {
    const category = categoryOf(id);
    if (category !== undefined && categories.has(category.toLowerCase())) return true;
  }
  return false;
}
