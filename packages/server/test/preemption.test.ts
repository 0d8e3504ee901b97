import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { billingCharges } from '../src/billing/db-schema.ts';
import { shanghaiMonth } from '../src/billing/ledger.ts';
import { client, login, newWorker, operatorToken, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { counterCommand } from './counter-job.ts';

/**
 * Issue 15's must-hold for preemption, with real agents on a real (PGlite) platform: a bash job that
 * counts work units is preempted on agent A, saves its progress in $SHUZHI_CHECKPOINT_DIR on SIGTERM,
 * and resumes on agent B at another site from that checkpoint; a job that does not checkpoint restarts
 * from zero; each segment is metered and billed by the stated rule.
 */
let t: TestPlatform;
let agentA: Worker;
let agentB: Worker | null = null;
let tenant: ReturnType<typeof client>;
let operator: ReturnType<typeof client>;
/** Units of work and the seconds each takes: long enough that a loaded machine still preempts mid-way. */
const UNITS = 40;
const UNIT_SECONDS = 0.25;

before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  // Site B is the cheaper: once its agent is online, requeued work goes there.
  const a = smallSite('pe-a');
  await t.p.compute.network.createSite({ ...a, pools: [{ ...a.pools[0]!, fenPerUnitHour: 5 }] }, 'test');
  await t.p.compute.network.createSite(smallSite('pe-b', 'chongqing'), 'test');
  agentA = await newWorker(t, 'pe-a', 'pe-agent-a', { slots: 2 });
  agentA.start();
  await waitUntil('agent A online', async () => t.p.compute.dispatcher.agentsOnline('pe-a') > 0);
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  operator = client(t.url, { token: await operatorToken(t.p) });
});
after(async () => {
  await Promise.all([agentA.stop(), agentB?.stop()]);
  await t.close();
});

const COUNTER = counterCommand(UNITS, UNIT_SECONDS);

async function submit(name: string, extra: Record<string, unknown>) {
  const r = await tenant.req('POST', '/api/jobs', { name, type: 'cpu', units: 1, hours: 0.1, command: COUNTER, sites: ['pe-a', 'pe-b'], ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
}

type Line = { attempt: number; stream: string; text: string };
const logsOf = async (id: string) => (await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as Line[];
const textOf = (lines: Line[], attempt: number, stream?: string) =>
  lines.filter((l) => l.attempt === attempt && (!stream || l.stream === stream)).map((l) => l.text).join('');
/** The units a run reported done, in the order it did them. */
const unitsOf = (lines: Line[], attempt?: number) =>
  lines
    .filter((l) => l.stream === 'stdout' && (attempt === undefined || l.attempt === attempt))
    .map((l) => l.text)
    .join('')
    .split('\n')
    .flatMap((l) => {
      const m = /^unit (\d+)$/.exec(l);
      return m ? [Number(m[1])] : [];
    });

const runningWithUnits = (id: string, n: number) =>
  waitUntil(`job ${id} done ${n} units`, async () => unitsOf(await logsOf(id)).length >= n, 30_000);

const final = (id: string) =>
  waitUntil(`job ${id} final`, async () => {
    const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
    return ['succeeded', 'failed', 'cancelled'].includes(b.status) ? b : null;
  }, 60_000);

const byAttempt = (runs: { attempt: number }[]) => [...runs].sort((a, b) => a.attempt - b.attempt) as any[];

async function statementLines(jobId: string, n: number) {
  return waitUntil(`${n} statement lines of ${jobId}`, async () => {
    const s = (await tenant.req('GET', `/api/billing/statements/${shanghaiMonth(new Date())}`)).body;
    const lines = (s.lines as { runId: string; jobId: string; runStatus: string; amountFen: number }[]).filter((l) => l.jobId === jobId);
    return lines.length >= n ? lines : null;
  });
}

test('a checkpointing job preempted on agent A resumes from its checkpoint on agent B: every unit done once, two segments billed', async () => {
  const job = await submit('counter (checkpoints)', { checkpoint: true, preemptGraceSeconds: 10 });
  await runningWithUnits(job.id, 5);
  assert.equal((await tenant.req('GET', `/api/jobs/${job.id}`)).body.siteId, 'pe-a');
  agentB = await newWorker(t, 'pe-b', 'pe-agent-b', { slots: 2 });
  agentB.start();
  await waitUntil('agent B online', async () => t.p.compute.dispatcher.agentsOnline('pe-b') > 0);

  // Tenants may not preempt; operators may, and ownership is the service's (a missing job is 404).
  assert.equal((await tenant.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'priority' })).status, 403);
  assert.equal((await operator.req('POST', '/api/jobs/job_nope/preempt', { reason: 'priority' })).status, 404);
  const bad = await operator.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'because' });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /reason/);
  const r = await operator.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'priority' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.tasks.map((x: { graceful: boolean }) => x.graceful), [true]);
  const done = await final(job.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(done.preemptions, 1);
  assert.equal(done.runs.length, 2);
  const [first, second] = byAttempt(done.runs);
  assert.equal(first.status, 'preempted');
  assert.equal(first.siteId, 'pe-a');
  assert.equal(first.preemption.reason, 'priority');
  assert.ok(first.preemption.checkpointBytes > 0, 'the first run left a checkpoint');
  assert.equal(first.preemption.billed, true);
  assert.ok(first.usage.unitHours > 0);
  assert.equal(second.status, 'succeeded');
  assert.equal(second.siteId, 'pe-b');
  assert.notEqual(second.agentId, first.agentId);

  // The total work is the job's: every unit exactly once across the two segments.
  const lines = await logsOf(job.id);
  const before = unitsOf(lines, first.attempt);
  const after = unitsOf(lines, second.attempt);
  assert.ok(before.length >= 5 && before.length < UNITS, `the first segment did ${before.length} units`);
  assert.deepEqual([...before, ...after], Array.from({ length: UNITS }, (_, i) => i + 1));
  assert.match(textOf(lines, first.attempt, 'stdout'), new RegExp(`stopped at unit ${before.length}\\n`));
  assert.match(textOf(lines, second.attempt, 'stdout'), new RegExp(`resumed at unit ${before.length}\\n`));
  assert.match(textOf(lines, second.attempt), /resumed from the checkpoint of an earlier run/);

  // Two metered segments, both billed: the preempted one's work was kept.
  const billed = await statementLines(job.id, 2);
  assert.deepEqual(billed.map((l) => l.runId).sort(), [first.id, second.id].sort());
  assert.deepEqual(billed.map((l) => l.runStatus).sort(), ['preempted', 'succeeded']);
});

