import type { Clock } from '@shuzhi/schema';
import { join } from 'node:path';
import { and, gte, sql } from 'drizzle-orm';
import type { JobStatus, Overview, PowerCurve, Site } from '@shuzhi/schema';
import { FINAL_JOB_STATUSES } from '@shuzhi/schema';
import { DEFAULT_MAX_PREEMPTIONS_PER_JOB, localHour, renewableKW, siteLoadKW } from '@shuzhi/compute';
import type { Db } from '../db/client.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../log.ts';
import type { ServerModule } from '../module.ts';
import type { PlatformMetrics } from '../ops/metrics.ts';
import { CheckpointStore } from './checkpoints.ts';
import { Preemptor } from './preemptor.ts';
import { runs, tasks } from './db-schema.ts';
import { Dispatcher } from './dispatcher.ts';
import { externalWorkApi } from './external-work.ts';
import type { JobSecrets } from './job-env.ts';
import { JobService } from './jobs.ts';
import { WorkflowService } from './workflows.ts';
import { NetworkStore } from './network-store.ts';
import { PlanningQueue } from './planning.ts';
import { quotaRoutes } from './quota-routes.ts';
import { QuotaService } from './quotas.ts';
import { computeRoutes } from './routes.ts';
import { RunRecords } from './run-records.ts';
import { SlurmSites } from './slurm-sites.ts';

/** Start of today in Asia/Shanghai, as a Date. */
function startOfShanghaiDay(nowMs: number): Date {
  const shifted = nowMs + 8 * 3600_000;
  return new Date(shifted - (shifted % 86_400_000) - 8 * 3600_000);
}

/**
 * Jobs, their dispatch to agents and Slurm sites, and the network's live figures. Built by the platform
 * before the other modules (they receive it as `ctx.compute` and use its services, never its tables);
 * its migrations are the core folder's (see db-schema.ts), applied when the database opens.
 */
