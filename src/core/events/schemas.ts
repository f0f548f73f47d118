// JSON Schemas (TypeBox) of the event envelope and every event type; compiled once in validate.ts.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

/** Bounds that keep one event small: a 1 MB string is an error, not a stored value. */
export const LIMITS = {
  id: 256,
  text: 1_000,
  longText: 10_000,
  listItems: 1_000,
  attributes: 100,
  /** The largest amount or price: a billion in the currency's unit (a typo of digits, not a sale). */
  money: 1_000_000_000,
} as const;

const Id = Type.String({ minLength: 1, maxLength: LIMITS.id });
const Text = Type.String({ maxLength: LIMITS.text });
const Money = Type.Number({ minimum: 0, maximum: LIMITS.money });
/** An account's balance: may be negative (credit), bounded as money is. */
const Balance = Type.Number({ minimum: -LIMITS.money, maximum: LIMITS.money });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const SAFE_KEY = '^(?!__proto__$|constructor$|prototype$).{1,64}$';
const Scalar = Type.Union([Type.String({ maxLength: LIMITS.text }), Type.Number(), Type.Boolean()]);

/** Timestamps arrive as ISO 8601 text, epoch seconds or epoch milliseconds; they are stored as epoch ms. */
const TimestampIn = Type.Union([Type.String({ maxLength: 64 }), Type.Number()]);

const ENVELOPE = {
  id: Id,
  /** Optional on the way in: an event without one gets its arrival time (validateEvent's `now`). */
  ts: Type.Optional(TimestampIn),
  userId: Type.Optional(Id),
  sessionId: Type.Optional(Id),
} satisfies TProperties;

function eventSchema<T extends string, P extends TProperties>(type: T, properties: P) {
  return Type.Object(
    { ...ENVELOPE, type: Type.Literal(type), ...properties },
    { additionalProperties: false },
  );
}

const LineItem = Type.Object(
  { productId: Id, quantity: Quantity, price: Money },
  { additionalProperties: false },
);

export const EVENT_SCHEMAS = {
  product: eventSchema('product', {
    productId: Id,
    title: Text,
    description: Type.Optional(Type.String({ maxLength: LIMITS.longText })),
    category: Text,
    brand: Type.Optional(Text),
    price: Money,
    currency: Type.Optional(Currency),
    inStock: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(
      Type.Record(Type.String({ pattern: SAFE_KEY }), Scalar, {
        maxProperties: LIMITS.attributes,
        additionalProperties: false,
      }),
    ),
  }),
  user: eventSchema('user', {
    userId: Id,
    signupTs: Type.Optional(TimestampIn),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
  }),
  view: eventSchema('view', { productId: Id }),
  search: eventSchema('search', {
    queryId: Id,
    query: Text,
    results: Type.Array(Id, { maxItems: LIMITS.listItems }),
    filters: Type.Optional(
      Type.Record(
        Type.String({ pattern: SAFE_KEY }),
        Type.Union([Scalar, Type.Array(Scalar, { maxItems: 100 })]),
        {
          maxProperties: LIMITS.attributes,
          additionalProperties: false,
        },
      ),
    ),
  }),
  click: eventSchema('click', {
    productId: Id,
    queryId: Type.Optional(Id),
    listId: Type.Optional(Id),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  }),
  add_to_cart: eventSchema('add_to_cart', { productId: Id, quantity: Quantity }),
  remove_from_cart: eventSchema('remove_from_cart', { productId: Id, quantity: Quantity }),
  favorite: eventSchema('favorite', { productId: Id }),
  rating: eventSchema('rating', { productId: Id, rating: Type.Number({ minimum: 0, maximum: 10 }) }),
  purchase: eventSchema('purchase', {
    orderId: Id,
    items: Type.Array(LineItem, { minItems: 1, maxItems: LIMITS.listItems }),
    total: Money,
    currency: Currency,
  }),
  return: eventSchema('return', {
    orderId: Id,
    items: Type.Optional(Type.Array(LineItem, { maxItems: LIMITS.listItems })),
    total: Money,
  }),
  payment: eventSchema('payment', {
    paymentId: Id,
    orderId: Type.Optional(Id),
    amount: Money,
    currency: Currency,
    cardId: Id,
    cardBin: Type.Optional(Type.String({ pattern: '^[0-9]{6,8}$' })),
    deviceId: Type.Optional(Id),
    ip: Type.Optional(Type.String({ maxLength: 45 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    billingCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    shippingCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    ipCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    /** How the money moved (card, transfer, cash_out, …); optional. */
    method: Type.Optional(Type.String({ maxLength: 32 })),
    /** Who received the money; optional. */
    merchantId: Type.Optional(Id),
    /** Wallets and accounts (not cards): the payer's balance before and after, and the recipient's; optional. */
    balanceBefore: Type.Optional(Balance),
    balanceAfter: Type.Optional(Balance),
    recipientBalanceBefore: Type.Optional(Balance),
    recipientBalanceAfter: Type.Optional(Balance),
  }),
  /**
   * A promotion (recommendations): products or a category boosted between two times, for everyone or for the
   * shoppers whose history fits it. A later event with the same campaignId replaces it.
   */
  campaign: eventSchema('campaign', {
    campaignId: Id,
    name: Type.Optional(Text),
    productIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: LIMITS.listItems })),
    category: Type.Optional(Text),
    /** Promoted products' scores are multiplied by it (1–100). */
    boost: Type.Number({ minimum: 1, maximum: 100 }),
    startsAt: TimestampIn,
    endsAt: TimestampIn,
    audience: Type.Optional(Type.Union([Type.Literal('everyone'), Type.Literal('affinity')])),
  }),
  /** A list shown to a shopper (recommendations): its id, the products in order, and where it came from. */
  impression: eventSchema('impression', {
    listId: Id,
    productIds: Type.Array(Id, { maxItems: LIMITS.listItems }),
    source: Type.String({ minLength: 1, maxLength: 64 }),
  }),
  label: eventSchema('label', {
    paymentId: Id,
    isFraud: Type.Boolean(),
    source: Type.Union([Type.Literal('chargeback'), Type.Literal('analyst'), Type.Literal('other')]),
  }),
} as const satisfies Record<string, TObject>;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

// A stored event always has `ts` (validation stamps the arrival time on one that came without).
type WithEpochTs<T> = T extends { signupTs?: unknown }
  ? Omit<T, 'ts' | 'signupTs'> & { ts: number; signupTs?: number }
  : T extends { startsAt: unknown; endsAt: unknown }
    ? Omit<T, 'ts' | 'startsAt' | 'endsAt'> & { ts: number; startsAt: number; endsAt: number }
    : Omit<T, 'ts'> & { ts: number };

/** An event of one type as it is stored: `ts` (and `signupTs`, `startsAt`, `endsAt`) in epoch milliseconds. */
export type EventOf<K extends EventType> = WithEpochTs<Static<(typeof EVENT_SCHEMAS)[K]>>;

/** Any stored shopstream event. */
export type ShopEvent = { [K in EventType]: EventOf<K> }[EventType];
