// Rule sets: an ordered list of rules, each an expression over the payment's features and fields with an action,
// a reason code and a message. Expressions are parsed once by jsep (a small, well-kept expression parser: it
// builds a syntax tree and evaluates nothing) and compiled here into closures over a whitelist of node types,
// operators, names and functions; user text is never evaluated as code.
import jsep from 'jsep';
import { ERROR_CODES, RISK_ACTIONS, ShopstreamError, type RiskAction } from '../../core/index.js';

jsep.addBinaryOp('in', 7);

/** A value an expression reads or makes: a feature's number, a payment's text, a comparison's truth, or null. */
export type RuleValue = number | string | boolean | null;
/** What a rule reads: the payment's features, its own fields and the model's score (none is copied per decision). */
export interface RuleContext {
  readonly features: Readonly<Record<string, number | null>>;
  readonly payment: Readonly<Record<string, string | number>>;
  readonly score: number | null;
}

/** A name's value: a feature's (null: no data yet), else the payment's field, else `score`; null when absent. */
export function valueOf(ctx: RuleContext, name: string): RuleValue {
  const f = ctx.features[name];
  if (f !== undefined) return f;
  const p = ctx.payment[name];
  if (p !== undefined) return p;
  return name === 'score' ? ctx.score : null;
}

export interface RuleDefinition {
  readonly name: string;
  /** The condition, e.g. `device_cards_24h >= 5 && amount > 200`. */
  readonly when: string;
  readonly action: RiskAction;
  /** The reason code a decision carries when the rule matches, e.g. `CARD_BURST`. */
  readonly code: string;
  /** The reason's message; `{name}` is replaced by that feature's or field's value. */
  readonly message: string;
  /** Default true: a disabled rule is kept in the file but not evaluated. */
  readonly enabled?: boolean;
}

export interface RuleSetDocument {
  readonly description?: string;
  readonly rules: readonly RuleDefinition[];
}

export interface CompiledRule {
  readonly definition: RuleDefinition;
  readonly test: (ctx: RuleContext) => boolean;
  readonly message: (ctx: RuleContext) => string;
}

export interface CompiledRuleSet {
  readonly document: RuleSetDocument;
  readonly rules: readonly CompiledRule[];
}

/** How severe an action is: the decision is the most severe action among the rules that match. */
export const SEVERITY: Readonly<Record<RiskAction, number>> = {
  approve: 0,
  challenge: 1,
  review: 2,
  block: 3,
};

const FUNCTIONS: Readonly<Record<string, { arity: [number, number]; fn: (...a: RuleValue[]) => RuleValue }>> =
  {
    abs: { arity: [1, 1], fn: (x) => (typeof x === 'number' ? Math.abs(x) : null) },
    min: { arity: [2, 8], fn: (...xs) => (xs.every(isNumber) ? Math.min(...(xs as number[])) : null) },
    max: { arity: [2, 8], fn: (...xs) => (xs.every(isNumber) ? Math.max(...(xs as number[])) : null) },
    exists: { arity: [1, 1], fn: (x) => x !== null },
    lower: { arity: [1, 1], fn: (x) => (typeof x === 'string' ? x.toLowerCase() : null) },
  };

function isNumber(x: RuleValue): x is number {
  return typeof x === 'number';
}

/** Whether a value counts as true in `&&`, `||`, `!` and as a rule's result: null, false, 0 and '' do not. */
export function truthy(x: RuleValue): boolean {
  return x !== null && x !== false && x !== 0 && x !== '';
}

type Compiled = (ctx: RuleContext) => RuleValue;

const COMPARE: Readonly<Record<string, (a: number | string, b: number | string) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** Where `token` first appears in `text` as a whole word (or as it is, for an operator); 0 when not found. */
function positionOf(text: string, token: string): number {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = /^\w/.test(token) ? `(?<![\\w.])${escaped}(?!\\w)` : escaped;
  const at = new RegExp(word).exec(text)?.index;
  return at ?? 0;
}

