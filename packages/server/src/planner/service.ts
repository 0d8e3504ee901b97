import { desc, eq, notInArray } from 'drizzle-orm';
import {
  ComputeError, getPolicy, lastSlotFraction, localHour, parseScenario, slotHours, stagingFor, type PlanResult, type Policy, type Scenario, plannerWeight, wantsAccelerator,
} from '@shuzhi/compute';
import type { PlannerEntry, PlannerHour, PlannerPlan, PlannerSettings, SiteInput } from '@shuzhi/schema';
import type { ComputeModule } from '../compute/module.ts';
import { cheapestSiteNow, type PlaceFn } from '../compute/placement.ts';
import type { Db } from '../db/client.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { plannerPlans, plannerSettings } from './db-schema.ts';
import { plannedDependants } from './dependants.ts';
import { explanation, jobCostAt, periodLabel } from './explain.ts';
import { buildLiveScenario, slotMs, type LiveJob } from './live-scenario.ts';
import { PlanMemo, replanTimeLimitSec } from './plan-memo.ts';

export const DEFAULT_SETTINGS: PlannerSettings = {
  carbonPriceFenPerKg: 0,
  // Hub-node rule for new data centres (>80% green power), domain sheet §4; soft in the optimal policy.
  greenShareTarget: 0.8,
  policy: 'optimal',
  cadenceSec: 60,
  defaultSlackHours: 6,
  horizonHours: 48,
  slotMinutes: 60,
};

const KEEP_PLANS = 20;
const ARRIVAL_DEBOUNCE_MS = 300;

interface PlanCell { siteId: string; startMs: number; endMs: number; units: number; explanation: string }

/**
 * The live planner: builds a scenario from the network and the waiting jobs, plans it with the chosen
 * policy (optimal runs HiGHS in a worker thread, time-limited to 10 s and half the cadence) on a cadence
 * and shortly after each arrival — not again over the same inputs (PlanMemo) — stores the plan and drives the dispatcher through its placement hook: a job is handed to its
 * planned site only once its planned start slot has come.
 */
