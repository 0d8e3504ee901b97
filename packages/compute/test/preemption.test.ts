import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseScenario } from '../src/scenario.ts';
import { cheaperWindow, choosePreemptions, preemptedRunBillable, type RunningForPreemption, type WaitingForPreemption } from '../src/preemption.ts';

const H = 3_600_000;

test('the billing rule: kept work is billed; lost work only when the tenant ran on borrowed units', () => {
  for (const reason of ['quota-reclaim', 'priority', 'cheaper-window', 'operator'] as const) assert.equal(preemptedRunBillable(reason, true), true);
  assert.equal(preemptedRunBillable('quota-reclaim', false), true);
  assert.equal(preemptedRunBillable('priority', false), false);
  assert.equal(preemptedRunBillable('cheaper-window', false), false);
  assert.equal(preemptedRunBillable('operator', false), false);
});

const run = (over: Partial<RunningForPreemption> & { taskId: string }): RunningForPreemption => ({
  jobId: `job-${over.taskId}`, type: 'gpu', units: 4, siteId: 's1', priority: 10, checkpoint: true, preemptions: 0, startedAtMs: 0, ...over,
});
const urgent = (over: Partial<WaitingForPreemption> = {}): WaitingForPreemption => ({
  jobId: 'urgent', type: 'gpu', units: 4, priority: 90, hours: 1, deadlineMs: 1 * H, siteIds: ['s1'], ...over,
});

test('an urgent job takes the units of the lowest-priority, most recently started checkpointing run', () => {
  const got = choosePreemptions({
    running: [run({ taskId: 'a', priority: 20, startedAtMs: 1 }), run({ taskId: 'b', priority: 10, startedAtMs: 1 }), run({ taskId: 'c', priority: 10, startedAtMs: 5 })],
    waiting: [urgent()],
    free: () => 0,
    nowMs: 0,
    maxPerJob: 2,
  });
  assert.deepEqual(got, [{ taskId: 'c', reason: 'priority', forJobId: 'urgent' }]);
});

test('a job suspended in place holds units and runs not at all: it is the first victim, before running work of lower priority', () => {
  const running = [
    run({ taskId: 'low', priority: 5, startedAtMs: 9 }),
    run({ taskId: 'paused', priority: 30, startedAtMs: 1, suspended: true, preemptions: 1 }),
  ];
  const got = choosePreemptions({ running, waiting: [urgent()], free: () => 0, nowMs: 0, maxPerJob: 2 });
  assert.deepEqual(got, [{ taskId: 'paused', reason: 'priority', forJobId: 'urgent' }]);
  // Wider work takes the suspended units first, then the running ones it still needs.
  const wide = choosePreemptions({ running, waiting: [urgent({ units: 8 })], free: () => 0, nowMs: 0, maxPerJob: 2 });
  assert.deepEqual(wide.map((c) => c.taskId), ['paused', 'low']);
  // The same rules otherwise: not for work of the same priority or higher, not past the per-job bound,
  // and a suspended task is never paused again for a window.
  assert.deepEqual(choosePreemptions({ running, waiting: [urgent({ priority: 30 })], free: () => 0, nowMs: 0, maxPerJob: 2 }).map((c) => c.taskId), ['low']);
  assert.deepEqual(choosePreemptions({ running, waiting: [urgent()], free: () => 0, nowMs: 0, maxPerJob: 1 }).map((c) => c.taskId), ['low']);
  const windows = new Map([['paused', { resumeAtMs: 3 * H, saveFen: 1_000, saveKg: 1 }]]);
  assert.deepEqual(choosePreemptions({ running, waiting: [], free: () => 0, nowMs: 0, maxPerJob: 2, windows, minSaveFen: 1 }), []);
});

