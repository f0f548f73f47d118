// The risk app's decisions and review cases in the data directory's SQLite database, beside the log.
import type { Statement } from 'better-sqlite3';
import type {
  CaseStatus,
  DecisionFilter,
  DecisionLabel,
  DecisionStore,
  LabelledDecision,
  ReviewCase,
  StoredDecision,
} from '../../core/index.js';
import type { SqliteDatabase } from './database.js';

interface CaseRow {
  payment_id: string;
  status: string;
  opened_at: number;
  closed_at: number | null;
  verdict: string | null;
  analyst: string | null;
  note: string | null;
}

interface DecisionRow {
  body: string;
  features: Buffer | null;
  feature_set: number | null;
  label: string | null;
}

/**
 * Decisions are stored as JSON without their features, and the features as 8-byte numbers (NaN for null) in
 * the order of a named feature set kept once: most of a decision is its hundred numbers, and formatting them
 * as text was most of the cost of storing one (measured: 74 → 36 µs per decision, BENCHMARKS.md, run P).
 */
class FeatureSets {
  private readonly byNames = new Map<string, number>();
  private readonly byId = new Map<number, string[]>();
  private readonly select: Statement;
  private readonly selectId: Statement;
  private readonly insert: Statement;

  constructor(db: SqliteDatabase) {
    this.select = db.prepare('SELECT names FROM risk_feature_sets WHERE id = ?').pluck();
    this.selectId = db.prepare('SELECT id FROM risk_feature_sets WHERE names = ?').pluck();
    this.insert = db.prepare('INSERT OR IGNORE INTO risk_feature_sets (names) VALUES (?)');
  }

  /** The id of a set of names in this order (inside the caller's transaction). */
  idOf(names: readonly string[]): number {
    const key = JSON.stringify(names);
    let id = this.byNames.get(key);
    if (id === undefined) {
      this.insert.run(key);
      id = this.selectId.get(key) as number;
      this.byNames.set(key, id);
    }
    return id;
  }

  names(id: number): string[] {
    let names = this.byId.get(id);
    if (!names) {
      names = JSON.parse(this.select.get(id) as string) as string[];
      this.byId.set(id, names);
    }
    return names;
  }
}

function encodeFeatures(features: Readonly<Record<string, number | null>>): {
  names: string[];
  blob: Buffer;
} {
  const names = Object.keys(features);
  const values = new Float64Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const v = features[names[i] as string];
    values[i] = typeof v === 'number' ? v : Number.NaN;
  }
  return { names, blob: Buffer.from(values.buffer) };
}

function decodeFeatures(names: readonly string[], blob: Buffer): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (let i = 0; i < names.length; i++) {
    const v = blob.readDoubleLE(i * 8);
    out[names[i] as string] = Number.isNaN(v) ? null : v;
  }
  return out;
}

function toCase(row: CaseRow): ReviewCase {
  return {
    paymentId: row.payment_id,
    status: row.status as CaseStatus,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    verdict: row.verdict as ReviewCase['verdict'],
    analyst: row.analyst,
    note: row.note,
  };
}

/**
 * One row per payment, the decision as JSON beside the columns a filter reads. The payment id is the primary key
 * and `INSERT OR IGNORE` the write, so a payment posted twice at once — by two requests, or by two processes — keeps
 * the one decision that came first.
 * @example const decisions = new SqliteDecisionStore(openDatabase('./.shopstream/events.db'))
 */
export class SqliteDecisionStore implements DecisionStore {
  private readonly insert: Statement;
  private readonly openCase: Statement;
  private readonly selectOne: Statement;
  private readonly selectHas: Statement;
  private readonly selectCase: Statement;
  private readonly selectCases: Statement;
  private readonly selectCasesOf: Statement;
  private readonly setLabel: Statement;
  private readonly close: Statement;
  private readonly countAll: Statement;
  private readonly putTx: (d: StoredDecision) => boolean;
  /** One prepared statement per filter shape (at most 32: four optional conditions and a limit). */
  private readonly listStatements = new Map<string, Statement>();
  private readonly putManyTx: (ds: readonly StoredDecision[]) => number;
  private readonly sets: FeatureSets;

