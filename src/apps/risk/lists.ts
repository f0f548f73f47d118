// Allow and block lists, versioned: the lists as of any version are a replay of the change history, so a
// backtest reads each list as it was when the payment was decided, not as it is now.
import { LIST_KINDS, type ListKind, type RiskAction, type StoredListChange } from '../../core/index.js';

/** The payment fields a list of each kind is matched against. */
export const LIST_FIELDS: Readonly<Record<ListKind, readonly string[]>> = {
  card: ['cardId'],
  email: ['email'],
  device: ['deviceId'],
  ip: ['ip'],
  bin: ['cardBin'],
  country: ['ipCountry', 'billingCountry', 'shippingCountry'],
};

export interface ListHit {
  readonly list: 'allow' | 'block';
  readonly kind: ListKind;
  readonly field: string;
  readonly value: string;
}

/** The lists as of one version. */
export class Lists {
  constructor(
    readonly version: number,
    private readonly entries: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  static readonly EMPTY = new Lists(0, new Map());

  /** The lists after every change up to and including `version` (default: all of them). */
  static asOf(history: readonly StoredListChange[], version = Infinity): Lists {
    const entries = new Map<string, Set<string>>();
    let at = 0;
    for (const c of history) {
      if (c.version > version) break;
      at = c.version;
      const key = `${c.list}:${c.kind}`;
      let set = entries.get(key);
      if (!set) entries.set(key, (set = new Set()));
      if (c.op === 'add') set.add(c.value);
      else set.delete(c.value);
    }
    return new Lists(Number.isFinite(version) ? version : at, entries);
  }

  /** The version in force at wall time `at`: the last one made at or before it. */
  static versionAt(history: readonly StoredListChange[], at: number): number {
    let version = 0;
    for (const c of history) if (c.at <= at) version = c.version;
    return version;
  }

  values(list: 'allow' | 'block', kind: ListKind): string[] {
    return [...(this.entries.get(`${list}:${kind}`) ?? [])].sort();
  }

  /** Every list's values by kind, as `GET /v1/risk/lists` and `risk lists show --json` print them. */
  byKind(): Record<'allow' | 'block', Record<ListKind, string[]>> {
    const of = (list: 'allow' | 'block') =>
      Object.fromEntries(LIST_KINDS.map((kind) => [kind, this.values(list, kind)])) as Record<
        ListKind,
        string[]
      >;
    return { allow: of('allow'), block: of('block') };
  }

  /** The first entry of `list` the payment matches, kinds in LIST_FIELDS order. */
  match(list: 'allow' | 'block', payment: Readonly<Record<string, unknown>>): ListHit | undefined {
    if (this.entries.size === 0) return undefined;
    for (const kind of Object.keys(LIST_FIELDS) as ListKind[]) {
      const set = this.entries.get(`${list}:${kind}`);
      if (!set || set.size === 0) continue;
      for (const field of LIST_FIELDS[kind]) {
        const value = payment[field];
        if (typeof value === 'string' && set.has(value)) return { list, kind, field, value };
      }
    }
    return undefined;
  }
}

/** The action a list hit decides. */
export function listAction(hit: ListHit): RiskAction {
  return hit.list === 'allow' ? 'approve' : 'block';
}