test('nothing is preempted for a job that has free units, no deadline soon, or for a run at its bound', () => {
  const running = [run({ taskId: 'a' })];
  assert.deepEqual(choosePreemptions({ running, waiting: [urgent()], free: () => 4, nowMs: 0, maxPerJob: 2 }), []);
  assert.deepEqual(choosePreemptions({ running, waiting: [urgent({ deadlineMs: 10 * H })], free: () => 0, nowMs: 0, maxPerJob: 2 }), []);
  assert.deepEqual(choosePreemptions({ running: [run({ taskId: 'a', preemptions: 2 })], waiting: [urgent()], free: () => 0, nowMs: 0, maxPerJob: 2 }), []);
  assert.deepEqual(choosePreemptions({ running: [run({ taskId: 'a', checkpoint: false })], waiting: [urgent()], free: () => 0, nowMs: 0, maxPerJob: 2 }), []);
});

test('a cheaper window pauses checkpointing work only past the saving threshold', () => {
  const running = [run({ taskId: 'a' }), run({ taskId: 'b' })];
  const pause = (saveFen: number, saveKg: number) => ({ resumeAtMs: 3 * H, saveFen, saveKg });
  const windows = new Map([['a', pause(400, 0)], ['b', pause(100, 1)]]);
  const got = choosePreemptions({ running, waiting: [], free: () => 0, nowMs: 0, maxPerJob: 2, windows, minSaveFen: 250 });
  assert.deepEqual(got, [{ taskId: 'a', reason: 'cheaper-window', forJobId: null, window: pause(400, 0) }]);
  // Past the carbon threshold alone is enough; a threshold of 0 is not used.
  assert.deepEqual(choosePreemptions({ running, waiting: [], free: () => 0, nowMs: 0, maxPerJob: 2, windows, minSaveKg: 0.5 }).map((c) => c.taskId), ['b']);
  assert.deepEqual(choosePreemptions({ running, waiting: [], free: () => 0, nowMs: 0, maxPerJob: 2, windows }), []);
});

const arbRunning = fc.uniqueArray(
  fc.record({
    taskId: fc.uuid(),
    jobId: fc.constantFrom('j1', 'j2', 'j3', 'j4', 'j5'),
    type: fc.constantFrom('gpu', 'cpu'),
    units: fc.integer({ min: 1, max: 8 }),
    siteId: fc.constantFrom('s1', 's2'),
    priority: fc.integer({ min: 0, max: 100 }),
    checkpoint: fc.boolean(),
    preemptions: fc.integer({ min: 0, max: 3 }),
    startedAtMs: fc.integer({ min: 0, max: 10 * H }),
    suspended: fc.boolean(),
  }),
  { maxLength: 20, selector: (r) => r.taskId },
);
const arbWaiting = fc.array(
  fc.record({
    jobId: fc.uuid(),
    type: fc.constantFrom('gpu', 'cpu'),
    units: fc.integer({ min: 1, max: 16 }),
    priority: fc.integer({ min: 0, max: 100 }),
    hours: fc.double({ min: 0.1, max: 5, noNaN: true }),
    deadlineMs: fc.option(fc.integer({ min: 0, max: 20 * H }), { nil: null }),
    siteIds: fc.subarray(['s1', 's2'], { minLength: 1 }),
  }),
  { maxLength: 8 },
);

test('property: within the per-job bound, only checkpointing work, only for a strictly more urgent job', () => {
  fc.assert(
    fc.property(arbRunning, arbWaiting, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }), (drawn, waiting, freeUnits, maxPerJob, savings) => {
      // The tasks of one job carry the job's count of preemptions.
      const running = drawn.map((r) => ({ ...r, preemptions: drawn.find((x) => x.jobId === r.jobId)!.preemptions }));
      const windows = new Map(running.map((r, i) => [r.taskId, { resumeAtMs: 8 * H, saveFen: savings[i] ?? 0, saveKg: 0 }]));
      const got = choosePreemptions({ running, waiting, free: () => freeUnits, nowMs: 5 * H, maxPerJob, windows, minSaveFen: 0.5 });
      const byTask = new Map(running.map((r) => [r.taskId, r]));
      const perJob = new Map<string, number>();
      assert.equal(new Set(got.map((c) => c.taskId)).size, got.length, 'a task chosen twice');
      for (const c of got) {
        const r = byTask.get(c.taskId)!;
        assert.ok(r, 'preempted a task that is not running');
        assert.ok(r.checkpoint, 'preempted a job that does not checkpoint');
        perJob.set(r.jobId, (perJob.get(r.jobId) ?? 0) + 1);
        if (c.reason === 'priority') {
          const w = waiting.find((x) => x.jobId === c.forJobId)!;
          assert.ok(w.priority > r.priority, 'the preempting job is not strictly more urgent');
          assert.ok(w.siteIds.includes(r.siteId) && w.type === r.type, 'preempted units the waiting job cannot use');
        } else {
          assert.ok(windows.get(r.taskId)!.saveFen >= 0.5, 'a cheaper window below the threshold');
          assert.ok(!r.suspended, 'a suspended task paused again for a window');
        }
      }
      for (const [jobId, n] of perJob) {
        const before = running.find((r) => r.jobId === jobId)!.preemptions;
        // Tasks of one job carry the job's count; the job's bound holds for the count after this pass.
        assert.ok(before + n <= maxPerJob, `job ${jobId} preempted ${before + n} times, bound ${maxPerJob}`);
      }
    }),
    { numRuns: 500 },
  );
});