function closest(name: string, names: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const candidate of names) {
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string, bound: number): number {
  if (Math.abs(a.length - b.length) >= bound) return bound;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** Compiles one expression against the names it may read; a syntax error or unknown name says where. */
export function compileExpression(text: string, names: ReadonlySet<string>): Compiled {
  let tree: jsep.Expression;
  try {
    tree = jsep(text);
  } catch (error) {
    const e = error as { description?: string; index?: number; message: string };
    throw new RuleSyntaxError(e.description ?? e.message, e.index ?? 0);
  }
  const compile = (node: jsep.Expression): Compiled => {
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        if (value !== null && !['number', 'string', 'boolean'].includes(typeof value)) {
          throw new RuleSyntaxError(
            `${String((node as jsep.Literal).raw)} is not a number, text or boolean`,
            0,
          );
        }
        return () => value as RuleValue;
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (!names.has(name)) {
          const hint = closest(name, names);
          throw new RuleSyntaxError(
            `unknown name "${name}"${hint ? ` (did you mean ${hint}?)` : ''}; names are the risk features, the payment's fields and score`,
            positionOf(text, name),
          );
        }
        return (ctx) => valueOf(ctx, name);
      }
      case 'UnaryExpression': {
        const { operator, argument } = node as jsep.UnaryExpression;
        const arg = compile(argument);
        if (operator === '!') return (ctx) => !truthy(arg(ctx));
        if (operator === '-') {
          return (ctx) => {
            const x = arg(ctx);
            return typeof x === 'number' ? -x : null;
          };
        }
        throw new RuleSyntaxError(
          `operator ${operator} is not allowed (use !, -)`,
          positionOf(text, operator),
        );
      }
      case 'BinaryExpression':
        return compileBinary(node as jsep.BinaryExpression);
      case 'CallExpression': {
        const call = node as jsep.CallExpression;
        const callee = call.callee.type === 'Identifier' ? (call.callee as jsep.Identifier).name : '';
        const f = FUNCTIONS[callee];
        if (!f) {
          throw new RuleSyntaxError(
            `${callee || 'this'} is not a function (functions: ${Object.keys(FUNCTIONS).join(', ')})`,
            positionOf(text, callee || '('),
          );
        }
        const [lo, hi] = f.arity;
        if (call.arguments.length < lo || call.arguments.length > hi) {
          throw new RuleSyntaxError(
            `${callee} takes ${lo === hi ? lo : `${lo} to ${hi}`} arguments, not ${call.arguments.length}`,
            positionOf(text, callee),
          );
        }
        const args = call.arguments.map(compile);
        return (ctx) => f.fn(...args.map((a) => a(ctx)));
      }
      case 'Compound':
        throw new RuleSyntaxError('expected one expression; join conditions with && or ||', 0);
      default:
        throw new RuleSyntaxError(`${node.type} is not allowed in a rule`, 0);
    }
  };
  const compileBinary = (node: jsep.BinaryExpression): Compiled => {
    const { operator } = node;
    if (operator === 'in') {
      const list = node.right as jsep.ArrayExpression;
      if (list.type !== 'ArrayExpression' || list.elements.some((e) => e?.type !== 'Literal')) {
        throw new RuleSyntaxError(
          'in takes a list of values, e.g. ipCountry in ["NG", "RU"]',
          positionOf(text, 'in'),
        );
      }
      const set = new Set(list.elements.map((e) => (e as jsep.Literal).value as RuleValue));
      const left = compile(node.left);
      return (ctx) => set.has(left(ctx));
    }
    const left = compile(node.left);
    const right = compile(node.right);
    if (operator === '&&') return (ctx) => truthy(left(ctx)) && truthy(right(ctx));
    if (operator === '||') return (ctx) => truthy(left(ctx)) || truthy(right(ctx));
    if (operator === '==' || operator === '===') return (ctx) => left(ctx) === right(ctx);
    if (operator === '!=' || operator === '!==') return (ctx) => left(ctx) !== right(ctx);
    const compare = COMPARE[operator];
    if (compare) {
      // Null (no data yet) compares false either way: a missing feature never fires a rule by itself.
      return (ctx) => {
        const a = left(ctx);
        const b = right(ctx);
        return (typeof a === 'number' && typeof b === 'number') ||
          (typeof a === 'string' && typeof b === 'string')
          ? compare(a, b)
          : false;
      };
    }
    const arithmetic = ARITHMETIC[operator];
    if (arithmetic) {
      return (ctx) => {
        const a = left(ctx);
        const b = right(ctx);
        if (typeof a !== 'number' || typeof b !== 'number') return null;
        const x = arithmetic(a, b);
        return Number.isFinite(x) ? x : null;
      };
    }
    throw new RuleSyntaxError(
      `operator ${operator} is not allowed (use && || ! == != < <= > >= + - * / % in)`,
      positionOf(text, operator),
    );
  };
  return compile(tree);
}

