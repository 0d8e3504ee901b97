import { choosePreemptions, type RunningForPreemption, type WaitingForPreemption } from '@shuzhi/compute';
import type { Clock } from '@shuzhi/schema';
import type { Logger } from '../log.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { NetworkStore } from './network-store.ts';

/**
 * The live use of compute's choosePreemptions: on each tick, a queued job that must start now to meet
 * its deadline and finds no free units takes them from running checkpointing work of strictly lower
 * priority at a site it may use; that work is preempted (SIGTERM, checkpoint, requeued) at most
 * `maxPerJob` times. The decision is the engine's; this reads the dispatcher's state and acts on it.
 */
export class Preemptor {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly network: NetworkStore,
    private readonly log: Logger,
    private readonly opts: { clock: Clock; maxPerJob: number },
  ) {}

  async tick(): Promise<string[]> {
    if (this.opts.maxPerJob === 0) return [];
    const waiting = this.dispatcher.queuedTasks().filter((t) => t.deadlineAt !== null && t.deadlineAt !== undefined);
    if (waiting.length === 0) return [];
    const sites = (await this.network.listSites()).filter((s) => this.dispatcher.canRun(s));
    const running: RunningForPreemption[] = [];
    for (const a of this.dispatcher.host.attempts.values()) {
      if (a.startedAt === null || this.dispatcher.host.preempting.has(a.taskId)) continue;
      running.push({
        taskId: a.taskId, jobId: a.jobId, type: a.type, units: a.units, siteId: a.siteId, priority: a.priority,
        checkpoint: a.checkpoint ?? false, preemptions: a.preemptions ?? 0, startedAtMs: a.startedAt,
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
    const chosen = choosePreemptions({ running, waiting: asWaiting, free, nowMs: this.opts.clock.now(), maxPerJob: this.opts.maxPerJob });
    for (const c of chosen) {
      this.log.info({ taskId: c.taskId, reason: c.reason, forJobId: c.forJobId }, 'preempting running work for a job that cannot otherwise meet its deadline');
      await this.dispatcher.preempt(c.taskId, c.reason);
    }
    return chosen.map((c) => c.taskId);
  }
}
