// The store simulator: a seeded, realistic event stream with the ground truth a model should recover.
import { Random, hashString } from '../core/index.js';
import {
  CATEGORIES,
  buildCatalog,
  drawCumulative,
  drawProduct,
  type Catalog,
  type SimProduct,
} from './catalog.js';
import { DeliveryQueue } from './delivery.js';
import { dirtyLine } from './dirty.js';
import { planIncident, type FraudCheckout, type FraudType } from './fraud.js';
import { buildPopulation, type Shopper } from './population.js';
import { SearchModel } from './search-model.js';

export interface SimulationConfig {
  readonly users: number;
  readonly products: number;
  readonly days: number;
  readonly seed: number;
  /** First simulated day, epoch ms at a UTC midnight. */
  readonly start: number;
  /** Events are delivered up to this many seconds after their event time, in shuffled order. */
  readonly disorderSeconds: number;
  /** Share of extra, malformed events. */
  readonly dirtyRate: number;
  /** Sessions per shopper per day on an ordinary weekday. */
  readonly sessionsPerUserDay: number;
  /** Fraud incidents per 1,000 shoppers per day. */
  readonly fraudIncidentsPerKiloUserDay: number;
  /**
   * Nothing at or after this time is emitted (it has not happened yet): labels that would arrive later, and the
   * rest of a day that is not over. Default: no bound.
   */
  readonly end?: number;
}

export const DEFAULT_SIMULATION: SimulationConfig = {
  users: 1000,
  products: 500,
  days: 7,
  seed: 42,
  start: Date.UTC(2026, 0, 5),
  disorderSeconds: 0,
  dirtyRate: 0,
  sessionsPerUserDay: 0.3,
  fraudIncidentsPerKiloUserDay: 1,
};

export interface SimulationTruth {
  readonly config: SimulationConfig;
  readonly promotionDay: number | null;
  readonly counts: {
    events: number;
    dirty: number;
    sessions: number;
    payments: number;
    fraudPayments: number;
    labels: number;
    /** Events not emitted because they fall at or after `end`. */
    notYet: number;
  };
  /** Hidden preferences: category → weight, and price sensitivity (0–1), per user. */
  readonly users: Record<string, { preferences: Record<string, number>; priceSensitivity: number }>;
  /** Fraud type of every fraudulent payment; payments not listed are legitimate. */
  readonly fraud: Record<string, FraudType>;
  /** Chargebacks that will never arrive: fraud the labels do not reveal. */
  readonly unlabelledFraud: string[];
  /** Graded relevance (0–3) per query text and product. */
  readonly relevance: Record<string, Record<string, number>>;
}

const DAY = 86_400_000;
const HOURLY = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.5, 5.5, 5, 4.5, 4.5, 5, 5.5, 6, 7, 7.5, 6.5, 4, 2,
];
const WEEKDAY = [1.2, 0.9, 0.95, 1, 1, 1.05, 1.25]; // Sunday first, as Date.getUTCDay

/**
 * Runs the simulation, calling `emit` with each JSONL line in delivery order.
 * @example const truth = simulateStore({ ...DEFAULT_SIMULATION, seed: 7 }, (line) => out.push(line))
 */
export function simulateStore(config: SimulationConfig, emit: (line: string) => void): SimulationTruth {
  return new StoreSimulation(config, emit).run();
}

class StoreSimulation {
  private readonly rng: Random;
  private readonly catalog: Catalog;
  private readonly shoppers: Shopper[];
  private readonly activityCumulative: Float64Array;
  private readonly search: SearchModel;
  private readonly queue: DeliveryQueue;
  private readonly fraud: Record<string, FraudType> = {};
  private readonly unlabelledFraud: string[] = [];
  /** Fraudsters' new accounts whose `user` event is out. */
  private readonly signedUp = new Set<string>();
  private readonly counts = {
    events: 0,
    dirty: 0,
    sessions: 0,
    payments: 0,
    fraudPayments: 0,
    labels: 0,
    notYet: 0,
  };
  private seq = 0;
  /**
   * Part of every id, derived from the whole configuration (seed, start, size…): ids are unique across seeds and
   * runs, so two simulated stores imported into one log never hide each other's events, while the same run
   * gives the same ids (a re-import is a re-delivery).
   */
  private readonly tag: string;
  /** Ids of events at or after `end`, not emitted. */
  private readonly notYet = new Set<string>();
  private readonly promotionDay: number | null;

