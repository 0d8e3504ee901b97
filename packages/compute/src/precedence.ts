import { ComputeError } from './errors.ts';
import type { Allocation } from './policy.ts';
import { jobSlots } from './power.ts';
import type { Scenario, ScenarioJob } from './scenario.ts';
import { stagingFor } from './staging.ts';

/**
 * Dependencies as precedence constraints across sites: a dependant starts no earlier than each parent's
 * planned end plus the time to stage its input data from the parent's site to its own. Pure planning
 * logic, policy-agnostic: any policy (fifo, greedy, optimal) plans under it through `planWithPrecedence`
 * (dagPlan.ts).
 */

/** `job` may start only after every job in `after` has finished. */
export interface PrecedenceEdge {
  job: string;
  after: readonly string[];
  /**
   * Data staged from the parents' sites to the job's (default: the job's `dataGB`). A job whose input
   * is its parents' output, with no home of its own, carries it here and 0 as its `dataGB`, so its data
   * is moved once, from where the parents ran, not also from a home.
   */
  dataGB?: number;
}

/** The DAG has a cycle, or names a job the scenario does not have. */
export class PrecedenceError extends ComputeError<'SCENARIO_INVALID'> {
  constructor(readonly path: string, message: string) {
    super('SCENARIO_INVALID', `${path}: ${message}`);
  }
}

/**
 * The jobs in an order where every parent comes before its dependants (Kahn); throws PrecedenceError
 * naming a job on a cycle. `parents` maps a job to the jobs it waits for.
 */
export function topologicalOrder(ids: readonly string[], parents: ReadonlyMap<string, readonly string[]>): string[] {
  const known = new Set(ids);
  const indegree = new Map(ids.map((id) => [id, 0]));
  const children = new Map<string, string[]>();
  for (const id of ids) {
    for (const p of parents.get(id) ?? []) {
      if (!known.has(p)) throw new PrecedenceError(id, `waits for "${p}", which is not among the jobs`);
      indegree.set(id, indegree.get(id)! + 1);
      children.set(p, [...(children.get(p) ?? []), id]);
    }
  }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const out: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    out.push(id);
    for (const c of children.get(id) ?? []) {
      indegree.set(c, indegree.get(c)! - 1);
      if (indegree.get(c) === 0) ready.push(c);
    }
  }
  if (out.length < ids.length) {
    const stuck = ids.find((id) => indegree.get(id)! > 0)!;
    throw new PrecedenceError(stuck, 'the dependencies form a cycle through this job');
  }
  return out;
}

/** Where and when each job runs in a plan: its first slot, the slot after its last, its sites. */
export interface PlannedSpan {
  start: number;
  end: number;
  sites: Set<string>;
  unitHours: number;
}

export function plannedSpans(allocations: readonly Allocation[], slotHours: number): Map<string, PlannedSpan> {
  const out = new Map<string, PlannedSpan>();
  for (const a of allocations) {
    if (a.units <= 0) continue;
    const s = out.get(a.job) ?? { start: Infinity, end: -Infinity, sites: new Set<string>(), unitHours: 0 };
    s.start = Math.min(s.start, a.slot);
    s.end = Math.max(s.end, a.slot + 1);
    s.sites.add(a.site);
    s.unitHours += a.units * slotHours;
    out.set(a.job, s);
  }
  return out;
}

/** Whole slots to stage `dataGB` between two sites' regions; Infinity when no link joins them. */
export function stagingSlots(scenario: Scenario, fromSite: string, toSite: string, dataGB: number): number {
  const region = (id: string) => scenario.sites.find((s) => s.id === id)?.region;
  const from = region(fromSite);
  const to = region(toSite);
  if (from === undefined || to === undefined) return Infinity;
  const st = stagingFor(scenario.links, from, to, dataGB);
  return st ? Math.ceil(st.seconds / (scenario.slotMinutes * 60) - 1e-9) : Infinity;
}

/** A dependant planned to start before a parent finished and its data arrived. */
export interface PrecedenceViolation {
  job: string;
  parent: string;
  /** The slot it may start at the earliest at the site it was planned at (Infinity: never). */
  earliest: number;
  start: number;
}

/** Whether a job's planned span holds all its work. */
export const servedInFull = (job: ScenarioJob, span: PlannedSpan | undefined): boolean => span !== undefined && span.unitHours >= job.units * job.hours - 1e-6;

/**
 * Every dependant that starts too early in `allocations`: before a parent's end plus staging from each
 * of the parent's sites to each of its own, or at all while a parent is not fully served.
 */