export class ComputeModule implements ServerModule {
  readonly name = 'compute';
  readonly network: NetworkStore;
  readonly dispatcher: Dispatcher;
  readonly jobs: JobService;
  readonly workflows: WorkflowService;
  readonly slurm: SlurmSites;
  /** Runs as other modules read them (billing). */
  readonly runs: RunRecords;
  /** The queue as the planner reads and annotates it. */
  readonly planning: PlanningQueue;
  /** Seals and opens jobs' env (the server's secrets key). */
  readonly secrets: JobSecrets;
  /** Quotas, cohorts and fair share: the dispatcher's admission and order. */
  readonly quotas: QuotaService;
  /** Preempts running checkpointing work for queued work that would otherwise miss its deadline. */
  readonly preemptor: Preemptor;
  /** Checkpoints of preempted checkpointing tasks (kept with the job, given back on resume). */
  readonly checkpoints: CheckpointStore;
  /** Work other modules run that compute meters (the render farm's jobs). */
  readonly externalWork = externalWorkApi();
  private liveTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    opts: {
      leaseMs: number; dataDir: string; secrets: JobSecrets; clock: Clock;
      /** Defaults: 7 days, 5 minutes (see config.ts). */
      fairShareHalfLifeHours?: number; quotaReclaimMs?: number;
      /** Default 2 (see config.ts SHUZHI_PREEMPT_MAX_PER_JOB). */
      preemptMaxPerJob?: number;
      /** The least saving a cheaper-window pause must bring (see config.ts SHUZHI_PREEMPT_WINDOW_MIN_*). */
      preemptWindowMin?: { fen: number; kg: number };
    },
  ) {
    this.secrets = opts.secrets;
    this.network = new NetworkStore(db, bus);
    this.dispatcher = new Dispatcher(db, bus, this.network, log, { leaseMs: opts.leaseMs, secrets: opts.secrets, clock: opts.clock });
    this.jobs = new JobService(db, bus, this.network, this.dispatcher, opts.secrets, opts.clock);
    this.workflows = new WorkflowService(db, bus, this.jobs);
    this.checkpoints = new CheckpointStore(db, this.dispatcher.agents, opts.dataDir);
    this.dispatcher.host.onJobFinal = (jobId) => {
      this.jobs.settleDependants(jobId).catch((err: unknown) => log.error({ err, jobId }, 'settling the dependants of a finished job failed'));
    };
    this.preemptor = new Preemptor(this.dispatcher, this.network, log, {
      clock: opts.clock, maxPerJob: opts.preemptMaxPerJob ?? DEFAULT_MAX_PREEMPTIONS_PER_JOB, windowMin: opts.preemptWindowMin ?? { fen: 500, kg: 5 },
    });
    this.dispatcher.beforePlace = () => this.preemptor.tick().then(() => undefined);
    this.dispatcher.agents.restoreOf = (taskId) => this.checkpoints.restoreOf(taskId);
    this.dispatcher.host.checkpointSaved = (f) => this.checkpoints.savedBy(f);
    this.dispatcher.host.checkpointStore = {
      save: (a, archive) => this.checkpoints.putFromEngine(a, archive),
      load: (a) => this.checkpoints.archiveFor(a),
    };
    this.slurm = new SlurmSites(this.network, this.dispatcher, log, join(opts.dataDir, 'slurm'));
    this.runs = new RunRecords(db);
    this.planning = new PlanningQueue(db);
    this.quotas = new QuotaService(db, this.dispatcher, log, {
      clock: opts.clock, halfLifeHours: opts.fairShareHalfLifeHours ?? 168, reclaimMs: opts.quotaReclaimMs ?? 300_000,
    });
  }

  routes() {
    return computeRoutes(this).route('/', quotaRoutes(this.quotas));
  }

  metrics(m: PlatformMetrics): void {
    m.gauge('shuzhi_compute_tasks', 'Compute tasks by status (queued is the queue depth)', ['status'], async () => {
      const rows = await this.db.select({ status: tasks.status, n: sql<number>`count(*)::int` }).from(tasks).groupBy(tasks.status);
      return rows.map((r) => ({ labels: { status: r.status }, value: r.n }));
    });
    m.gauge('shuzhi_compute_agent_leases', 'Compute tasks leased to agent workers now', [], () => [{ value: this.dispatcher.agents.leasesHeld() }]);
    m.gauge('shuzhi_compute_agents_online', 'Agent workers that synced within a lease period', [], () => [{ value: this.dispatcher.agents.agentsOnline() }]);
  }

  async start(): Promise<void> {
    await this.checkSecrets();
    // Slurm sites need their executors before recovery: it hands each engine back what it held.
    await this.slurm.sync();
    this.unsubscribe = this.bus.subscribe((e) => {
      if (e.kind === 'site.created' || e.kind === 'site.updated' || e.kind === 'site.deleted') void this.slurm.sync();
      // A job that ended (finished or cancelled) resumes from nothing any more: its checkpoints go.
      if (e.kind === 'job.status' && e.entityId && FINAL_JOB_STATUSES.includes(e.data?.status as JobStatus)) {
        this.checkpoints.dropJob(e.entityId).catch((err: unknown) => this.log.error({ err, jobId: e.entityId }, 'dropping the checkpoints of an ended job failed'));
      }
    });
    await this.dispatcher.recover();
    const swept = await this.checkpoints.sweepFinished();
    if (swept) this.log.info({ checkpoints: swept }, 'dropped the checkpoints of jobs that had ended');
    await this.quotas.start();
    this.probeTimer = setInterval(() => void this.slurm.probeDegraded(), 15_000);
    this.probeTimer.unref();
    this.dispatcher.start();
    // Live figures for the dashboards, pushed over SSE every few seconds.
    this.liveTimer = setInterval(() => {
      void this.overview()
        .then((o) => this.bus.publishTransient('overview', o as unknown as Record<string, unknown>))
        .catch(() => undefined);
    }, 5000);
    this.liveTimer.unref();
  }

  /** Seals env rows left plain by older versions, and says loudly when rows were sealed with another key. */
  private async checkSecrets(): Promise<void> {
    const legacy = await this.jobs.sealLegacyEnv();
    if (legacy.sealed || legacy.skipped) this.log.info(legacy, 'jobs\' env written before encryption is now sealed');
    const other = await this.jobs.envSealedWithOtherKeys();
    if (other.jobs > 0) {
      this.log.error(
        { jobs: other.jobs, keyIds: other.keyIds, serverKeyId: this.secrets.box.keyId, keySource: this.secrets.box.source },
        'some jobs\' env was sealed with another secrets key: their owners cannot read it and their tasks wait. ' +
          'Set SHUZHI_SECRETS_KEY to the key those jobs were written with (all servers sharing a database need the same key) and restart',
      );
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.quotas.stop();
    await this.dispatcher.stop();
  }

  async sitesLive(): Promise<Site[]> {
    const now = Date.now();
    return (await this.network.listSites()).map((s) => {
      const busy = this.dispatcher.busyByType(s.id);
      const totalUnits = s.pools.reduce((a, p) => a + p.units, 0);
      const busyUnits = Object.values(busy).reduce((a, b) => a + b, 0);
      const load = siteLoadKW(s, s.pools, busy);
      const green = renewableKW(s, now);
      const online = this.dispatcher.canRun(s);
      return {
        ...s,
        live: {
          busyUnits,
          totalUnits,
          utilisation: totalUnits ? busyUnits / totalUnits : 0,
          greenShareNow: load > 0 ? Math.min(1, green / load) : 0,
          pflopsOnline: s.pools.reduce((a, p) => a + p.units * p.pflopsPerUnit, 0),
          agentsOnline: this.dispatcher.agentsOnline(s.id),
          engineOnline: online,
          engineNote: online ? null : s.engine === 'agent' ? 'no agent online' : this.slurm.problem(s.id),
          renewableKWNow: green,
          loadKWNow: load,
        },
      };
    });
  }

  async powerCurve(siteId: string, hours: number): Promise<PowerCurve> {
    const s = await this.network.getSite(siteId);
    const start = Math.floor(Date.now() / 3600_000) * 3600_000;
    const load = siteLoadKW(s, s.pools, this.dispatcher.busyByType(s.id));
    const r = s.power.renewables;
    return {
      siteId,
      start: new Date(start).toISOString(),
      model: r
        ? `${r.model} (solar ${r.solarKW} kW, wind ${r.windKW} kW at ${s.lat.toFixed(1)}°N ${s.lon.toFixed(1)}°E)`
        : 'no on-site renewables',
      hours: Array.from({ length: hours }, (_, i) => {
        const at = start + i * 3600_000;
        const h = localHour(at);
        return {
          at: new Date(at).toISOString(),
          tariffFenPerKWh: s.power.tariffFenPerKWh[h] ?? 0,
          carbonGPerKWh: s.power.carbonGPerKWh[h] ?? 0,
          renewableKW: renewableKW(s, at),
          loadKW: load,
        };
      }),
    };
  }

  async overview(): Promise<Overview> {
    const sites = await this.sitesLive();
    const regions = await this.network.listRegions();
    const today = startOfShanghaiDay(Date.now());
    const [agg] = await this.db
      .select({
        energy: sql<number>`coalesce(sum(${runs.energyKWh}),0)::float8`,
        green: sql<number>`coalesce(sum(${runs.greenKWh}),0)::float8`,
        carbon: sql<number>`coalesce(sum(${runs.carbonG}),0)::float8`,
        ok: sql<number>`count(*) filter (where ${runs.status} = 'succeeded')::int`,
      })
      .from(runs)
      .where(and(gte(runs.endedAt, today), sql`${runs.unitHours} is not null`));
    const total = sites.reduce((a, s) => a + (s.live?.totalUnits ?? 0), 0);
    const busy = sites.reduce((a, s) => a + (s.live?.busyUnits ?? 0), 0);
    const counts = this.dispatcher.counts();
    const energy = Number(agg?.energy ?? 0);
    return {
      pflopsOnline: sites.reduce((a, s) => a + (s.live?.pflopsOnline ?? 0), 0),
      pflopsXinjiang: sites.filter((s) => s.region === 'xinjiang').reduce((a, s) => a + (s.live?.pflopsOnline ?? 0), 0),
      utilisation: total ? busy / total : 0,
      greenShareToday: energy > 0 ? Number(agg?.green ?? 0) / energy : 0,
      jobsRunning: counts.running,
      jobsQueued: counts.unplaced + counts.planned,
      jobsSucceededToday: Number(agg?.ok ?? 0),
      agentsOnline: this.dispatcher.agentsOnline(),
      energyKWhToday: energy,
      carbonKgToday: Number(agg?.carbon ?? 0) / 1000,
      sites: sites.length,
      regions: regions.length,
    };
  }
}

