import type { DataOutputRule, DataResult, DataResultGroup } from '@shuzhi/schema';
import { DataRuleError } from '../errors.ts';
import type { QueryPlan } from '../query/plan.ts';
import type { SqlOutput } from '../query/sql.ts';
import { discreteLaplace, type UniformSource } from './noise.ts';

/** What DuckDB returned for `plan.sql`: one row per group (group columns, outputs, `__n`). */
export interface RawResult {
  rows: Record<string, unknown>[];
  rowsScanned: number;
}

/** Sums are released on a grid of this many steps per unit of sensitivity (see sumNoise). */
const GRID_STEPS = 1000;

/**
 * The output rule, applied where the data is: only what this returns leaves the site. Under
 * k-anonymity a query with any group under k records is refused whole (never a partial result);
 * under differential privacy every aggregate gets discrete Laplace noise and the set of groups
 * comes from the schema's categories, not from the data.
 */
export function releaseResult(plan: QueryPlan, raw: RawResult, output: DataOutputRule, noise: UniformSource): DataResult {
  return output.kind === 'k-anonymity' ? releaseK(plan, raw, output.k) : releaseDp(plan, raw, noise);
}

function releaseK(plan: QueryPlan, raw: RawResult, k: number): DataResult {
  const sizes = raw.rows.map((row) => numeric(row.__n, '__n') ?? 0);
  const small = sizes.filter((n) => n < k).length;
  if (small > 0) {
    throw new DataRuleError(
      'GROUP_BELOW_K',
      `${small} of ${sizes.length} group(s) count fewer than ${k} records; this product releases only groups of at least ${k} — group by a coarser column or widen the filters`,
      { k, smallGroups: small, groups: sizes.length },
    );
  }
  if (sizes.reduce((a, b) => a + b, 0) < k) {
    throw new DataRuleError('GROUP_BELOW_K', `the query matched fewer than ${k} records; this product releases only groups of at least ${k} — widen the filters`, {
      k,
      smallGroups: 1,
      groups: 0,
    });
  }
  const groups: DataResultGroup[] = raw.rows.map((row) => ({
    key: Object.fromEntries(plan.groupColumns.map((g) => [g, keyValue(row[g])])),
    values: Object.fromEntries(plan.outputs.map((o) => [o.name, rounded(o, numeric(row[o.name], o.name))])),
  }));
  return { groups, release: { kind: 'k-anonymity', k, smallestGroup: Math.min(...sizes) }, rowsScanned: raw.rowsScanned };
}

function releaseDp(plan: QueryPlan, raw: RawResult, noise: UniformSource): DataResult {
  const missing = plan.groupColumns.filter((g) => !plan.categories[g]);
  if (plan.epsilon <= 0 || missing.length > 0) {
    throw new DataRuleError('QUERY_INVALID', 'this plan was not made for differential privacy (no ε, or groups without categories); plan the query again under the product\'s output rule');
  }
  // Basic composition: every noisy number spends an equal share; an avg is a noisy sum over a noisy count.
  const shares = plan.outputs.reduce((n, o) => n + (o.fn === 'avg' ? 2 : 1), 0);
  const share = plan.epsilon / shares;
  const scale: Record<string, number> = {};
  for (const o of plan.outputs) {
    if (o.fn === 'count') scale[o.name] = 1 / share;
    else if (o.fn === 'sum') scale[o.name] = sensitivity(o) / share;
    else {
      scale[`${o.name}:sum`] = sensitivity(o) / share;
      scale[`${o.name}:count`] = 1 / share;
    }
  }
  const byKey = new Map(raw.rows.map((row) => [JSON.stringify(plan.groupColumns.map((g) => String(keyValue(row[g])))), row]));
  const groups: DataResultGroup[] = cartesian(plan.groupColumns.map((g) => plan.categories[g]!)).map((combo) => {
    // A group the data lacks is released as zeros plus noise, so whether a group exists reveals nothing.
    const row = byKey.get(JSON.stringify(combo)) ?? {};
    const values: Record<string, number | null> = {};
    for (const o of plan.outputs) {
      if (o.fn === 'count') values[o.name] = noisyCount(numeric(row[o.name], o.name) ?? 0, share, noise);
      else if (o.fn === 'sum') values[o.name] = sig(noisySum(numeric(row[o.name], o.name) ?? 0, o, share, noise), 12);
      else {
        const sum = noisySum(numeric(row[`${o.name}__sum`], o.name) ?? 0, o, share, noise);
        const count = noisyCount(numeric(row[`${o.name}__count`], o.name) ?? 0, share, noise);
        const [lo, hi] = o.bounds!;
        values[o.name] = count > 0 ? sig(Math.min(hi, Math.max(lo, sum / count)), 6) : null;
      }
    }
    return { key: Object.fromEntries(plan.groupColumns.map((g, i) => [g, combo[i]!])), values };
  });
  return {
    groups,
    release: { kind: 'differential-privacy', mechanism: 'discrete-laplace', epsilonSpent: plan.epsilon, scale },
    rowsScanned: raw.rowsScanned,
  };
}

/** One record changes a sum of values clamped to [lo, hi] by at most max(|lo|, |hi|). */
function sensitivity(o: SqlOutput): number {
  const [lo, hi] = o.bounds!;
  return Math.max(Math.abs(lo), Math.abs(hi));
}

/** Counts change by 1 per record. Clamping at 0 is post-processing of the noisy value, so it costs no privacy. */
function noisyCount(count: number, share: number, noise: UniformSource): number {
  return Math.max(0, Math.round(count) + discreteLaplace(1 / share, noise));
}

/**
 * The clamped sum snapped to a grid of resolution r = Δ/1000, plus discrete Laplace noise in grid
 * steps with scale (Δ/ε)/r: the Laplace mechanism of scale Δ/ε, on integers (see discreteLaplace).
 */
function noisySum(sum: number, o: SqlOutput, share: number, noise: UniformSource): number {
  const delta = sensitivity(o);
  if (delta === 0) return 0;
  const r = delta / GRID_STEPS;
  return (Math.round(sum / r) + discreteLaplace(GRID_STEPS / share, noise)) * r;
}

function cartesian(lists: string[][]): string[][] {
  return lists.reduce<string[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

/** DuckDB returns BIGINT as bigint and DECIMAL as text in JSON; every numeric form becomes a number. */
function numeric(v: unknown, name: string): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError(`column '${name}' of the raw result is not numeric: ${String(v)}`);
  return n;
}

function keyValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/** Counts are whole; sums keep 12 significant digits (float noise off), means and coefficients 6. */
function rounded(o: SqlOutput, v: number | null): number | null {
  if (v === null) return null;
  if (o.fn === 'count') return Math.round(v);
  return sig(v, o.fn === 'sum' ? 12 : 6);
}

function sig(v: number, digits: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits));
}