  constructor(
    private readonly config: SimulationConfig,
    private readonly emit: (line: string) => void,
  ) {
    this.rng = new Random(config.seed);
    // `end` only cuts the stream: the events before it keep their ids whatever the bound.
    const { end: _end, ...shape } = config;
    this.tag = hashString(JSON.stringify(shape)).toString(36);
    this.catalog = buildCatalog(config.products, this.rng.fork('catalog'));
    this.shoppers = buildPopulation(config.users, config.start, this.rng.fork('population'));
    this.activityCumulative = new Float64Array(this.shoppers.length);
    let sum = 0;
    this.shoppers.forEach((s, i) => (this.activityCumulative[i] = sum += s.activity));
    this.search = new SearchModel(this.catalog);
    this.queue = new DeliveryQueue(config.start, DAY);
    this.promotionDay = config.days >= 2 ? Math.floor(config.days * 0.6) : null;
  }

  run(): SimulationTruth {
    const { start } = this.config;
    for (const p of this.catalog.products) {
      this.push({
        id: `product-${this.tag}-${p.productId}`,
        type: 'product',
        ts: start - DAY,
        productId: p.productId,
        title: p.title,
        category: p.categoryName,
        brand: p.brand,
        price: p.price,
        currency: 'EUR',
        inStock: true,
      });
    }
    for (const s of this.shoppers) {
      this.push({
        id: `user-${this.tag}-${s.userId}`,
        type: 'user',
        ts: s.signupTs,
        userId: s.userId,
        signupTs: s.signupTs,
        country: s.country,
        email: s.email,
      });
    }
    let incidents = 0;
    for (let day = 0; day < this.config.days; day++) {
      const dayStart = start + day * DAY;
      const promo = day === this.promotionDay ? 2.5 : 1;
      const weekday = WEEKDAY[new Date(dayStart).getUTCDay()] as number;
      const sessions = Math.round(this.config.users * this.config.sessionsPerUserDay * weekday * promo);
      for (let k = 0; k < sessions; k++) this.session(dayStart + this.timeOfDay(), promo > 1);
      const expected = (this.config.users / 1000) * this.config.fraudIncidentsPerKiloUserDay * promo;
      const count = this.rng.poisson(expected);
      for (let k = 0; k < count; k++) {
        const at = dayStart + this.timeOfDay();
        for (const checkout of planIncident(++incidents, this.shoppers, this.catalog, this.rng))
          this.fraudCheckout(checkout, at);
      }
      // Every event generated from now on is delivered at or after the next day's start.
      this.queue.drainThrough(day, this.emit);
    }
    this.queue.drainThrough(Infinity, this.emit);
    return this.truth();
  }