  constructor(private readonly db: SqliteDatabase) {
    this.sets = new FeatureSets(db);
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO risk_decisions (payment_id, ts, decision, card_id, body, features, feature_set) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.openCase = db.prepare(
      "INSERT OR IGNORE INTO risk_cases (payment_id, status, opened_at) VALUES (?, 'open', ?)",
    );
    this.selectOne = db.prepare(
      'SELECT body, features, feature_set, label FROM risk_decisions WHERE payment_id = ?',
    );
    this.selectHas = db.prepare('SELECT 1 FROM risk_decisions WHERE payment_id = ?').pluck();
    this.selectCase = db.prepare('SELECT * FROM risk_cases WHERE payment_id = ?');
    this.selectCases = db.prepare('SELECT * FROM risk_cases ORDER BY opened_at, payment_id LIMIT ?');
    this.selectCasesOf = db.prepare(
      'SELECT * FROM risk_cases WHERE status = ? ORDER BY opened_at, payment_id LIMIT ?',
    );
    this.setLabel = db.prepare('UPDATE risk_decisions SET label = ? WHERE payment_id = ? AND label IS NULL');
    this.close = db.prepare(
      "UPDATE risk_cases SET status = 'closed', closed_at = ?, verdict = ?, analyst = ?, note = ? " +
        "WHERE payment_id = ? AND status = 'open'",
    );
    this.countAll = db.prepare('SELECT count(*) FROM risk_decisions').pluck();
    const write = (d: StoredDecision): boolean => {
      const cardId = typeof d.payment.cardId === 'string' ? d.payment.cardId : null;
      const { features, ...rest } = d;
      const { names, blob } = encodeFeatures(features);
      const added = this.insert.run(
        d.paymentId,
        d.featuresAsOf,
        d.decision,
        cardId,
        JSON.stringify(rest),
        blob,
        this.sets.idOf(names),
      );
      if (added.changes === 0) return false;
      if (d.decision === 'review') this.openCase.run(d.paymentId, d.decidedAt);
      return true;
    };
    const put = db.transaction(write);
    const putMany = db.transaction((ds: readonly StoredDecision[]) => {
      let added = 0;
      for (const d of ds) if (write(d)) added++;
      return added;
    });
    this.putTx = (d) => put.immediate(d);
    this.putManyTx = (ds) => putMany.immediate(ds);
  }

  async put(decision: StoredDecision): Promise<{ stored: StoredDecision; created: boolean }> {
    if (this.putTx(decision)) return { stored: decision, created: true };
    const { label: _, ...stored } = this.toDecision(this.selectOne.get(decision.paymentId) as DecisionRow);
    return { stored, created: false };
  }

  async putMany(decisions: readonly StoredDecision[]): Promise<number> {
    return decisions.length === 0 ? 0 : this.putManyTx(decisions);
  }

  async get(paymentId: string): Promise<LabelledDecision | undefined> {
    const row = this.selectOne.get(paymentId) as DecisionRow | undefined;
    return row && this.toDecision(row);
  }

  async has(paymentId: string): Promise<boolean> {
    return this.selectHas.get(paymentId) !== undefined;
  }

  async list(filter: DecisionFilter): Promise<LabelledDecision[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const conditions: [string, string | number | undefined][] = [
      ['ts >= ?', filter.from],
      ['ts < ?', filter.to],
      ['decision = ?', filter.decision],
      ['card_id = ?', filter.cardId],
    ];
    for (const [condition, value] of conditions) {
      if (value === undefined) continue;
      where.push(condition);
      args.push(value);
    }
    const sql =
      'SELECT body, features, feature_set, label FROM risk_decisions' +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY ts, payment_id' +
      (filter.limit !== undefined ? ' LIMIT ?' : '');
    if (filter.limit !== undefined) args.push(filter.limit);
    let statement = this.listStatements.get(sql);
    if (!statement) this.listStatements.set(sql, (statement = this.db.prepare(sql)));
    return (statement.all(...args) as DecisionRow[]).map((row) => this.toDecision(row));
  }

  async label(paymentId: string, label: DecisionLabel): Promise<boolean> {
    return this.setLabel.run(JSON.stringify(label), paymentId).changes > 0;
  }

  async cases(status: CaseStatus | undefined, limit: number): Promise<ReviewCase[]> {
    const rows = (
      status === undefined ? this.selectCases.all(limit) : this.selectCasesOf.all(status, limit)
    ) as CaseRow[];
    return rows.map(toCase);
  }

  async case(paymentId: string): Promise<ReviewCase | undefined> {
    const row = this.selectCase.get(paymentId) as CaseRow | undefined;
    return row && toCase(row);
  }

  async closeCase(
    paymentId: string,
    verdict: { verdict: 'fraud' | 'legit'; analyst: string; note: string | null },
    now: number,
  ): Promise<boolean> {
    return this.close.run(now, verdict.verdict, verdict.analyst, verdict.note, paymentId).changes > 0;
  }

  /** A row as a decision: its features from their numbers (rows of the first layout keep them in the body). */
  private toDecision(row: DecisionRow): LabelledDecision {
    const label = row.label === null ? null : (JSON.parse(row.label) as DecisionLabel);
    const body = JSON.parse(row.body) as StoredDecision;
    if (row.features === null || row.feature_set === null) return { ...body, label };
    return { ...body, features: decodeFeatures(this.sets.names(row.feature_set), row.features), label };
  }

  async count(): Promise<number> {
    return this.countAll.get() as number;
  }
}
