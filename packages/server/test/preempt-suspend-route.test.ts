import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { parseScenario, type WindowPause } from '@shuzhi/compute';
import { manualClock } from '@shuzhi/schema';
import type { Dispatcher } from '../src/compute/dispatcher.ts';
import type { NetworkStore } from '../src/compute/network-store.ts';
import { Preemptor } from '../src/compute/preemptor.ts';
import { SlurmExecutor } from '../src/compute/slurm/index.ts';
import type { Logger } from '../src/log.ts';
import { smallSite, startPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * The live preemptor's choice for a cheaper window: it asks the dispatcher to suspend the task in place
 * first (the site's engine and its `preemption` setting decide: Dispatcher.suspendForWindow), and
 * preempts it — requeue, checkpoint — only where that is refused. Hours 0–3 of the scenario are the peak,
 * 4–7 the valley; the task runs at 0:30 with 2 h of work left.
 */
const H = 3_600_000;
const scenario = parseScenario({
  version: 1, start: new Date(0).toISOString(), slotMinutes: 60, slots: 8, carbonPriceFenPerKg: 0, regions: ['r'], links: [], jobs: [],
  sites: [{ id: 's', region: 'r', pue: 1, pools: [{ type: 'cpu', units: 8, busyW: 1000, idleW: 0, fenPerUnitHour: 0 }], grid: { fenPerKWh: [120, 120, 120, 120, 30, 30, 30, 30], carbonGPerKWh: [800, 800, 800, 800, 400, 400, 400, 400] } }],
});
const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as unknown as Logger;

async function decide(suspendAllowed: boolean) {
  const calls: string[] = [];
  const attempt = {
    taskId: 'task_1', jobId: 'job_1', type: 'cpu', units: 2, hours: 2.5, siteId: 's', priority: 50, checkpoint: true, preemptions: 0,
    startedAt: 0, preemptGraceS: 1, deadlineAt: null, suspension: null as { fromMs: number; window: WindowPause } | null,
  };
  const dispatcher = {
    queuedTasks: () => [],
    host: { attempts: new Map([[attempt.taskId, attempt]]), preempting: new Map() },
    canRun: () => true,
    busyUnits: () => 2,
    suspendForWindow: async (taskId: string, w: WindowPause) => {
      calls.push(`suspend ${taskId} until ${w.resumeAtMs / H} h`);
      return suspendAllowed;
    },
    preempt: async (taskId: string, reason: string) => {
      calls.push(`preempt ${taskId} (${reason})`);
      return { graceful: true };
    },
  } as unknown as Dispatcher;
  const network = { listSites: async () => [{ ...smallSite('s'), id: 's' }] } as unknown as NetworkStore;
  const p = new Preemptor(dispatcher, network, silent, { clock: manualClock(0.5 * H), maxPerJob: 2, windowMin: { fen: 100, kg: 0 } });
  p.windowScenario = async () => ({ scenario, startMs: 0 });
  assert.deepEqual(await p.tick(), ['task_1']);
  return { calls, pause: (dispatcher.host.attempts.get('task_1') as { pause?: WindowPause }).pause ?? null };
}

test('a site that allows suspend: the window pause is a suspension, nothing is preempted', async () => {
  const { calls, pause } = await decide(true);
  assert.deepEqual(calls, ['suspend task_1 until 4 h']);
  assert.equal(pause, null, 'no requeue hold: the task is not queued');
});

test('a site that does not: the same pause is a preemption for the cheaper window, held until it', async () => {
  const { calls, pause } = await decide(false);
  assert.deepEqual(calls, ['suspend task_1 until 4 h', 'preempt task_1 (cheaper-window)']);
  assert.equal(pause?.resumeAtMs, 4 * H);
});

test("a Slurm site's preemption setting: requeue (the default) never suspends, suspend always, both up to suspendMaxHours; a backend without suspend never", () => {
  const withSuspend = { suspend: async () => undefined, resume: async () => undefined } as never;
  const ex = (over: Record<string, unknown>, backend = withSuspend) =>
    new SlurmExecutor({ siteId: 'hpc', connection: { kind: 'cli' }, workRoot: '/nonexistent', ...over }, { host: {} as never, backend });
  assert.equal(ex({}).maySuspend(60_000), false);
  assert.equal(ex({ preemption: 'requeue' }).maySuspend(60_000), false);
  assert.equal(ex({ preemption: 'suspend' }).maySuspend(100 * H), true);
  assert.equal(ex({ preemption: 'both' }).maySuspend(4 * H), true);
  assert.equal(ex({ preemption: 'both' }).maySuspend(4 * H + 1), false);
  assert.equal(ex({ preemption: 'both', suspendMaxHours: 1 }).maySuspend(2 * H), false);
  assert.equal(ex({ preemption: 'suspend' }, {} as never).maySuspend(60_000), false);
});

test('held Slurm jobs are kept in the database: a restarted platform lists what the first one held, and forgets it once dropped', async () => {
  const dataDir = await migratedDataDir();
  try {
    let t = await startPlatform({ dataDir });
    const held = { taskId: 'task_held', slurmJobId: '4242', attempt: 3, jobDir: '/var/spool/shuzhi/slurm/hpc/task_held.3', heldAtMs: Date.parse('2026-12-06T10:00:00Z') };
    await t.p.compute.dispatcher.host.heldJobs.put('hpc', held);
    await t.p.compute.dispatcher.host.heldJobs.put('hpc', { ...held, slurmJobId: '4243' });
    await t.close();
    t = await startPlatform({ dataDir });
    assert.deepEqual(await t.p.compute.dispatcher.host.heldJobs.list('hpc'), [{ ...held, slurmJobId: '4243' }]);
    assert.deepEqual(await t.p.compute.dispatcher.host.heldJobs.list('other'), []);
    await t.p.compute.dispatcher.host.heldJobs.drop('hpc', 'task_held');
    assert.deepEqual(await t.p.compute.dispatcher.host.heldJobs.list('hpc'), []);
    await t.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
