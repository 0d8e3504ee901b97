/**
 * How far one control plane goes, and what gives first, as the network grows from one region to the
 * national network. Pure arithmetic over measured figures (the benches) and named assumptions; no I/O.
 * SCALING.md quotes its table (`npm run bench -- scaling` prints it with this run's figures).
 */

/** Figures a bench measured on this machine, with where they came from. */
export interface Measured {
  /** Compute jobs one control plane took from submit to success per second (bench scaling, PostgreSQL). */
  jobsPerSecPerControlPlane: number;
  /** Database rows one compute job leaves (jobs, tasks, runs, events, logs, ledger, …). */
  rowsPerJob: number;
  /** Bytes of database one compute job leaves. */
  bytesPerJob: number;
  source: string;
}

/** Figures from other benches, quoted with their source (update them when those benches move). */
export const OTHER_BENCHES = {
  /** bench render (2,000 simulated nodes, PGlite, 2 cores): heartbeats one server absorbed per second. */
  heartbeatsPerSecPerProcess: 943,
  /** bench render: render chunks dispatched per second by one server (PGlite, 2 cores). */
  renderDispatchPerSec: 751,
  /** bench planner: seconds the optimal policy needs for 10,000 and 100,000 queued jobs (12 sites). */
  plannerSec10k: 9,
  plannerSec100k: 42,
} as const;

/** Assumptions, named so a reader can change them. */
export const ASSUMPTIONS = {
  /** Busiest hour over the day's average (the Azure trace peaks at several times its mean). */
  peakFactor: 4,
  /** How often an idle worker syncs (its long poll ends), seconds. */
  workerSyncSec: 20,
  /** Days of job history kept in the operational database before it is archived. */
  retentionDays: 90,
  /** The planner replans every this many seconds; a solve must fit in it. */
  planningPeriodSec: 300,
  /** Render chunks per render node per day (a 10-minute chunk, busy around the clock). */
  chunksPerRenderNodePerDay: 144,
  /** Size of one PostgreSQL before a second one is warranted (operational data, fast storage). */
  databaseBudgetGB: 2_000,
} as const;

export interface Stage {
  name: string;
  sites: number;
  /** Shell/Slurm workers plus render nodes. */
  workers: number;
  renderNodes: number;
  computeJobsPerDay: number;
  /** Jobs waiting for a plan at the busiest moment. */
  queuedJobs: number;
}

export const STAGES: readonly Stage[] = [
  { name: 'Xinjiang today: one region', sites: 12, workers: 21_000, renderNodes: 20_000, computeJobsPerDay: 100_000, queuedJobs: 10_000 },
  { name: 'Xinjiang built out: Karamay, Hami, Urumqi, Changji', sites: 40, workers: 70_000, renderNodes: 50_000, computeJobsPerDay: 1_000_000, queuedJobs: 100_000 },
  { name: 'national: 10 clusters federated', sites: 400, workers: 700_000, renderNodes: 300_000, computeJobsPerDay: 10_000_000, queuedJobs: 1_000_000 },
];

export interface Load {
  resource: string;
  need: number;
  capacity: number;
  unit: string;
  /** need / capacity: above 1, one control plane on one database cannot do it. */
  utilisation: number;
}

export interface StagePlan {
  stage: Stage;
  loads: Load[];
  /** The resource that gives first (highest utilisation), and whether it already exceeds one. */
  firstLimit: Load;
  /** Regional control planes needed so the busiest resource stays under 1 (each with its own database). */
  regionalControlPlanes: number;
}

/** Planner solve time for n queued jobs, interpolated in log-log between the two measured points. */
export function plannerSeconds(n: number): number {
  const { plannerSec10k: a, plannerSec100k: b } = OTHER_BENCHES;
  const slope = Math.log(b / a) / Math.log(10);
  return a * (n / 10_000) ** slope;
}

export function stagePlan(stage: Stage, m: Measured): StagePlan {
  const peakJobsPerSec = (stage.computeJobsPerDay / 86_400) * ASSUMPTIONS.peakFactor;
  const renderChunksPerSec = (stage.renderNodes * ASSUMPTIONS.chunksPerRenderNodePerDay / 86_400) * ASSUMPTIONS.peakFactor;
  const loads: Load[] = [
    { resource: 'compute jobs through the leader', need: peakJobsPerSec, capacity: m.jobsPerSecPerControlPlane, unit: 'jobs/s' },
    { resource: 'worker syncs', need: stage.workers / ASSUMPTIONS.workerSyncSec, capacity: OTHER_BENCHES.heartbeatsPerSecPerProcess, unit: 'syncs/s per process' },
    { resource: 'render chunks through the leader', need: renderChunksPerSec, capacity: OTHER_BENCHES.renderDispatchPerSec, unit: 'chunks/s' },
    { resource: 'planner solve', need: plannerSeconds(stage.queuedJobs), capacity: ASSUMPTIONS.planningPeriodSec, unit: 's per plan' },
    { resource: 'operational database size', need: (stage.computeJobsPerDay * m.bytesPerJob * ASSUMPTIONS.retentionDays) / 1e9, capacity: ASSUMPTIONS.databaseBudgetGB, unit: 'GB' },
  ].map((l) => ({ ...l, utilisation: l.need / l.capacity }));
  const firstLimit = loads.reduce((a, b) => (b.utilisation > a.utilisation ? b : a));
  return { stage, loads, firstLimit, regionalControlPlanes: Math.max(1, Math.ceil(firstLimit.utilisation)) };
}

export function capacityPlan(m: Measured): StagePlan[] {
  return STAGES.map((s) => stagePlan(s, m));
}

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function formatCapacityPlan(plans: StagePlan[]): string {
  const out: string[] = [];
  out.push('capacity plan (sim/scaling/model.ts): need vs what one control plane measured; utilisation > 1 = the design must change');
  for (const p of plans) {
    out.push(`\n${p.stage.name}: ${p.stage.sites} sites, ${p.stage.workers.toLocaleString('en-US')} workers (${p.stage.renderNodes.toLocaleString('en-US')} render nodes), ${p.stage.computeJobsPerDay.toLocaleString('en-US')} jobs/day, ${p.stage.queuedJobs.toLocaleString('en-US')} queued at peak`);
    out.push('  resource                              need         capacity   unit                 utilisation');
    for (const l of p.loads) {
      out.push(`  ${l.resource.padEnd(36)} ${fmt(l.need).padStart(10)}  ${fmt(l.capacity).padStart(11)}   ${l.unit.padEnd(20)} ${l.utilisation.toFixed(2).padStart(6)}${l === p.firstLimit ? '  ← first limit' : ''}`);
    }
    out.push(`  → ${p.firstLimit.utilisation <= 1 ? 'one control plane on one PostgreSQL suffices' : `${p.regionalControlPlanes} regional control planes (each its own leader and database), federated`}`);
  }
  return out.join('\n');
}