export function precedenceViolations(scenario: Scenario, edges: readonly PrecedenceEdge[], allocations: readonly Allocation[]): PrecedenceViolation[] {
  const spans = plannedSpans(allocations, scenario.slotMinutes / 60);
  const jobs = new Map(scenario.jobs.map((j) => [j.id, j]));
  const out: PrecedenceViolation[] = [];
  for (const e of edges) {
    const span = spans.get(e.job);
    const job = jobs.get(e.job);
    if (!span || !job) continue;
    for (const p of e.after) {
      const earliest = earliestAfter(scenario, e.dataGB ?? job.dataGB, jobs.get(p), spans.get(p), span.sites);
      if (span.start < earliest) out.push({ job: e.job, parent: p, earliest, start: span.start });
    }
  }
  return out;
}

function earliestAfter(scenario: Scenario, dataGB: number, parent: ScenarioJob | undefined, ps: PlannedSpan | undefined, at: ReadonlySet<string>): number {
  if (!parent || !servedInFull(parent, ps)) return Infinity;
  let earliest = ps!.end;
  for (const from of ps!.sites) for (const to of at) earliest = Math.max(earliest, ps!.end + stagingSlots(scenario, from, to, dataGB));
  return earliest;
}

/** The least and the most staging (whole slots) between the sites `parent` and `job` may run at; the most over linked pairs only. */
function stagingRange(scenario: Scenario, parent: ScenarioJob, job: ScenarioJob, dataGB: number): { least: number; most: number } {
  const at = (j: ScenarioJob) => scenario.sites.filter((x) => j.regions.includes(x.region) && x.pools.some((p) => p.type === j.type));
  let least = Infinity, most = 0;
  for (const from of at(parent)) {
    for (const to of at(job)) {
      const k = stagingSlots(scenario, from.id, to.id, dataGB);
      least = Math.min(least, k);
      if (Number.isFinite(k)) most = Math.max(most, k);
    }
  }
  return { least, most: Math.max(most, least) };
}

/**
 * Each job's window narrowed by the DAG, so a policy places a parent knowing what its dependants need
 * instead of learning it round by round (a parent put in the cheapest late slot would leave its
 * dependant no room). Forwards, a dependant starts no earlier than every parent could have ended (its
 * release plus its run) and its data been staged the cheapest way: this cuts no plan that serves it.
 * Backwards, a parent must end early enough for each dependant to be staged and run before its
 * deadline — staged the dearest way while that still leaves the parent room for its run (its dependant
 * may then go to any site without another round; this may cut a plan that needed the parent later),
 * else the cheapest way; a parent with no room even so keeps its deadline: better served late than
 * not at all.
 */
export function precedenceWindows(scenario: Scenario, edges: readonly PrecedenceEdge[]): Map<string, { release: number; deadline: number }> {
  const parents = new Map(edges.map((e) => [e.job, e.after]));
  const order = topologicalOrder(scenario.jobs.map((j) => j.id), parents);
  const jobs = new Map(scenario.jobs.map((j) => [j.id, j]));
  const win = new Map(scenario.jobs.map((j) => [j.id, { release: j.release, deadline: j.deadline }]));
  const run = (id: string) => jobSlots(scenario, jobs.get(id)!);
  // Slots between a parent's end and its dependant's start: the cheapest and the dearest staging.
  const gap = new Map<string, { least: number; most: number }>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    for (const p of e.after) {
      gap.set(`${p}>${e.job}`, stagingRange(scenario, jobs.get(p)!, jobs.get(e.job)!, e.dataGB ?? jobs.get(e.job)!.dataGB));
      children.set(p, [...(children.get(p) ?? []), e.job]);
    }
  }
  for (const id of order) {
    const w = win.get(id)!;
    for (const p of parents.get(id) ?? []) w.release = Math.max(w.release, win.get(p)!.release + run(p) + gap.get(`${p}>${id}`)!.least);
  }
  // Backwards, a parent ends in time for the dearest staging when its own run still fits so (its
  // dependant may then go to any site without another round), else for the cheapest.
  for (const id of order.reverse()) {
    const w = win.get(id)!;
    const latest = (k: 'least' | 'most') => Math.min(w.deadline, ...(children.get(id) ?? []).map((c) => win.get(c)!.deadline - run(c) - gap.get(`${id}>${c}`)![k]));
    const safe = latest('most');
    const tight = latest('least');
    if (safe - w.release >= run(id)) w.deadline = safe;
    else if (tight - w.release >= run(id)) w.deadline = tight;
  }
  return win;
}

/** Slurm's dependency conditions against a parent's state: after it succeeded, ended anyhow, or failed. */
export type DependencyKind = 'ok' | 'any' | 'notok';
export type DependencyState = 'waiting' | 'met' | 'impossible';

export function dependencyState(kind: DependencyKind, parentStatus: string): DependencyState {
  const final = parentStatus === 'succeeded' || parentStatus === 'failed' || parentStatus === 'cancelled';
  if (!final) return 'waiting';
  if (kind === 'any') return 'met';
  return (parentStatus === 'succeeded') === (kind === 'ok') ? 'met' : 'impossible';
}
