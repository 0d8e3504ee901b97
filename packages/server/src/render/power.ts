import { eq } from 'drizzle-orm';
import { localHour, renewableKW, siteLoadKW } from '@shuzhi/compute';
import { FINAL_JOB_STATES, planWake, savedKWh, wantsSleep } from '@shuzhi/render';
import type { HourSignal, SleepPolicy, WakePlan } from '@shuzhi/render';
import type { RenderPower, RenderSleepPolicy, RenderSleepPolicyPut } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { errors } from '../errors.ts';
import type { Logger } from '../log.ts';
import { renderNodeSleep, renderSleepPolicies } from './db-schema.ts';
import type { FarmMeter } from './metering.ts';
import type { FarmState, NodeState } from './state.ts';

/** Xinjiang's tariff tables run on UTC+8 (compute's meter reads them the same way). */
const SITE_UTC_OFFSET_H = 8;
/** A CPU render node's idle draw when neither the policy nor the site says (shared/domain compute.md §3.5). */
const DEFAULT_IDLE_W = 250;
/** Node time a task is assumed to take until the job has finished one. */
const DEFAULT_TASK_MS = 10 * 60_000;
/** How long a node takes to come back from sleep, counted before a deadline. */
const WAKE_LATENCY_MS = 2 * 60_000;

/** Wakes a sleeping node. A real farm would send a wake-on-LAN packet or call its BMC. */
export interface WakeProvider {
  readonly name: string;
  wake(nodeId: string): void;
}

/**
 * The local provider: a sleeping node stops asking for work and holds one poll open at the server
 * (its agent sends free: 0 and a long wait); waking it answers that poll, and the node asks again.
 */
export class LocalWakeProvider implements WakeProvider {
  readonly name = 'local-held-poll';
  constructor(private readonly answer: (nodeId: string) => void) {}
  wake(nodeId: string): void {
    this.answer(nodeId);
  }
}

/** Queued work, in all and per deadline (see queuedWork). */
type QueuedWork = { tasks: number; byDeadline: { deadlineMs: number | null; workMs: number; tasks: number }[] };

interface Slept {
  sleptMs: number;
  savedWh: number;
  savedFen: number;
  asleepSince: number | null;
}

/**
 * Sleep schedules and waking for work. Every few seconds `tick` puts nodes whose policy says so to
 * sleep (a window, or idle minutes, and no task), wakes nodes whose window ended, and asks
 * @shuzhi/render's planWake how many sleeping slots queued work needs now — in a cheap, green hour
 * of the render site (compute's tariffs and renewables), or in time for a job's deadline — and wakes
 * that many, the biggest nodes first, not every sleeper.
 * Node sync asks `asleep(id)` per poll: one map lookup.
 */
export class FarmPower {
  private policies = new Map<string, RenderSleepPolicy>();
  private readonly slept = new Map<string, Slept>();
  /** Nodes woken for work inside their window: awake until they run out of work. */
  private readonly woken = new Set<string>();
  /** When each node was last woken for work: until a wake latency later it is still coming up. */
  private readonly wokenAt = new Map<string, number>();
  private readonly idleSince = new Map<string, number>();
  /** Nodes asleep now (those in `slept` with an asleepSince). */
  private asleepCount = 0;
  private last: { at: number; plan: WakePlan; nodes: number; sleeping: number } | null = null;
  wakeProvider: WakeProvider = { name: 'none', wake: () => {} };

  constructor(
    private readonly db: Db,
    private readonly state: FarmState,
    private readonly meter: FarmMeter,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.select().from(renderSleepPolicies);
    this.policies = new Map(rows.map((r) => [r.target, { target: r.target, windows: r.windows, idleMinutes: r.idleMinutes, idleWatts: r.idleWatts }]));
    this.slept.clear();
    for (const r of await this.db.select().from(renderNodeSleep)) this.slept.set(r.nodeId, { sleptMs: r.sleptMs, savedWh: r.savedWh, savedFen: r.savedFen, asleepSince: r.asleepSince });
    this.asleepCount = [...this.slept.values()].filter((s) => s.asleepSince !== null).length;
  }