test("a job that does not checkpoint is stopped at once and restarts from zero; the platform's preemption of it is not billed", async () => {
  const job = await submit('counter (no checkpoint)', {});
  await runningWithUnits(job.id, 5);
  const r = await operator.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'operator' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.tasks.map((x: { graceful: boolean }) => x.graceful), [false]);
  const done = await final(job.id);
  assert.equal(done.status, 'succeeded');
  const [first, second] = byAttempt(done.runs);
  assert.equal(first.status, 'preempted');
  assert.deepEqual(first.preemption, { reason: 'operator', checkpointBytes: null, billed: false });
  assert.ok(first.usage.unitHours > 0, 'the lost segment is still metered (its energy was used)');
  const lines = await logsOf(job.id);
  // Restarted from the beginning: the second run did all the work again.
  assert.ok(unitsOf(lines, first.attempt).length >= 5);
  assert.deepEqual(unitsOf(lines, second.attempt), Array.from({ length: UNITS }, (_, i) => i + 1));
  const billed = await statementLines(job.id, 1);
  assert.deepEqual(billed.map((l) => l.runId), [second.id]);
  // The sweep bills every billable run it finds; the lost segment is not among them.
  assert.ok(!(await t.p.compute.runs.finishedWithout(billingCharges.runId, 500)).includes(first.id));
});

test('a job that does not checkpoint, preempted to give back borrowed quota, pays for the lost run (the tenant took the risk)', async () => {
  const job = await submit('counter (borrowed units)', {});
  await runningWithUnits(job.id, 3);
  const r = await operator.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'quota-reclaim' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const done = await final(job.id);
  const first = done.runs.find((x: { status: string }) => x.status === 'preempted');
  assert.deepEqual(first.preemption, { reason: 'quota-reclaim', checkpointBytes: null, billed: true });
  const billed = await statementLines(job.id, 2);
  assert.ok(billed.some((l) => l.runId === first.id && l.runStatus === 'preempted'));
});

test('preempting a job that is not running is a 409 that says so', async () => {
  const job = await submit('counter (finished)', { command: 'true' });
  await final(job.id);
  const r = await operator.req('POST', `/api/jobs/${job.id}/preempt`, { reason: 'operator' });
  assert.equal(r.status, 409);
  assert.match(r.body.detail, /nothing to preempt/);
});

test('the live preemptor: an urgent job with no free units takes them from lower-priority checkpointing work, which resumes after', async () => {
  const c = smallSite('pe-c');
  await t.p.compute.network.createSite({ ...c, pools: [{ ...c.pools[0]!, units: 1 }] }, 'test');
  const agentC = await newWorker(t, 'pe-c', 'pe-agent-c', { slots: 2 });
  agentC.start();
  try {
    await waitUntil('agent C online', async () => t.p.compute.dispatcher.agentsOnline('pe-c') > 0);
    const low = await submit('counter (low priority)', { checkpoint: true, priority: 10, sites: ['pe-c'] });
    await runningWithUnits(low.id, 3);
    // It must start now to meet its deadline, and the site's one unit is taken.
    const urgent = await submit('urgent', { priority: 90, sites: ['pe-c'], command: 'echo urgent', hours: 0.1, deadlineAt: new Date(Date.now() + 6 * 60_000).toISOString() });
    assert.equal((await final(urgent.id)).status, 'succeeded');
    const done = await final(low.id);
    assert.equal(done.status, 'succeeded');
    const [first, second] = byAttempt(done.runs);
    assert.equal(first.status, 'preempted');
    assert.equal(first.preemption.reason, 'priority');
    assert.ok(first.preemption.checkpointBytes > 0);
    const u = (await final(urgent.id)).runs[0];
    assert.ok(Date.parse(u.startedAt) >= Date.parse(first.endedAt), 'the urgent job ran on the units the preempted job gave back');
    const lines = await logsOf(low.id);
    assert.deepEqual([...unitsOf(lines, first.attempt), ...unitsOf(lines, second.attempt)], Array.from({ length: UNITS }, (_, i) => i + 1));
  } finally {
    await agentC.stop();
  }
});