/** Formats a value for a message: numbers rounded to two decimals, null as "none". */
export function formatValue(x: RuleValue | undefined): string {
  if (x === null || x === undefined) return 'none';
  if (typeof x === 'number') return String(Math.round(x * 100) / 100);
  return String(x);
}

function compileMessage(template: string, names: ReadonlySet<string>): (ctx: RuleContext) => string {
  const parts = template.split(/\{(\w+)\}/);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i] as string;
    if (!names.has(name)) {
      throw new RuleSyntaxError(`unknown name "{${name}}" in the message`, template.indexOf(`{${name}}`));
    }
  }
  if (parts.length === 1) return () => template;
  return (ctx) => parts.map((p, i) => (i % 2 === 1 ? formatValue(valueOf(ctx, p)) : p)).join('');
}

const RULE_KEYS = new Set(['name', 'when', 'action', 'code', 'message', 'enabled']);

function fail(message: string, field: string): never {
  throw new ShopstreamError(ERROR_CODES.INVALID_RULES, message, { field });
}

/**
 * Checks and compiles a rule set: every rule's fields, its expression and message against `names`, unique names.
 * An error names the rule, its field and the character where the expression goes wrong.
 * @example compileRuleSet({ rules: [{ name: 'burst', when: 'card_payments_1h >= 5', action: 'review', code: 'CARD_BURST', message: '{card_payments_1h} payments in an hour' }] }, names)
 */
export function compileRuleSet(document: unknown, names: ReadonlySet<string>): CompiledRuleSet {
  if (
    typeof document !== 'object' ||
    document === null ||
    !Array.isArray((document as RuleSetDocument).rules)
  ) {
    fail('rules: a rule set is an object with a "rules" array', 'rules');
  }
  const doc = document as RuleSetDocument;
  const seen = new Set<string>();
  const rules: CompiledRule[] = [];
  doc.rules.forEach((rule: RuleDefinition, i) => {
    const at = `rules[${i}]`;
    if (typeof rule !== 'object' || rule === null) fail(`${at}: a rule is an object`, at);
    const label = typeof rule.name === 'string' ? `${at} "${rule.name}"` : at;
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.has(key))
        fail(`${label}: ${key} is not a field of a rule (${[...RULE_KEYS].join(', ')})`, `${at}.${key}`);
    }
    for (const key of ['name', 'when', 'code', 'message'] as const) {
      if (typeof rule[key] !== 'string' || rule[key].trim() === '')
        fail(`${label}: ${key} must be non-empty text`, `${at}.${key}`);
    }
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(rule.code)) {
      fail(
        `${label}: code "${rule.code}" must be upper case letters, digits and _ (e.g. CARD_BURST)`,
        `${at}.code`,
      );
    }
    if (!RISK_ACTIONS.includes(rule.action)) {
      fail(
        `${label}: action "${String(rule.action)}" is not one of ${RISK_ACTIONS.join(', ')}`,
        `${at}.action`,
      );
    }
    if (rule.enabled !== undefined && typeof rule.enabled !== 'boolean')
      fail(`${label}: enabled must be true or false`, `${at}.enabled`);
    if (seen.has(rule.name)) fail(`${label}: another rule has this name`, `${at}.name`);
    seen.add(rule.name);
    let test: Compiled;
    let message: (ctx: RuleContext) => string;
    try {
      test = compileExpression(rule.when, names);
    } catch (error) {
      if (!(error instanceof RuleSyntaxError)) throw error;
      fail(`${label}: when: ${error.message} at character ${error.index} of "${rule.when}"`, `${at}.when`);
    }
    try {
      message = compileMessage(rule.message, names);
    } catch (error) {
      if (!(error instanceof RuleSyntaxError)) throw error;
      fail(`${label}: message: ${error.message} at character ${error.index}`, `${at}.message`);
    }
    if (rule.enabled !== false) rules.push({ definition: rule, test: (ctx) => truthy(test(ctx)), message });
  });
  return { document: doc, rules };
}