  asleep(nodeId: string): boolean {
    return this.slept.get(nodeId)?.asleepSince != null;
  }

  async setPolicy(p: Principal, target: string, input: RenderSleepPolicyPut & { windows: RenderSleepPolicy['windows'] }): Promise<RenderSleepPolicy> {
    if (p.role !== 'operator') throw errors.forbidden('set sleep schedules');
    const row = { target, windows: input.windows, idleMinutes: input.idleMinutes ?? null, idleWatts: input.idleWatts ?? null };
    await this.db
      .insert(renderSleepPolicies)
      .values({ ...row, updatedBy: p.userId })
      .onConflictDoUpdate({ target: renderSleepPolicies.target, set: { windows: row.windows, idleMinutes: row.idleMinutes, idleWatts: row.idleWatts, updatedBy: p.userId, updatedAt: new Date() } });
    this.policies.set(target, row);
    return row;
  }

  async removePolicy(p: Principal, target: string): Promise<void> {
    if (p.role !== 'operator') throw errors.forbidden('remove sleep schedules');
    if (!this.policies.delete(target)) throw errors.notFound('sleep schedule', target);
    await this.db.delete(renderSleepPolicies).where(eq(renderSleepPolicies.target, target));
  }

  view(): RenderPower {
    const now = this.state.clock.now();
    let ms = 0;
    let wh = 0;
    let fen = 0;
    const asleep: RenderPower['asleep'] = [];
    for (const [nodeId, s] of this.slept) {
      const open = s.asleepSince !== null ? this.account(nodeId, s.asleepSince, now) : { ms: 0, wh: 0, fen: 0 };
      ms += s.sleptMs + open.ms;
      wh += s.savedWh + open.wh;
      fen += s.savedFen + open.fen;
      if (s.asleepSince !== null) asleep.push({ nodeId, since: new Date(s.asleepSince).toISOString() });
    }
    return {
      policies: [...this.policies.values()].sort((a, b) => a.target.localeCompare(b.target)),
      asleep: asleep.sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
      wakeProvider: this.wakeProvider.name,
      lastDecision: this.last
        ? { at: new Date(this.last.at).toISOString(), wake: this.last.nodes > 0, reason: this.last.plan.reason, nodesWoken: this.last.nodes, slotsNeeded: this.last.plan.slots, nodesAsleep: this.last.sleeping }
        : null,
      saved: { nodeHoursSlept: ms / 3_600_000, kWh: wh / 1000, fen: Math.round(fen) },
    };
  }

  /**
   * One round: nodes to sleep and to wake by their policies, then whether queued work wakes the sleepers.
   * Incremental where a farm spends its time: with no schedule, no sleeper and no node woken for work
   * (every node of a farm that never sleeps) a node costs only its idle-since entry, and queued work is
   * counted only when a sleeper or a woken node needs it — not 20,000 policy lookups and a scan of
   * every job every 2 s.
   */
  tick(): void {
    const now = this.state.clock.now();
    let work: QueuedWork | null = null;
    const queued = () => (work ??= this.queuedWork());
    const scheduled = this.policies.size > 0;
    for (const n of this.state.nodes.values()) {
      if (n.left) continue;
      const busy = n.tasks.size > 0;
      if (busy) this.idleSince.delete(n.id);
      else if (!this.idleSince.has(n.id)) this.idleSince.set(n.id, now);
      if (!scheduled && this.asleepCount === 0 && this.woken.size === 0) continue;
      if (!busy && this.woken.has(n.id) && queued().tasks === 0) this.woken.delete(n.id);
      const policy = scheduled ? this.policyOf(n) : null;
      const want = policy !== null && !this.woken.has(n.id) && wantsSleep(policy, now, this.idleSince.get(n.id) ?? null, SITE_UTC_OFFSET_H);
      if (want && !busy && !this.asleep(n.id) && n.inSync === 0) this.sleep(n.id, now);
      else if (!want && this.asleep(n.id)) this.wake(n.id, now);
    }
    if (this.asleepCount > 0) this.wakeForWork(now, queued());
  }