/** One site, hourly slots: 1.2 ¥/kWh and 800 g/kWh for 4 h, then a valley of 0.3 ¥/kWh and 400 g/kWh. */
function valleyScenario(carbonPriceFenPerKg = 0) {
  const fen = [120, 120, 120, 120, 30, 30, 30, 30];
  const g = [800, 800, 800, 800, 400, 400, 400, 400];
  return parseScenario({
    version: 1, start: new Date(0).toISOString(), slotMinutes: 60, slots: 8, carbonPriceFenPerKg, regions: ['r'], links: [], jobs: [],
    sites: [{ id: 's', region: 'r', pue: 1, pools: [{ type: 'gpu', units: 8, busyW: 1000, idleW: 0, fenPerUnitHour: 10 }], grid: { fenPerKWh: fen, carbonGPerKWh: g } }],
  });
}

test('cheaperWindow: a job at the peak resumes at the valley; the saving is net of the checkpoint and restore time', () => {
  const s = valleyScenario();
  // 2 units × 1 kW × 2 h = 4 kWh: 480 fen and 3.2 kg now, 120 fen and 1.6 kg in the valley.
  const c = { siteId: 's', type: 'gpu', units: 2, remainingHours: 2, deadlineMs: null, overheadHours: 0 };
  assert.deepEqual(cheaperWindow(s, 0, 0.5 * H, c), { resumeAtMs: 4 * H, saveFen: 360, saveKg: 1.6 });
  // Overhead: the valley run takes 0.5 h more (5 kWh: 150 fen, 2 kg) and pays 0.5 h × 2 units × 10 fen of unit rent.
  const o = cheaperWindow(s, 0, 0.5 * H, { ...c, overheadHours: 0.5 })!;
  assert.equal(o.resumeAtMs, 4 * H);
  assert.ok(Math.abs(o.saveFen - (480 - 150 - 10)) < 1e-9, String(o.saveFen));
  assert.ok(Math.abs(o.saveKg - (3.2 - 2)) < 1e-9, String(o.saveKg));
  // A deadline before the valley ends leaves no window; so does a job already in the valley.
  assert.equal(cheaperWindow(s, 0, 0.5 * H, { ...c, deadlineMs: 4.5 * H }), null);
  assert.equal(cheaperWindow(s, 0, 4 * H, c), null);
});

test('cheaperWindow: with a carbon price, the saving it reports splits into fen of tariff and kg of carbon', () => {
  // 1 fen/g: the objective saves (120 + 800) − (30 + 400) = 490 fen, of which 400 are the carbon's price.
  const s = valleyScenario(1000);
  const c = { siteId: 's', type: 'gpu', units: 1, remainingHours: 1, deadlineMs: null, overheadHours: 0 };
  const w = cheaperWindow(s, 0, 0, c)!;
  assert.equal(w.resumeAtMs, 4 * H);
  // The reported fen are the tariff's alone; the carbon is reported in kg.
  assert.ok(Math.abs(w.saveFen - 90) < 1e-9 && Math.abs(w.saveKg - 0.4) < 1e-9, JSON.stringify(w));
});
