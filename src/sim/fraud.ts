// Planted fraud patterns: card testing bursts, stolen cards, account takeovers and rings of cards on one device.
import type { Random } from '../core/index.js';
import { CATEGORIES, type Catalog, type SimProduct } from './catalog.js';
import { COUNTRIES, randomBin, randomIp, type Shopper } from './population.js';

export type FraudType = 'card_testing' | 'stolen_card' | 'account_takeover' | 'ring';
export const FRAUD_TYPES: readonly FraudType[] = ['card_testing', 'stolen_card', 'account_takeover', 'ring'];
const FRAUD_WEIGHTS = [0.3, 0.35, 0.2, 0.15];
/** Countries the store does not serve: where fraudsters' traffic comes from in this simulation. */
const OUTSIDE = ['BR', 'JP', 'CA', 'AU', 'ZA'];

/** What the session generator needs to emit a fraudulent checkout or payment. */
export interface FraudCheckout {
  readonly type: FraudType;
  readonly userId: string;
  readonly email: string;
  readonly deviceId: string;
  readonly ip: string;
  readonly ipCountry: string;
  readonly shippingCountry: string;
  readonly billingCountry: string;
  readonly cardId: string;
  readonly cardBin: string;
  /** Products bought (empty for card testing, which only pays tiny amounts). */
  readonly items: readonly SimProduct[];
  /** Amounts of bare payments (card testing). */
  readonly probeAmounts: readonly number[];
  /** Minutes between this checkout and the incident's start. */
  readonly offsetMinutes: number;
  /** Whether the account was made for the fraud (it signs up shortly before; a taken-over account is the victim's). */
  readonly newAccount: boolean;
}

/** One fraud incident: one or more fraudulent checkouts sharing a pattern. */
export function planIncident(
  n: number,
  shoppers: readonly Shopper[],
  catalog: Catalog,
  rng: Random,
): FraudCheckout[] {
  const type = FRAUD_TYPES[rng.weightedIndex(FRAUD_WEIGHTS)] as FraudType;
  const victim = rng.pick(shoppers);
  const foreign = otherCountry(victim.country, rng);
  // Fraudsters' accounts, devices, cards and emails are named as the shoppers' are (new account numbers after
  // theirs, eight numbers to each incident for a ring's members): nothing in an id tells fraud, only behaviour does.
  const accountOf = (k: number) => `u${shoppers.length + 8 * (n - 1) + k + 1}`;
  const account = accountOf(0);
  const device = `dev-${account}-1`;
  const ip = randomIp(rng);
  const base = {
    type,
    email: `${account}@mail.example`,
    deviceId: device,
    ip,
    ipCountry: foreign,
    probeAmounts: [],
    offsetMinutes: 0,
    newAccount: true,
  };
  switch (type) {
    case 'card_testing': {
      const probes = Array.from(
        { length: rng.int(3, 13) },
        () => Math.round((0.5 + rng.next() * 4.5) * 100) / 100,
      );
      return [
        {
          ...base,
          userId: account,
          shippingCountry: foreign,
          billingCountry: otherCountry(foreign, rng),
          cardId: `card-${account}-1`,
          cardBin: randomBin(rng),
          items: [],
          probeAmounts: probes,
        },
      ];
    }
    case 'stolen_card': {
      const card = rng.pick(victim.cards);
      return [
        {
          ...base,
          userId: account,
          shippingCountry: foreign,
          billingCountry: victim.country,
          ...card,
          items: expensive(catalog, rng),
        },
      ];
    }
    case 'account_takeover': {
      const card = rng.pick(victim.cards);
      return [
        {
          ...base,
          userId: victim.userId,
          email: victim.email,
          newAccount: false,
          shippingCountry: foreign,
          billingCountry: victim.country,
          ...card,
          items: expensive(catalog, rng),
        },
      ];
    }
    case 'ring': {
      const size = rng.int(3, 7);
      // One device (its first member's) behind every member's new account and card.
      return Array.from({ length: size }, (_, k) => ({
        ...base,
        deviceId: device,
        userId: accountOf(k),
        email: `${accountOf(k)}@mail.example`,
        shippingCountry: foreign,
        billingCountry: rng.pick(COUNTRIES),
        cardId: `card-${accountOf(k)}-1`,
        cardBin: randomBin(rng),
        items: expensive(catalog, rng).slice(0, 2),
        offsetMinutes: k * rng.int(20, 180),
      }));
    }
  }
}

/** 1–3 of the dearest products of a high-value category. */
function expensive(catalog: Catalog, rng: Random): SimProduct[] {
  const category = CATEGORIES.findIndex((c) => c.name === (rng.chance(0.5) ? 'jewelry' : 'electronics'));
  const pool = [...(catalog.byCategory[category] ?? [])]
    .map((i) => catalog.products[i] as SimProduct)
    .sort((a, b) => b.price - a.price)
    .slice(0, 10);
  if (pool.length === 0) return [catalog.products[0] as SimProduct];
  return Array.from({ length: rng.int(1, 4) }, () => rng.pick(pool));
}

function otherCountry(country: string, rng: Random): string {
  const others = COUNTRIES.filter((c) => c !== country);
  return rng.chance(0.5) ? rng.pick(OUTSIDE) : rng.pick(others);
}
