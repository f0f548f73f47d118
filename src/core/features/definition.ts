// Feature definitions: the JSON shape other tools write, checked once with errors that name the feature and field.
import { ERROR_CODES, ShopstreamError } from '../errors.js';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType } from '../events/schemas.js';
import { AGGREGATES, NEEDS_VALUE, type AggregateName } from './aggregators.js';
import { parseWindow } from './duration.js';

/** Entities a feature can be keyed by, and the event field that names each. */
export const ENTITY_FIELDS = {
  user: 'userId',
  product: 'productId',
  card: 'cardId',
  device: 'deviceId',
  ip: 'ip',
  email: 'email',
  category: 'category',
  session: 'sessionId',
  /** The country of a payment's IP address: with user, "a country never seen on this account". */
  ip_country: 'ipCountry',
  /** Who received a payment's money (a merchant, or another account). */
  merchant: 'merchantId',
  /** How a payment's money moved (card, transfer, cash_out, …): a feature per kind, such as its fraud rate so far. */
  method: 'method',
} as const;
export type Entity = keyof typeof ENTITY_FIELDS;

export interface WhereClause {
  readonly field: string;
  readonly eq?: string | number | boolean;
  readonly ne?: string | number | boolean;
  readonly gt?: number;
  readonly lt?: number;
}

/**
 * One feature.
 * @example { name: 'card_amount_7d', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '7d' }
 */
export interface FeatureDefinition {
  readonly name: string;
  readonly on: readonly EventType[];
  /** An entity, or a composite such as 'user+category'. */
  readonly by: string;
  readonly agg: AggregateName;
  readonly value?: string;
  readonly window: string;
  readonly where?: WhereClause;
  /** decayed_sum: half-life as a window ('1h'). */
  readonly halfLife?: string;
  /** last_n and top_k: how many. */
  readonly n?: number;
}

/**
 * A feature computed at read time from others of the same entity, or from the row's event itself:
 * - `ratio` of [a, b]: a / b, null when b is 0 or missing;
 * - `time_since` of [a first_seen or last_seen feature]: asOf − it;
 * - `zscore` of [mean, stddev] with `value`: (the event's value − mean) / stddev, null without an event;
 * - `value_ratio` of [mean] with `value`: the event's value / mean (this amount against the usual one);
 * - `is_new` of [a count]: 1 when the count is 0 before the event (this card never seen on this account), else 0;
 * - `field` with `value`: the event's own field (a number; a boolean reads 1 or 0);
 * - `mismatch` with `fields` [a, b]: 1 when the event's two fields differ, 0 when equal, null when one is missing.
 * The last two read the event alone (no entity, no state): the same function gives them in batch and stream.
 * @example { name: 'card_amount_z', derive: 'zscore', of: ['card_amount_mean_7d', 'card_amount_std_7d'], value: 'amount' }
 */
export interface DerivedDefinition {
  readonly name: string;
  readonly derive: DerivedKind;
  readonly of?: readonly string[];
  readonly value?: string;
  readonly fields?: readonly string[];
}

export const DERIVED_KINDS = [
  'ratio',
  'time_since',
  'zscore',
  'value_ratio',
  'is_new',
  'field',
  'mismatch',
  'field_ratio',
  'field_difference',
] as const;
export type DerivedKind = (typeof DERIVED_KINDS)[number];

/** Derived kinds that read only the row's event. */
export const EVENT_KINDS: ReadonlySet<DerivedKind> = new Set([
  'field',
  'mismatch',
  'field_ratio',
  'field_difference',
]);
/** Event kinds over two of the event's fields. */
const TWO_FIELDS: ReadonlySet<DerivedKind> = new Set(['mismatch', 'field_ratio', 'field_difference']);

/** A checked definition with its parsed parts. Derived features carry `derived` and no state of their own. */
export interface CompiledFeature extends FeatureDefinition {
  readonly entities: readonly Entity[];
  readonly windowMs: number;
  readonly halfLifeMs?: number;
  readonly derived?: {
    readonly kind: DerivedKind;
    readonly of: readonly string[];
    readonly fields?: readonly string[];
  };
}

const DERIVED_ARITY: Record<DerivedKind, number> = {
  ratio: 2,
  time_since: 1,
  zscore: 2,
  value_ratio: 1,
  is_new: 1,
  field: 0,
  mismatch: 0,
  field_ratio: 0,
  field_difference: 0,
};

/** Every field some event type has: what an event feature may read. */
const EVENT_FIELDS: ReadonlySet<string> = new Set(
  EVENT_TYPES.flatMap((type) => Object.keys(EVENT_SCHEMAS[type].properties)),
);

const NAME = /^[a-z][a-z0-9_]{0,99}$/;

/**
 * Checks a features file (`{"features": [...]}`) and compiles each definition.
 * @example compileFeatures({ features: [{ name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' }] })
 */
