import type { DataConstraint } from '@shuzhi/schema';

/**
 * The facts a constraint is evaluated against. A fact left undefined is not known at this moment
 * (e.g. `count` when a contract is asked for): `holds` answers undefined for such a constraint and
 * the caller decides what an unknown means.
 */
export interface ConstraintFacts {
  purpose?: string;
  consumer?: string;
  /** null: the consumer has no home region (it matches no region). */
  consumerRegion?: string | null;
  atMs?: number;
  /** The number this use would be under the contract (uses made so far + 1). */
  count?: number;
}

/** Left operands known when a contract is asked for; the others (dateTime, count) are checked before each use. */
export const AGREEMENT_OPERANDS: ReadonlySet<string> = new Set(['purpose', 'consumer', 'consumerRegion']);

/** Whether a (validated) constraint holds; undefined when its fact is not known. */
export function holds(c: DataConstraint, facts: ConstraintFacts): boolean | undefined {
  switch (c.leftOperand) {
    case 'purpose':
      return facts.purpose === undefined ? undefined : matchSet(c, facts.purpose);
    case 'consumer':
      return facts.consumer === undefined ? undefined : matchSet(c, facts.consumer);
    case 'consumerRegion':
      return facts.consumerRegion === undefined ? undefined : matchSet(c, facts.consumerRegion);
    case 'dateTime':
      return facts.atMs === undefined ? undefined : compare(c.operator, facts.atMs, Date.parse(String(c.rightOperand)));
    case 'count':
      return facts.count === undefined ? undefined : compare(c.operator, facts.count, Number(c.rightOperand));
    default:
      return false;
  }
}

function matchSet(c: DataConstraint, value: string | null): boolean {
  const right = c.rightOperand;
  switch (c.operator) {
    case 'eq':
      return value !== null && value === right;
    case 'neq':
      return value === null || value !== right;
    case 'isAnyOf':
      return value !== null && Array.isArray(right) && right.includes(value);
    case 'isNoneOf':
      return value === null || (Array.isArray(right) && !right.includes(value));
    default:
      return false;
  }
}

function compare(op: string, left: number, right: number): boolean {
  switch (op) {
    case 'lt':
      return left < right;
    case 'lteq':
      return left <= right;
    case 'gt':
      return left > right;
    case 'gteq':
      return left >= right;
    default:
      return false;
  }
}

const SET_WORDS: Record<string, string> = { eq: 'is', neq: 'is not', isAnyOf: 'is any of', isNoneOf: 'is none of' };
const TIME_WORDS: Record<string, string> = { lt: 'before', lteq: 'at or before', gt: 'after', gteq: 'at or after' };
const COUNT_WORDS: Record<string, string> = { lt: 'below', lteq: 'at most', gt: 'above', gteq: 'at least' };

/** A constraint in words, for the reasons a decision gives: "purpose is any of research, planning". */
export function describe(c: DataConstraint): string {
  const right = Array.isArray(c.rightOperand) ? c.rightOperand.join(', ') : String(c.rightOperand);
  const words = c.leftOperand === 'dateTime' ? TIME_WORDS : c.leftOperand === 'count' ? COUNT_WORDS : SET_WORDS;
  const subject = c.leftOperand === 'dateTime' ? 'the time is' : c.leftOperand === 'count' ? 'the number of uses is' : c.leftOperand;
  return `${subject} ${words[c.operator] ?? c.operator} ${right}`;
}