  private session(startTs: number, promotion: boolean): void {
    this.counts.sessions++;
    const shopper = this.drawShopper();
    const sessionId = `s${this.tag}-${this.counts.sessions}`;
    const deviceId = this.rng.pick(shopper.devices);
    const base = { userId: shopper.userId, sessionId };
    let t = startTs;
    const step = () => (t += Math.round(5_000 + this.rng.exponential(40_000)));
    const category = this.rng.weightedIndex(shopper.preferences, 1);
    const viewed: SimProduct[] = [];
    if (this.rng.chance(0.45)) {
      const query = this.search.randomQuery(category, this.catalog, this.rng);
      const results = this.search.results(query, this.rng);
      const queryId = `q${this.tag}-${this.counts.sessions}`;
      this.push({
        id: `${queryId}`,
        type: 'search',
        ts: step(),
        userId: base.userId,
        sessionId: base.sessionId,
        queryId,
        query: query.text,
        results: results.map((p) => p.productId),
      });
      results.forEach((p, position) => {
        const examine = 1 / Math.pow(position + 1, 0.9);
        const attract =
          0.05 +
          (0.3 * (query.grades.get(p.productId) ?? 0)) / 3 +
          0.4 * (shopper.preferences[p.category] as number);
        if (this.rng.chance(examine * attract)) {
          this.push({
            id: this.nextId('c'),
            type: 'click',
            ts: step(),
            userId: base.userId,
            sessionId: base.sessionId,
            productId: p.productId,
            queryId,
            position,
          });
          viewed.push(p);
        }
      });
    } else {
      const n = this.rng.int(1, 7);
      for (let k = 0; k < n; k++)
        viewed.push(
          drawProduct(
            this.catalog,
            this.rng.chance(0.8) ? category : this.rng.int(0, CATEGORIES.length),
            this.rng,
          ),
        );
    }
    const cart: SimProduct[] = [];
    for (const p of viewed) {
      this.push({
        id: this.nextId('v'),
        type: 'view',
        ts: step(),
        userId: base.userId,
        sessionId: base.sessionId,
        productId: p.productId,
      });
      if (this.rng.chance(0.03))
        this.push({
          id: this.nextId('f'),
          type: 'favorite',
          ts: step(),
          userId: base.userId,
          sessionId: base.sessionId,
          productId: p.productId,
        });
      const relativePrice = p.price / (CATEGORIES[p.category] as { basePrice: number }).basePrice;
      const willing = Math.exp(-shopper.priceSensitivity * Math.max(0, relativePrice - 1));
      const pCart =
        (0.03 + 0.35 * (shopper.preferences[p.category] as number)) * willing * (promotion ? 1.3 : 1);
      if (this.rng.chance(pCart)) {
        this.push({
          id: this.nextId('a'),
          type: 'add_to_cart',
          ts: step(),
          userId: base.userId,
          sessionId: base.sessionId,
          productId: p.productId,
          quantity: 1,
        });
        cart.push(p);
      }
    }
    if (cart.length > 1 && this.rng.chance(0.15)) {
      const removed = cart.pop() as SimProduct;
      this.push({
        id: this.nextId('r'),
        type: 'remove_from_cart',
        ts: step(),
        userId: base.userId,
        sessionId: base.sessionId,
        productId: removed.productId,
        quantity: 1,
      });
    }
    if (cart.length === 0 || !this.rng.chance(0.55)) return;
    const card = this.rng.pick(shopper.cards);
    const paymentId = this.checkout(base, step(), cart, {
      cardId: card.cardId,
      cardBin: card.cardBin,
      deviceId,
      ip: shopper.ip,
      email: shopper.email,
      billingCountry: shopper.country,
      shippingCountry: this.rng.chance(0.95) ? shopper.country : 'GB',
      ipCountry: this.rng.chance(0.97) ? shopper.country : 'NL',
    });
    if (this.rng.chance(0.01)) this.label(paymentId, t + this.rng.int(1, 6) * DAY, false, 'analyst');
    if (this.rng.chance(0.1)) {
      const p = this.rng.pick(cart);
      const liking = shopper.preferences[p.category] as number;
      const rating = Math.max(1, Math.min(5, Math.round(2.5 + 4 * liking + this.rng.normal(0, 0.8))));
      this.push({
        id: this.nextId('rt'),
        type: 'rating',
        ts: t + this.rng.int(1, 6) * DAY,
        userId: base.userId,
        sessionId: base.sessionId,
        productId: p.productId,
        rating,
      });
    }
  }

  private fraudCheckout(f: FraudCheckout, incidentTs: number): void {
    let t = incidentTs + f.offsetMinutes * 60_000;
    const payer = {
      cardId: f.cardId,
      cardBin: f.cardBin,
      deviceId: f.deviceId,
      ip: f.ip,
      email: f.email,
      billingCountry: f.billingCountry,
      shippingCountry: f.shippingCountry,
      ipCountry: f.ipCountry,
    };
    // A session numbered as every other is, and an account made for the fraud signs up as shoppers do, earlier
    // the same day (the day's events are still to be delivered; the spread comes from the account's number, so
    // that the run's other draws stay as they were).
    this.counts.sessions++;
    const base = { userId: f.userId, sessionId: `s${this.tag}-${this.counts.sessions}` };
    if (f.newAccount && !this.signedUp.has(f.userId)) {
      this.signedUp.add(f.userId);
      const start = this.config.start;
      const dayStart = start + Math.floor((t - start) / DAY) * DAY;
      const minutes = Math.max(1, Math.floor((t - dayStart) / 60_000));
      const signupTs = Math.max(
        dayStart,
        t - 60_000 * ((Number(f.userId.slice(1)) * 7919) % minutes) - 1_000,
      );
      this.push({
        id: `user-${this.tag}-${f.userId}`,
        type: 'user',
        ts: signupTs,
        userId: f.userId,
        signupTs,
        country: f.billingCountry,
        email: f.email,
      });
    }
    const paymentIds: string[] = [];
    for (const amount of f.probeAmounts) {
      t += Math.round(this.rng.exponential(20_000)) + 1_000;
      const paymentId = this.nextId('pay');
      this.push({
        id: paymentId,
        type: 'payment',
        ts: t,
        userId: base.userId,
        sessionId: base.sessionId,
        paymentId,
        amount,
        currency: 'EUR',
        ...payer,
      });
      this.counts.payments++;
      paymentIds.push(paymentId);
    }
    if (f.items.length > 0) {
      for (const p of f.items)
        this.push({
          id: this.nextId('v'),
          type: 'view',
          ts: (t += 15_000),
          userId: base.userId,
          sessionId: base.sessionId,
          productId: p.productId,
        });
      paymentIds.push(this.checkout(base, (t += 30_000), f.items, payer));
    }
    for (const paymentId of paymentIds) {
      if (this.notYet.has(paymentId)) continue;
      this.fraud[paymentId] = f.type;
      this.counts.fraudPayments++;
      if (this.rng.chance(0.85)) this.label(paymentId, t + this.rng.int(1, 31) * DAY, true, 'chargeback');
      else this.unlabelledFraud.push(paymentId);
    }
  }