export class PlannerService {
  private settingsCache: PlannerSettings = DEFAULT_SETTINGS;
  private current: { plan: PlannerPlan; cells: Map<string, PlanCell>; unplanned: Set<string> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private unsubscribe: (() => void) | null = null;
  private previousPlaceFn: PlaceFn | null = null;
  /** Told how long each solve took (the platform's metrics). */
  onSolved: ((seconds: number, policy: string) => void) | null = null;
  /** The policy of a name (compute's; a test wraps it to count its solves). */
  policyFor: (name: string) => Policy = getPolicy;
  private readonly memo = new PlanMemo();

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly compute: ComputeModule,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  async init(): Promise<void> {
    const [row] = await this.db.select().from(plannerSettings).where(eq(plannerSettings.id, 'default'));
    if (row) this.settingsCache = fromRow(row);
    const [last] = await this.db.select().from(plannerPlans).orderBy(desc(plannerPlans.createdAt)).limit(1);
    if (last) this.adopt(last.plan as PlannerPlan);
  }

  settings(): PlannerSettings {
    return this.settingsCache;
  }

  async updateSettings(next: PlannerSettings, actor: string): Promise<PlannerSettings> {
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      const values = { ...next, updatedBy: actor, updatedAt: new Date() };
      await tx.insert(plannerSettings).values({ id: 'default', ...values })
        .onConflictDoUpdate({ target: plannerSettings.id, set: values });
      await this.bus.record(tx, ev, { kind: 'planner.settings', entity: 'planner', entityId: 'settings', actor, data: { ...next } });
    });
    this.bus.publish(ev);
    this.settingsCache = next;
    this.restartTimer();
    await this.replan();
    return next;
  }

  latest(): PlannerPlan | null {
    return this.current?.plan ?? null;
  }

  /** Starts the cadence, listens for arrivals and takes over placement from the cheapest-now rule. */
  start(): void {
    this.previousPlaceFn = this.compute.dispatcher.placeFn;
    this.compute.dispatcher.placeFn = this.placeFn;
    this.compute.preemptor.windowScenario = (nowMs) => this.pricedNetwork(nowMs);
    const unsubscribe = this.bus.subscribe((e) => {
      if (e.kind === 'job.status' && (e.data as { status?: string }).status === 'queued') this.soon();
    });
    const onEngines = () => this.soon();
    this.compute.dispatcher.onEnginesChanged.add(onEngines);
    this.unsubscribe = () => {
      unsubscribe();
      this.compute.dispatcher.onEnginesChanged.delete(onEngines);
    };
    this.restartTimer();
    this.soon();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    this.unsubscribe?.();
    if (this.previousPlaceFn) this.compute.dispatcher.placeFn = this.previousPlaceFn;
    this.compute.preemptor.windowScenario = null;
    await this.running?.catch(() => undefined);
  }

  private restartTimer(): void {
    if (this.timer) clearInterval(this.timer);
    if (!this.unsubscribe) return;
    this.timer = setInterval(() => void this.replan().catch(() => undefined), this.settingsCache.cadenceSec * 1000);
    this.timer.unref();
  }

  private soon(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => { this.debounce = null; void this.replan().catch(() => undefined); }, ARRIVAL_DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** One re-plan at a time; a request during a run triggers one more run after it. */
  replan(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.planOnce();
        } while (this.again);
      } catch (err) {
        this.log.error({ err }, 'planner run failed; the previous plan stays in force');
        throw err;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The network's slots priced as the planner prices them, with no jobs: the preemptor's cheaper-window check. */
  private async pricedNetwork(nowMs: number): Promise<{ scenario: Scenario; startMs: number } | null> {
    const sites = (await this.compute.network.listSites()).filter((x) => this.compute.dispatcher.canRun(x));
    if (sites.length === 0) return null;
    const built = buildLiveScenario({ nowMs, settings: this.settingsCache, sites, links: [], jobs: [], busyUnits: () => 0 });
    return { scenario: parseScenario(built.scenario), startMs: built.startMs };
  }

  private async planOnce(): Promise<void> {
    const nowMs = this.now();
    const settings = this.settingsCache;
    // Only sites whose engine is online can take work: a plan onto a site with no agent would never run.
    // Tenant-owned sites run only their owner's work: the planner plans the shared network, and a
    // job bound for its tenant's own site is pinned there (placed below like any pinned job).
    const sites = (await this.compute.network.listSites()).filter((x) => !x.ownerTenantId && this.compute.dispatcher.canRun(x));
    if (sites.length === 0) return;
    const links = await this.compute.network.listLinks();
    const queued = await this.compute.planning.queued();
    // Jobs the tenant pinned to sites, or that ask for an accelerator, are not planned: the scenario
    // format knows regions and resource types, not sites or models. They start at the cheapest site
    // that may take them with free units (placeFn), and say so.
    const live: LiveJob[] = queued.filter((j) => j.sites.length === 0 && !wantsAccelerator(j)).map((j) => ({
      id: j.id, tenantId: j.tenantId, type: j.type, units: j.units, hours: j.hours, home: j.home, dataGB: j.dataGB,
      regions: j.regions, releaseAt: j.releaseAt.getTime(), deadlineAt: j.deadlineAt?.getTime() ?? null,
      weight: plannerWeight(this.compute.quotas.effectivePriority(j.tenantId, j.priority)),
    }));
    // Jobs waiting for their parents are planned too, after them (plus staging): see plannedDependants.
    const waiting = await this.compute.planning.waiting();
    live.push(...plannedDependants(nowMs, new Set(live.map((j) => j.id)), waiting, (j) => plannerWeight(this.compute.quotas.effectivePriority(j.tenantId, j.priority))));
    const built = buildLiveScenario({
      nowMs, settings, sites, links, jobs: live, busyUnits: (s, t) => this.compute.dispatcher.busyUnits(s, t),
    });
    let scenario: Scenario;
    try {
      scenario = parseScenario(built.scenario);
    } catch (e) {
      if (e instanceof ComputeError) this.log.error({ err: e }, 'live scenario invalid');
      throw e;
    }
    const solveStart = performance.now();
    const { result, solved } = await this.memo.plan(scenario, built.edges, this.policyFor(settings.policy), { timeLimitSec: replanTimeLimitSec(settings.cadenceSec) });
    if (solved) this.onSolved?.((performance.now() - solveStart) / 1000, settings.policy);
    const plan = this.toPlan(scenario, built.startMs, sites, live, result, built.skipped, new Map(built.edges.map((e) => [e.job, e.after])));
    await this.store(plan);
    this.adopt(plan);
    // A job whose planned slot is now starts now.
    await this.compute.dispatcher.place();
  }

  private toPlan(s: Scenario, startMs: number, sites: readonly SiteInput[], live: readonly LiveJob[], r: PlanResult, skipped: string[], after: ReadonlyMap<string, readonly string[]>): PlannerPlan {
    const siteById = new Map(sites.map((x) => [x.id, x]));
    const scSite = new Map(s.sites.map((x) => [x.id, x]));
    const at = (t: number) => startMs + t * slotMs(s.slotMinutes);
    const liveById = new Map(live.map((j) => [j.id, j]));
    const byJob = new Map<string, { site: string; slots: number[]; units: number }>();
    const busy = new Map<string, number>();
    const scJob = new Map(s.jobs.map((j) => [j.id, j]));
    for (const a of r.allocations) {
      const e = byJob.get(a.job) ?? { site: a.site, slots: [], units: a.units };
      e.slots.push(a.slot);
      byJob.set(a.job, e);
      busy.set(`${a.site}:${a.slot}`, (busy.get(`${a.site}:${a.slot}`) ?? 0) + a.units);
    }
    const nowSlot = Math.max(0, Math.floor((this.now() - startMs) / slotMs(s.slotMinutes)));
    const objective = (c: { costFen: number; carbonG: number }) => c.costFen + (c.carbonG / 1000) * s.carbonPriceFenPerKg;
    // Waiting is only worth it when it saves something: a job the plan put later at no gain (a tie in
    // the solver) starts now at the same site, if the units are free over its whole window. A dependant
    // stays where precedence put it.
    for (const [jobId, e] of byJob) {
      if (after.has(jobId)) continue;
      const sj = scJob.get(jobId)!;
      const site = scSite.get(e.site)!;
      const pool = site.pools.find((p) => p.type === sj.type);
      const from = Math.min(...e.slots), d = e.slots.length;
      const start = Math.max(nowSlot, sj.release);
      if (!pool || start >= from || e.slots.length !== Math.max(...e.slots) - from + 1) continue;
      const planned = objective(jobCostAt(s, site, sj, e.units, from, from + d));
      if (objective(jobCostAt(s, site, sj, e.units, start, start + d)) > planned + 1e-6) continue;
      let fits = true;
      for (let t = start; t < start + d && fits; t++) {
        const own = e.slots.includes(t) ? e.units : 0;
        fits = (busy.get(`${e.site}:${t}`) ?? 0) - own + e.units <= pool.units;
      }
      if (!fits) continue;
      for (const t of e.slots) busy.set(`${e.site}:${t}`, (busy.get(`${e.site}:${t}`) ?? 0) - e.units);
      e.slots = Array.from({ length: d }, (_, k) => start + k);
      for (const t of e.slots) busy.set(`${e.site}:${t}`, (busy.get(`${e.site}:${t}`) ?? 0) + e.units);
    }
    // Busy power per site-slot above idle; a job's last slot draws only for the part of it the job runs.
    const busyW = new Map<string, number>();
    for (const [jobId, e] of byJob) {
      const sj = scJob.get(jobId)!;
      const pool = scSite.get(e.site)?.pools.find((p) => p.type === sj.type);
      if (!pool) continue;
      const last = Math.max(...e.slots);
      for (const t of e.slots) {
        const w = e.units * (pool.busyW - pool.idleW) * (t === last ? lastSlotFraction(s, sj) : 1);
        busyW.set(`${e.site}:${t}`, (busyW.get(`${e.site}:${t}`) ?? 0) + w);
      }
    }
    const entries: PlannerEntry[] = [];
    for (const [jobId, e] of byJob) {
      const j = liveById.get(jobId)!;
      const sj = scJob.get(jobId)!;
      const site = scSite.get(e.site)!;
      const from = Math.min(...e.slots), to = Math.max(...e.slots) + 1;
      const planned = jobCostAt(s, site, sj, e.units, from, to);
      const home = scSite.get(sj.home)!;
      const release = Math.max(sj.release, nowSlot);
      const ref = jobCostAt(s, home, sj, e.units, release, release + (to - from));
      const saved = { costFen: ref.costFen - planned.costFen, carbonG: ref.carbonG - planned.carbonG };
      const siteRec = siteById.get(e.site)!;
      const text = explanation({
        siteName: siteRec.nameEn, startMs: at(from), endMs: at(to),
        period: periodLabel(siteRec.power.tariffFenPerKWh, localHour(at(from))),
        saved, homeName: j.home ? (siteById.get(sj.home)?.nameEn ?? sj.home) : null, startsNow: from <= nowSlot,
      }) + (after.has(jobId) ? `; after ${after.get(jobId)!.join(', ')} (planned to end first, its data staged)` : '');
      entries.push({
        jobId, tenantId: j.tenantId, siteId: e.site, startAt: new Date(at(from)).toISOString(), endAt: new Date(at(to)).toISOString(),
        units: e.units, costFen: Math.round(planned.costFen), carbonG: Math.round(planned.carbonG),
        savedFen: Math.round(saved.costFen), savedCarbonG: Math.round(saved.carbonG), explanation: text,
      });
    }
    let netEnergy = 0, netGreen = 0;
    const siteRows = s.sites.map((site) => {
      const rec = siteById.get(site.id)!;
      let idleW = 0;
      for (const p of site.pools) idleW += p.units * p.idleW;
      const hours: PlannerHour[] = Array.from({ length: s.slots }, (_, t) => {
        const units = busy.get(`${site.id}:${t}`) ?? 0;
        const energyKWh = (site.pue * (idleW + (busyW.get(`${site.id}:${t}`) ?? 0)) * slotHours(s)) / 1000;
        const renew = (site.renewables?.kW[t] ?? 0) * slotHours(s);
        const greenKWh = Math.min(energyKWh, renew);
        netEnergy += energyKWh; netGreen += greenKWh;
        return {
          at: new Date(at(t)).toISOString(), units, energyKWh, greenKWh, greenShare: energyKWh > 0 ? greenKWh / energyKWh : 0,
          priceFenPerKWh: site.grid.fenPerKWh[t] ?? 0, carbonGPerKWh: site.grid.carbonGPerKWh[t] ?? 0,
        };
      });
      return { siteId: site.id, nameZh: rec.nameZh, nameEn: rec.nameEn, region: site.region, hours };
    });
    const unplanned = [...live.map((j) => j.id).filter((id) => !byJob.has(id))];
    const notes = [...r.notes, 'the platform runs each job as one task, so every job is planned rigid (all units, one site, contiguous)'];
    if (skipped.length) notes.push(`${skipped.length} job(s) left out: released after the horizon or no allowed site`);
    return {
      id: newId('plan'), createdAt: new Date(this.now()).toISOString(), policy: r.policy, start: new Date(startMs).toISOString(),
      slotMinutes: s.slotMinutes, slots: s.slots, carbonPriceFenPerKg: s.carbonPriceFenPerKg, greenShareTarget: s.greenShareTarget,
      objectiveFen: r.objective, lowerBoundFen: r.lowerBound?.objective ?? null, greenShare: netEnergy > 0 ? netGreen / netEnergy : 0,
      notes, sites: siteRows, entries, unplanned: unplanned.filter((id) => !skipped.includes(id)),
    };
  }

  private async store(plan: PlannerPlan): Promise<void> {
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await tx.insert(plannerPlans).values({ id: plan.id, policy: plan.policy, startAt: new Date(plan.start), plan });
      const keep = await tx.select({ id: plannerPlans.id }).from(plannerPlans).orderBy(desc(plannerPlans.createdAt)).limit(KEEP_PLANS);
      await tx.delete(plannerPlans).where(notInArray(plannerPlans.id, keep.map((k) => k.id)));
      // Waiting jobs show their plan, in the transaction that stores it.
      await this.compute.planning.notePlanned(tx, plan.entries);
      await this.bus.record(tx, ev, {
        kind: 'planner.planned', entity: 'planner', entityId: plan.id,
        data: { policy: plan.policy, jobs: plan.entries.length, unplanned: plan.unplanned.length, objectiveFen: Math.round(plan.objectiveFen) },
      });
    });
    this.bus.publish(ev);
  }

  private adopt(plan: PlannerPlan): void {
    const cells = new Map<string, PlanCell>();
    for (const e of plan.entries) {
      cells.set(e.jobId, { siteId: e.siteId, startMs: Date.parse(e.startAt), endMs: Date.parse(e.endAt), units: e.units, explanation: e.explanation });
    }
    this.current = { plan, cells, unplanned: new Set(plan.unplanned) };
  }

  /**
   * The dispatcher's placement hook. A planned job goes to its planned site once its start slot has
   * come (and the units are free); a job the plan could not fit, or whose planned site has no engine
   * online, falls back to the cheapest site with free capacity now, and its explanation says so.
   */
  readonly placeFn: PlaceFn = (job, sites, freeUnits, nowMs, links) => {
    const id = job.jobId;
    // A pinned job is the plan's business only in that it is not planned: it needs no re-plan to start
    // (waiting for one held every pinned job for a whole solve).
    if ((job.sites?.length ?? 0) > 0) {
      const c = cheapestSiteNow(job, sites, freeUnits, nowMs, links);
      return c && { ...c, explanation: `pinned by its tenant to ${(job.sites ?? []).join(', ')}; ${c.explanation}` };
    }
    if (wantsAccelerator(job)) {
      const c = cheapestSiteNow(job, sites, freeUnits, nowMs, links);
      return c && { ...c, explanation: `needs ${[job.accelerator, job.minMemGB ? `≥${job.minMemGB} GB` : '', job.oneGroup ? 'one group' : ''].filter(Boolean).join(', ')}; ${c.explanation}` };
    }
    const cur = this.current;
    if (!cur || !id) return null;
    const cell = cur.cells.get(id);
    if (!cell) {
      if (!cur.unplanned.has(id)) return null; // arrived after this plan: the re-plan it triggered decides
      const c = cheapestSiteNow(job, sites, freeUnits, nowMs, links);
      return c && { ...c, explanation: `no slot before its deadline in the plan; ${c.explanation}` };
    }
    if (nowMs < cell.startMs) return null;
    const site = sites.find((s) => s.id === cell.siteId);
    if (!site) {
      const c = cheapestSiteNow(job, sites, freeUnits, nowMs, links);
      return c && { ...c, explanation: `planned site ${cell.siteId} has no engine online; ${c.explanation}` };
    }
    if (freeUnits(site.id, job.type) < job.units) return null;
    const staging = job.homeRegion ? stagingFor(links, job.homeRegion, site.region, job.dataGB) : null;
    if (job.homeRegion && !staging) return null;
    return { siteId: site.id, explanation: cell.explanation, staging };
  };
}

function fromRow(r: typeof plannerSettings.$inferSelect): PlannerSettings {
  return {
    carbonPriceFenPerKg: r.carbonPriceFenPerKg, greenShareTarget: r.greenShareTarget,
    policy: r.policy === 'greedy' ? 'greedy' : 'optimal', cadenceSec: r.cadenceSec,
    defaultSlackHours: r.defaultSlackHours, horizonHours: r.horizonHours, slotMinutes: r.slotMinutes,
  };
}

