// Labels joined back to their payments: a `label` names a payment by id only; features of labels keyed by the
// payment's card, device or email ("chargebacks so far on this card") need that payment's entities.
import type { EventOf, ShopEvent } from '../events/schemas.js';
import { ENTITY_FIELDS } from '../features/definition.js';
import { DAY } from '../features/duration.js';

/** How long a payment's entities are kept for its labels to find: chargebacks come within 120 days. */
export const LABEL_JOIN_HORIZON_MS = 180 * DAY;

/** Entity fields a payment can carry (the label takes them). */
const FIELDS = [...new Set(Object.values(ENTITY_FIELDS))];

export interface LabelJoinSnapshot {
  /** Per payment: id, time, and its entity fields as [field, value] pairs. */
  readonly payments: [string, number, [string, string][]][];
  readonly waiting: EventOf<'label'>[];
}

/**
 * Remembers each payment's entities, and gives a label those of the payment it names. A label that comes before
 * its payment (out of order) waits for it, and is applied when the payment comes: its tiles are by its own time,
 * so the values are the same as in time order.
 * @example const j = new LabelJoin(); j.notePayment(p); j.enrich(label) // → the label with p's cardId, deviceId…
 */
export class LabelJoin {
  private readonly payments = new Map<string, { ts: number; fields: [string, string][] }>();
  private readonly waiting = new Map<string, EventOf<'label'>[]>();

  /** Remembers a payment; returns the labels that were waiting for it, joined. */
  notePayment(payment: EventOf<'payment'>): ShopEvent[] {
    const record = payment as unknown as Record<string, unknown>;
    const fields: [string, string][] = [];
    for (const f of FIELDS) {
      const v = record[f];
      if (typeof v === 'string') fields.push([f, v]);
    }
    if (!this.payments.has(payment.paymentId))
      this.payments.set(payment.paymentId, { ts: payment.ts, fields });
    const waiting = this.waiting.get(payment.paymentId);
    if (waiting === undefined) return [];
    this.waiting.delete(payment.paymentId);
    return waiting.map((label) => this.join(label, fields));
  }

  /** The label with its payment's entities, or undefined when the payment has not come yet (it waits). */
  enrich(label: EventOf<'label'>): ShopEvent | undefined {
    const payment = this.payments.get(label.paymentId);
    if (payment !== undefined) return this.join(label, payment.fields);
    const list = this.waiting.get(label.paymentId);
    if (list) list.push(label);
    else this.waiting.set(label.paymentId, [label]);
    return undefined;
  }

  private join(label: EventOf<'label'>, fields: [string, string][]): ShopEvent {
    const joined: Record<string, unknown> = { ...label };
    for (const [f, v] of fields) joined[f] = v;
    return joined as unknown as ShopEvent;
  }

  /** Forgets payments, and labels still waiting, older than `ts`. */
  evictBefore(ts: number): void {
    for (const [id, p] of this.payments) if (p.ts < ts) this.payments.delete(id);
    for (const [id, labels] of this.waiting) {
      const kept = labels.filter((l) => l.ts >= ts);
      if (kept.length === 0) this.waiting.delete(id);
      else this.waiting.set(id, kept);
    }
  }

  snapshot(): LabelJoinSnapshot {
    return {
      payments: [...this.payments].map(([id, p]) => [id, p.ts, p.fields]),
      waiting: [...this.waiting.values()].flat(),
    };
  }

  restore(snapshot: LabelJoinSnapshot | undefined): void {
    this.payments.clear();
    this.waiting.clear();
    if (!snapshot) return;
    for (const [id, ts, fields] of snapshot.payments) this.payments.set(id, { ts, fields });
    for (const label of snapshot.waiting) this.enrich(label);
  }
}