  /** A purchase and its payment; returns the payment id. */
  private checkout(
    base: { userId: string; sessionId: string },
    ts: number,
    items: readonly SimProduct[],
    payer: Record<string, string>,
  ): string {
    const orderId = this.nextId('o');
    const total = Math.round(items.reduce((sum, p) => sum + p.price, 0) * 100) / 100;
    this.push({
      id: orderId,
      type: 'purchase',
      ts,
      userId: base.userId,
      sessionId: base.sessionId,
      orderId,
      items: items.map((p) => ({ productId: p.productId, quantity: 1, price: p.price })),
      total,
      currency: 'EUR',
    });
    const paymentId = this.nextId('pay');
    this.push({
      id: paymentId,
      type: 'payment',
      ts: ts + 2_000,
      userId: base.userId,
      sessionId: base.sessionId,
      paymentId,
      orderId,
      amount: total,
      currency: 'EUR',
      ...payer,
    });
    this.counts.payments++;
    return paymentId;
  }

  private label(paymentId: string, ts: number, isFraud: boolean, source: 'chargeback' | 'analyst'): void {
    this.counts.labels++;
    this.push({ id: `label-${paymentId}`, type: 'label', ts, paymentId, isFraud, source });
  }

  private push(event: Record<string, unknown> & { ts: number }): void {
    const { disorderSeconds, dirtyRate } = this.config;
    const at = disorderSeconds > 0 ? event.ts + this.rng.int(0, disorderSeconds * 1000) : event.ts;
    const dirty = dirtyRate > 0 && this.rng.chance(dirtyRate);
    // The same draws either way: a bound on time cuts the stream without changing what comes before it.
    if (this.config.end !== undefined && event.ts >= this.config.end) {
      this.counts.notYet++;
      this.notYet.add(String(event.id));
      if (event.type === 'payment') this.counts.payments--;
      if (event.type === 'label') this.counts.labels--;
      if (dirty) dirtyLine(event, this.counts.dirty, this.rng);
      return;
    }
    this.counts.events++;
    this.queue.push(at, JSON.stringify(event));
    if (dirty) {
      this.counts.dirty++;
      this.queue.push(at, dirtyLine(event, this.counts.dirty, this.rng).line);
    }
  }

  private nextId(prefix: string): string {
    return `${prefix}${this.tag}-${++this.seq}`;
  }

  private timeOfDay(): number {
    const hour = this.rng.weightedIndex(HOURLY);
    return hour * 3_600_000 + this.rng.int(0, 3_600_000);
  }

  private drawShopper(): Shopper {
    return this.shoppers[drawCumulative(this.activityCumulative, this.rng)] as Shopper;
  }

  private truth(): SimulationTruth {
    const users: SimulationTruth['users'] = {};
    for (const s of this.shoppers) {
      const preferences: Record<string, number> = {};
      s.preferences.forEach(
        (w, k) => (preferences[(CATEGORIES[k] as { name: string }).name] = Math.round(w * 1e4) / 1e4),
      );
      users[s.userId] = { preferences, priceSensitivity: s.priceSensitivity };
    }
    return {
      config: this.config,
      promotionDay: this.promotionDay,
      counts: this.counts,
      users,
      fraud: this.fraud,
      unlabelledFraud: this.unlabelledFraud,
      relevance: this.search.truth(),
    };
  }
}