export function compileFeatures(document: unknown, source = 'features'): CompiledFeature[] {
  const bad = (field: string, reason: string) =>
    new ShopstreamError(ERROR_CODES.INVALID_FEATURE, `${source}: ${field}: ${reason}`, { field });
  if (
    typeof document !== 'object' ||
    document === null ||
    !Array.isArray((document as { features?: unknown }).features)
  ) {
    throw bad('features', 'must be a list of feature definitions: {"features": [...]}');
  }
  const seen = new Set<string>();
  const compiled: CompiledFeature[] = [];
  const derivedAt: [Record<string, unknown>, number][] = [];
  (document as { features: unknown[] }).features.forEach((raw, i) => {
    const at = (field: string) => `features[${i}]${field ? `.${field}` : ''}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(at(''), 'must be an object');
    const d = raw as Record<string, unknown>;
    if ('derive' in d) {
      if (typeof d.name !== 'string' || !NAME.test(d.name))
        throw bad(at('name'), 'must be snake_case letters and digits, starting with a letter');
      if (seen.has(d.name)) throw bad(at('name'), `"${d.name}" is defined twice`);
      seen.add(d.name);
      derivedAt.push([d, i]);
      return;
    }
    for (const key of Object.keys(d)) {
      if (!['name', 'on', 'by', 'agg', 'value', 'window', 'where', 'halfLife', 'n'].includes(key))
        throw bad(at(key), 'is not a field of a feature definition');
    }
    if (typeof d.name !== 'string' || !NAME.test(d.name))
      throw bad(at('name'), 'must be snake_case letters and digits, starting with a letter');
    if (seen.has(d.name)) throw bad(at('name'), `"${d.name}" is defined twice`);
    seen.add(d.name);
    const on = typeof d.on === 'string' ? [d.on] : d.on;
    if (!Array.isArray(on) || on.length === 0) throw bad(at('on'), 'must list event types');
    for (const type of on) {
      if (!(EVENT_TYPES as readonly unknown[]).includes(type))
        throw bad(at('on'), `${JSON.stringify(type)} is not an event type`);
    }
    if (typeof d.by !== 'string')
      throw bad(
        at('by'),
        `must name an entity (${Object.keys(ENTITY_FIELDS).join(', ')}) or a composite like user+category`,
      );
    const entities = d.by.split('+');
    for (const e of entities)
      if (!(e in ENTITY_FIELDS))
        throw bad(at('by'), `"${e}" is not an entity (${Object.keys(ENTITY_FIELDS).join(', ')})`);
    if (!(AGGREGATES as readonly unknown[]).includes(d.agg))
      throw bad(at('agg'), `${JSON.stringify(d.agg)} is not one of ${AGGREGATES.join(', ')}`);
    const agg = d.agg as AggregateName;
    if (NEEDS_VALUE.has(agg) && typeof d.value !== 'string')
      throw bad(at('value'), `${agg} needs the event field to aggregate`);
    if (d.value !== undefined && typeof d.value !== 'string')
      throw bad(at('value'), 'must be an event field name');
    if (typeof d.value === 'string') {
      // A field none of its event types has would leave the feature empty for ever: a typo, caught here.
      const fieldsOf = (type: EventType) => Object.keys(EVENT_SCHEMAS[type].properties);
      const value = d.value;
      if (!(on as EventType[]).some((type) => fieldsOf(type).includes(value)))
        throw bad(
          at('value'),
          `no ${(on as string[]).join(' or ')} event has a field "${value}" (${(on as EventType[])
            .map((type) => `${type}: ${fieldsOf(type).join(', ')}`)
            .join('; ')})`,
        );
    }
    const windowMs = typeof d.window === 'string' ? parseWindow(d.window) : undefined;
    if (windowMs === undefined)
      throw bad(
        at('window'),
        `${JSON.stringify(d.window)} is not a window (30s, 1m, 1h, 24h, 7d, 30d … or lifetime)`,
      );
    let halfLifeMs: number | undefined;
    if (agg === 'decayed_sum') {
      halfLifeMs = typeof d.halfLife === 'string' ? parseWindow(d.halfLife) : undefined;
      if (halfLifeMs === undefined || !Number.isFinite(halfLifeMs))
        throw bad(at('halfLife'), 'decayed_sum needs a half-life such as "1h"');
    }
    if (d.n !== undefined && (!Number.isInteger(d.n) || (d.n as number) < 1 || (d.n as number) > 1000))
      throw bad(at('n'), 'must be a whole number from 1 to 1000');
    if (d.where !== undefined) checkWhere(d.where, at('where'), bad);
    compiled.push({
      ...(d as unknown as FeatureDefinition),
      on: on as EventType[],
      entities: entities as Entity[],
      windowMs,
      ...(halfLifeMs ? { halfLifeMs } : {}),
    });
  });
  for (const [d, i] of derivedAt) compiled.push(compileDerived(d, `features[${i}]`, compiled, bad));
  return compiled;
}

function compileDerived(
  d: Record<string, unknown>,
  at: string,
  known: readonly CompiledFeature[],
  bad: (field: string, reason: string) => Error,
): CompiledFeature {
  for (const key of Object.keys(d)) {
    if (!['name', 'derive', 'of', 'value', 'fields'].includes(key))
      throw bad(`${at}.${key}`, 'is not a field of a derived feature');
  }
  if (!(DERIVED_KINDS as readonly unknown[]).includes(d.derive)) {
    throw bad(`${at}.derive`, `${JSON.stringify(d.derive)} is not one of ${DERIVED_KINDS.join(', ')}`);
  }
  const kind = d.derive as DerivedKind;
  const needsValue = kind === 'zscore' || kind === 'value_ratio' || kind === 'field';
  if (needsValue && typeof d.value !== 'string')
    throw bad(`${at}.value`, `${kind} needs the event field whose value it reads`);
  if (typeof d.value === 'string' && !EVENT_FIELDS.has(d.value))
    throw bad(`${at}.value`, `no event has a field "${d.value}"`);
  if (EVENT_KINDS.has(kind)) return compileEventFeature(d, kind, at, bad);
  const of = typeof d.of === 'string' ? [d.of] : d.of;
  if (!Array.isArray(of) || of.length !== DERIVED_ARITY[kind] || !of.every((n) => typeof n === 'string')) {
    throw bad(
      `${at}.of`,
      `${kind} takes ${DERIVED_ARITY[kind]} feature name${DERIVED_ARITY[kind] > 1 ? 's' : ''}`,
    );
  }
  const bases = (of as string[]).map((name) => {
    const base = known.find((f) => f.name === name && f.derived === undefined);
    if (!base) throw bad(`${at}.of`, `"${name}" is not an aggregate feature of this file`);
    return base;
  });
  const first = bases[0] as CompiledFeature;
  if (bases.some((b) => b.by !== first.by))
    throw bad(`${at}.of`, 'the features must share their entity (by)');
  if (kind === 'time_since' && first.agg !== 'first_seen' && first.agg !== 'last_seen') {
    throw bad(`${at}.of`, `time_since needs a first_seen or last_seen feature, not ${first.agg}`);
  }
  if (kind === 'is_new' && first.agg !== 'count')
    throw bad(`${at}.of`, `is_new needs a count feature, not ${first.agg}`);
  return {
    name: d.name as string,
    on: [],
    by: first.by,
    entities: first.entities,
    agg: first.agg,
    window: first.window,
    windowMs: first.windowMs,
    ...(typeof d.value === 'string' ? { value: d.value } : {}),
    derived: { kind, of: of as string[] },
  };
}

/** `field` and `mismatch`: features of the row's event alone, keyed by nothing. */
function compileEventFeature(
  d: Record<string, unknown>,
  kind: DerivedKind,
  at: string,
  bad: (field: string, reason: string) => Error,
): CompiledFeature {
  if (d.of !== undefined) throw bad(`${at}.of`, `${kind} reads the event, not other features`);
  let fields: string[] | undefined;
  if (TWO_FIELDS.has(kind)) {
    const f = d.fields;
    if (!Array.isArray(f) || f.length !== 2 || !f.every((x) => typeof x === 'string'))
      throw bad(`${at}.fields`, `${kind} takes two event field names`);
    for (const x of f as string[])
      if (!EVENT_FIELDS.has(x)) throw bad(`${at}.fields`, `no event has a field "${x}"`);
    fields = f as string[];
  } else if (d.fields !== undefined) throw bad(`${at}.fields`, `${kind} takes value, not fields`);
  return {
    name: d.name as string,
    on: [],
    by: '',
    entities: [],
    agg: 'count',
    window: 'lifetime',
    windowMs: Infinity,
    ...(typeof d.value === 'string' ? { value: d.value } : {}),
    derived: { kind, of: [], ...(fields ? { fields } : {}) },
  };
}

function checkWhere(where: unknown, at: string, bad: (field: string, reason: string) => Error): void {
  if (typeof where !== 'object' || where === null) throw bad(at, 'must be {field, eq|ne|gt|lt}');
  const w = where as Record<string, unknown>;
  if (typeof w.field !== 'string') throw bad(`${at}.field`, 'must name an event field');
  const ops = ['eq', 'ne', 'gt', 'lt'].filter((op) => op in w);
  if (ops.length === 0) throw bad(at, 'needs one of eq, ne, gt, lt');
  for (const op of ['gt', 'lt'])
    if (op in w && typeof w[op] !== 'number') throw bad(`${at}.${op}`, 'must be a number');
}

/**
 * What a feature's numbers measure, where they are not plain amounts: `time` (an epoch-ms instant: first_seen,
 * last_seen) or `duration` (ms: time_since), so that tables can print them as dates and durations.
 */
export function unitOf(feature: CompiledFeature): 'time' | 'duration' | undefined {
  if (feature.derived) return feature.derived.kind === 'time_since' ? 'duration' : undefined;
  return feature.agg === 'first_seen' || feature.agg === 'last_seen' ? 'time' : undefined;
}