  private wakeForWork(now: number, work: QueuedWork): void {
    const sleeping = [...this.state.nodes.values()].filter((n) => !n.left && this.asleep(n.id));
    if (!sleeping.length || work.tasks === 0) return;
    let awakeSlots = 0;
    let wakingSlots = 0;
    for (const n of this.state.nodes.values()) {
      if (n.left || this.asleep(n.id)) continue;
      if (now < (this.wokenAt.get(n.id) ?? -Infinity) + WAKE_LATENCY_MS) wakingSlots += n.slots;
      else awakeSlots += n.slots;
    }
    const sleepingSlots = sleeping.reduce((s, n) => s + n.slots, 0);
    const hours = this.hours(now);
    // The deadline (or the cheap hour) that needs the most slots decides.
    let plan: WakePlan | null = null;
    for (const w of work.byDeadline) {
      const p = planWake({ now, awakeSlots, wakingSlots, sleepingSlots, tasks: w.tasks, workMs: w.workMs, deadlineMs: w.deadlineMs, hours, stepMs: 2_000, wakeLatencyMs: WAKE_LATENCY_MS });
      if (!plan || p.slots > plan.slots || (plan.slots === 0 && p.latestWakeMs !== null)) plan = p;
    }
    // The fewest nodes that give the slots: the biggest first.
    const chosen: NodeState[] = [];
    let slots = 0;
    for (const n of sleeping.sort((a, b) => b.slots - a.slots || a.id.localeCompare(b.id))) {
      if (slots >= plan!.slots) break;
      chosen.push(n);
      slots += n.slots;
    }
    this.last = { at: now, plan: plan!, nodes: chosen.length, sleeping: sleeping.length };
    for (const n of chosen) {
      this.woken.add(n.id);
      this.wokenAt.set(n.id, now);
      this.wake(n.id, now);
    }
    if (chosen.length) this.log.info({ nodes: chosen.length, asleep: sleeping.length, slots: plan!.slots, reason: plan!.reason }, 'render: woke sleeping nodes for queued work');
  }

  /**
   * Queued work per deadline, in node-slot milliseconds and tasks: a deadline also covers the work due
   * before it, and the entry without one covers all queued work (a cheap hour is worth using for all).
   */
  private queuedWork(): QueuedWork {
    const by = new Map<number | null, { workMs: number; tasks: number }>();
    let tasks = 0;
    for (const m of this.state.jobs.values()) {
      if (m.waiting !== null) continue;
      const st = this.state.jobStatus(m);
      if (FINAL_JOB_STATES.has(st.state) || st.state === 'paused' || st.counts.queued === 0) continue;
      tasks += st.counts.queued;
      const done = st.counts.completed;
      const perTask = done > 0 && m.nodeMs > 0 ? m.nodeMs / done : DEFAULT_TASK_MS;
      const key = m.spec.deadline ? Date.parse(m.spec.deadline) : null;
      const e = by.get(key) ?? { workMs: 0, tasks: 0 };
      e.workMs += st.counts.queued * perTask;
      e.tasks += st.counts.queued;
      by.set(key, e);
    }
    const keys = [...by.keys()].filter((k): k is number => k !== null).sort((a, b) => a - b);
    const acc = { workMs: 0, tasks: 0 };
    const out: { deadlineMs: number | null; workMs: number; tasks: number }[] = keys.map((k) => {
      acc.workMs += by.get(k)!.workMs;
      acc.tasks += by.get(k)!.tasks;
      return { deadlineMs: k, ...acc };
    });
    const none = by.get(null);
    out.push({ deadlineMs: null, workMs: acc.workMs + (none?.workMs ?? 0), tasks: acc.tasks + (none?.tasks ?? 0) });
    return { tasks, byDeadline: out };
  }

