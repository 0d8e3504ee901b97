// The bench's own Lagrangian bound: optimal's best multipliers ascended further, outside every policy's
// time limit, and the optimal plan's gap to it in parts (whose gap it is: the plan's or the bound's).
import { gapParts, lagrangianAscent, type GapParts, type Multipliers, type PlanResult } from '@shuzhi/compute';
import { n } from './side-by-side.ts';

export interface LongerBound {
  /** L(y) at the best multipliers found: a valid lower bound */
  bound: number;
  /** optimal's own bound, where the ascent started */
  start: number;
  iterations: number;
  seconds: number;
  /** the optimal plan's gap to `bound` in parts, at the same multipliers */
  parts: GapParts;
}

/**
 * Ascends from optimal's multipliers for `seconds` towards the best plan's objective (a valid upper
 * bound on the optimum), with CFM-deflected Polyak steps, then splits the optimal plan's gap at the best
 * multipliers. The ascent pauses every few hundred jobs, so a HiGHS solve in its worker runs beside it.
 */
export async function longerBound(m: Multipliers, results: readonly PlanResult[], seconds: number, opts: { deflect?: boolean; theta?: number; patience?: number } = {}): Promise<LongerBound> {
  const target = Math.min(...results.map((r) => r.objective));
  const started = performance.now();
  const until = started + seconds * 1000;
  const a = await lagrangianAscent(m.ix, m.model, m.eb, m.y, { target, stop: () => performance.now() > until, deflect: opts.deflect ?? true, ...(opts.theta ? { theta: opts.theta } : {}), ...(opts.patience ? { patience: opts.patience } : {}) });
  const elapsed = (performance.now() - started) / 1000;
  const opt = results.find((r) => r.policy === 'optimal')!;
  return { bound: a.bound, start: a.start, iterations: a.iterations, seconds: elapsed, parts: gapParts(m.ix, m.model, m.eb, a.y, opt.allocations) };
}

const yuan = (fen: number) => n(fen / 100, 2);
const share = (part: number, whole: number) => (whole > 0 ? `${n((part / whole) * 100, 1)}%` : '–');

/** The optimal plan's gap to the Lagrangian bound in parts, as the bench prints them. */
export function gapLines(g: GapParts): string[] {
  const gap = g.plan - g.bound;
  const k = g.jobs.byKind;
  const lines = [
    `gap of optimal to the Lagrangian bound at its multipliers: ${yuan(gap)} ¥ (plan ${yuan(g.plan)} ¥ − L(y) ${yuan(g.bound)} ¥), by weak duality in parts:`,
    `  jobs off their cheapest placement at y (the plan's part): ${yuan(g.jobs.fen)} ¥ (${share(g.jobs.fen, gap)}), ${g.jobs.count} jobs — site ${yuan(k.site.fen)} ¥ (${k.site.count}), timing ${yuan(k.timing.fen)} ¥ (${k.timing.count}), unserved ${yuan(k.unserved.fen)} ¥ (${k.unserved.count})`,
    `  capacity priced but not full (complementary slackness): ${yuan(g.capacity.fen)} ¥ (${share(g.capacity.fen, gap)}) on ${g.capacity.rows} pool-slots`,
    `  energy, renewables, storage and green rows with the energy columns: ${yuan(g.energy.fen)} ¥ (${share(g.energy.fen, gap)})`,
  ];
  for (const j of g.jobs.top) {
    lines.push(`    ${j.job}: ${yuan(j.fen)} ¥ ${j.kind} — plan ${j.planSites.join('+') || 'unserved'} from slot ${Number.isFinite(j.planStart) ? j.planStart : '–'}, cheapest at y ${j.bestSites.join('+') || 'unserved'} from slot ${Number.isFinite(j.bestStart) ? j.bestStart : '–'}`);
  }
  return lines;
}
