import { cheaperWindow, choosePreemptions, type RunningForPreemption, type Scenario, type WaitingForPreemption, type WindowPause } from '@shuzhi/compute';
import { PREEMPT_GRACE_DEFAULT_SECONDS, type Clock } from '@shuzhi/schema';
import type { Logger } from '../log.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { NetworkStore } from './network-store.ts';

/** The live network priced slot by slot (the planner's scenario, no jobs), from `startMs`. */
export type WindowScenario = (nowMs: number) => Promise<{ scenario: Scenario; startMs: number } | null>;

/** Cheaper windows are looked for at most this often (of the platform clock): tariffs change by the slot. */
const WINDOW_CHECK_MS = 60_000;

/**
 * The live use of compute's choosePreemptions: on each tick, a queued job that must start now to meet
 * its deadline and finds no free units takes them from checkpointing work of strictly lower priority at
 * a site it may use — work suspended in place first (it holds its units and does not run); and a
 * running checkpointing task whose remaining work would cost enough less in a later window before its
 * deadline (compute's cheaperWindow over the planner's scenario, net of the checkpoint and restore
 * time) is paused until that window. Either is done at
 * most `maxPerJob` times per job. The decisions are the engine's; this reads the dispatcher's state
 * and acts on it.
 */
export class Preemptor {
  /** Set by the planner module while it runs: without it there are no cheaper-window pauses. */
  windowScenario: WindowScenario | null = null;
  private lastWindowCheck = -Infinity;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly network: NetworkStore,
    private readonly log: Logger,
    private readonly opts: { clock: Clock; maxPerJob: number; windowMin: { fen: number; kg: number } },
  ) {}

  async tick(): Promise<string[]> {
    if (this.opts.maxPerJob === 0) return [];
    const now = this.opts.clock.now();
    const waiting = this.dispatcher.queuedTasks().filter((t) => t.deadlineAt !== null && t.deadlineAt !== undefined && !t.pause);
    const windows = await this.windows(now);
    if (waiting.length === 0 && windows.size === 0) return [];
    const sites = (await this.network.listSites()).filter((s) => this.dispatcher.canRun(s));
    const running: RunningForPreemption[] = [];
    for (const a of this.dispatcher.host.attempts.values()) {
      if (a.startedAt === null || this.dispatcher.host.preempting.has(a.taskId)) continue;
      // A suspended attempt holds its units while it waits for its window: urgent work takes them first.
      running.push({
        taskId: a.taskId, jobId: a.jobId, type: a.type, units: a.units, siteId: a.siteId, priority: a.priority,
        checkpoint: a.checkpoint ?? false, preemptions: a.preemptions ?? 0, startedAtMs: a.startedAt, suspended: !!a.suspension,
      });
    }
    const asWaiting = waiting.map((t): WaitingForPreemption => ({
      jobId: t.jobId, type: t.type, units: t.units, priority: t.priority, hours: t.hours, deadlineMs: t.deadlineAt!,
      siteIds: sites.filter((s) => (t.sites.length === 0 || t.sites.includes(s.id)) && (t.regions.length === 0 || t.regions.includes(s.region))).map((s) => s.id),
    }));
    const free = (siteId: string, type: string) => {
      const pool = sites.find((s) => s.id === siteId)?.pools.find((p) => p.type === type);
      return pool ? pool.units - this.dispatcher.busyUnits(siteId, type) : 0;
    };
    const chosen = choosePreemptions({
      running, waiting: asWaiting, free, nowMs: now, maxPerJob: this.opts.maxPerJob, windows, minSaveFen: this.opts.windowMin.fen, minSaveKg: this.opts.windowMin.kg,
    });
    for (const c of chosen) {
      const a = this.dispatcher.host.attempts.get(c.taskId);
      // Where the site allows it, a window pause is a suspension in place: no checkpoint, no restart.
      if (c.window && (await this.dispatcher.suspendForWindow(c.taskId, c.window))) {
        this.log.info({ taskId: c.taskId, window: c.window }, 'suspended running work in place for a cheaper window');
        continue;
      }
      if (a && c.window) a.pause = c.window;
      this.log.info({ taskId: c.taskId, reason: c.reason, forJobId: c.forJobId, window: c.window }, c.window ? 'pausing running work for a cheaper window' : 'preempting running work for a job that cannot otherwise meet its deadline');
      await this.dispatcher.preempt(c.taskId, c.reason);
    }
    return chosen.map((c) => c.taskId);
  }

  /** The best later window of each running checkpointing task (the threshold is choosePreemptions'). */
  private async windows(now: number): Promise<Map<string, WindowPause>> {
    const out = new Map<string, WindowPause>();
    if (!this.windowScenario || (this.opts.windowMin.fen <= 0 && this.opts.windowMin.kg <= 0)) return out;
    if (now - this.lastWindowCheck < WINDOW_CHECK_MS) return out;
    const checkpointing = [...this.dispatcher.host.attempts.values()].filter((a) => a.startedAt !== null && a.checkpoint && !a.suspension && !this.dispatcher.host.preempting.has(a.taskId));
    if (checkpointing.length === 0) return out;
    this.lastWindowCheck = now;
    const priced = await this.windowScenario(now);
    if (!priced) return out;
    for (const a of checkpointing) {
      const w = cheaperWindow(priced.scenario, priced.startMs, now, {
        siteId: a.siteId, type: a.type, units: a.units,
        // This attempt's progress only: earlier segments' share is not known here, so the work left is overstated, never under.
        remainingHours: Math.max(0, a.hours - (now - a.startedAt! - (a.suspendedMs ?? 0)) / 3_600_000),
        deadlineMs: a.deadlineAt ?? null,
        // The grace to write the checkpoint, and as long again to restore it.
        overheadHours: (2 * (a.preemptGraceS ?? PREEMPT_GRACE_DEFAULT_SECONDS)) / 3600,
      });
      if (w) out.set(a.taskId, w);
    }
    return out;
  }
}