  /** The render site's next 24 hours: tariff by local hour, green share from compute's renewable model. */
  private hours(now: number): HourSignal[] {
    const s = this.meter.siteNow;
    const first = Math.floor(now / 3_600_000) * 3_600_000;
    return Array.from({ length: 24 }, (_, i) => {
      const t = first + i * 3_600_000;
      if (!s) return { startMs: t, fenPerKWh: 1, greenShare: 0 };
      const load = siteLoadKW(s.site, s.site.pools, { render: this.state.busyNodes() });
      return { startMs: t, fenPerKWh: s.site.power.tariffFenPerKWh[localHour(t)]!, greenShare: load > 0 ? Math.min(1, renewableKW(s.site, t) / load) : 0 };
    });
  }

  /** The node's own schedule, else its first tag's pool's, else every node's. */
  private rowOf(n: NodeState | undefined): RenderSleepPolicy | undefined {
    if (!n) return this.policies.get('pool:*');
    return this.policies.get(`node:${n.id}`) ?? n.tags.map((t) => this.policies.get(`pool:${t}`)).find(Boolean) ?? this.policies.get('pool:*');
  }

  private policyOf(n: NodeState): SleepPolicy | null {
    const p = this.rowOf(n);
    return p ? { windows: p.windows, idleMinutes: p.idleMinutes, idleWatts: this.idleWattsOf(p) } : null;
  }

  private idleWattsOf(p: Pick<RenderSleepPolicy, 'idleWatts'> | undefined): number {
    return p?.idleWatts ?? this.meter.siteNow?.pool.idleW ?? DEFAULT_IDLE_W;
  }

  /** Time, energy and money a node saved sleeping from `since` to `until`, hour by hour at the site's tariff. */
  private account(nodeId: string, since: number, until: number): { ms: number; wh: number; fen: number } {
    const watts = this.idleWattsOf(this.rowOf(this.state.nodes.get(nodeId)));
    const tariff = this.meter.siteNow?.site.power.tariffFenPerKWh;
    let wh = 0;
    let fen = 0;
    for (let t = since; t < until; ) {
      const end = Math.min(until, (Math.floor(t / 3_600_000) + 1) * 3_600_000);
      const kWh = savedKWh(end - t, watts);
      wh += kWh * 1000;
      fen += kWh * (tariff?.[localHour(t)] ?? 0);
      t = end;
    }
    return { ms: Math.max(0, until - since), wh, fen };
  }

  private sleep(nodeId: string, now: number): void {
    const s = this.slept.get(nodeId) ?? { sleptMs: 0, savedWh: 0, savedFen: 0, asleepSince: null };
    if (s.asleepSince === null) this.asleepCount++;
    s.asleepSince = now;
    this.slept.set(nodeId, s);
    this.persist(nodeId, s);
  }

  private wake(nodeId: string, now: number): void {
    const s = this.slept.get(nodeId);
    if (!s || s.asleepSince === null) return;
    const a = this.account(nodeId, s.asleepSince, now);
    s.sleptMs += a.ms;
    s.savedWh += a.wh;
    s.savedFen += a.fen;
    s.asleepSince = null;
    this.asleepCount--;
    this.persist(nodeId, s);
    this.wakeProvider.wake(nodeId);
  }

  /** Sleep and wake are rare (minutes apart per node): written directly, off the sync path. */
  private persist(nodeId: string, s: Slept): void {
    const row = { nodeId, sleptMs: Math.round(s.sleptMs), savedWh: s.savedWh, savedFen: s.savedFen, asleepSince: s.asleepSince };
    void this.db
      .insert(renderNodeSleep)
      .values(row)
      .onConflictDoUpdate({ target: renderNodeSleep.nodeId, set: { sleptMs: row.sleptMs, savedWh: row.savedWh, savedFen: row.savedFen, asleepSince: row.asleepSince } })
      .catch((err: unknown) => this.log.error({ err, nodeId }, 'render: could not store a node’s sleep'));
  }
}
