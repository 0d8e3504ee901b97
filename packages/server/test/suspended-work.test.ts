import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { manualClock } from '@shuzhi/schema';
import type { ExecTask, Executor } from '@shuzhi/server/testing';
import { runs, runSuspensions, tasks } from '../src/compute/db-schema.ts';
import { announceAgent, client, login, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * Work suspended in place (Slurm's `scontrol suspend`) holds its units while it does not run: urgent
 * work takes them first, and a run that ends while suspended — cancelled, requeued — closes its
 * suspension at its end, so the job page and the meter say until when. The engine is a FAKE, named so:
 * it starts what it is handed at once and suspends, resumes and preempts on request, reporting through
 * the dispatcher's host as a real engine does.
 */
const H = 3_600_000;
const T = Date.parse('2026-06-01T04:00:00Z');
// Moved by hand, less than the agent's 10-minute lease over the whole file: the site stays online.
const clock = manualClock(T);
const MARK = 'echo suspended-work-test';
let t: TestPlatform;
let dataDir: string;
let ten: ReturnType<typeof client>;
let site: { id: string; units: number };
const engineCalls: string[] = [];

function fakeSuspendingEngine(): Executor {
  const host = () => t.p.compute.dispatcher.host;
  return {
    engine: 'slurm',
    async submit(task: ExecTask) {
      setImmediate(() => void host().started({ taskId: task.taskId, attempt: task.attempt }, clock.now(), null));
    },
    async cancel(f) { engineCalls.push(`cancel ${f.taskId}`); },
    async preempt(f) {
      engineCalls.push(`preempt ${f.taskId}`);
      setImmediate(() => void host().preemptEnded(f, clock.now()));
    },
    maySuspend: () => true,
    async suspend(f) { engineCalls.push(`suspend ${f.taskId}`); },
    async resume(f) { engineCalls.push(`resume ${f.taskId}`); },
    async recover() {},
    async close() {},
  };
}

before(async () => {
  dataDir = await migratedDataDir();
  t = await startPlatform({ dataDir, leaseMs: 600_000, clock });
  const s = (await t.p.compute.network.listSites()).find((x) => !x.ownerTenantId && x.pools.some((p) => p.type === 'cpu'))!;
  site = { id: s.id, units: s.pools.find((p) => p.type === 'cpu')!.units };
  await announceAgent(t, site.id);
  // No cheaper-window pauses here (the planner's tariffs would pause the running jobs too): only the ones this file makes.
  t.p.compute.preemptor.windowScenario = null;
  const d = t.p.compute.dispatcher;
  const engine = fakeSuspendingEngine();
  const before = d.route;
  d.route = (a) => (a.command === MARK ? engine : (before?.(a) ?? null));
  ten = client(t.url, { cookie: await login(t.url, 'tenant') });
});
after(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function submitRunning(body: Record<string, unknown>): Promise<{ jobId: string; taskId: string }> {
  const res = await ten.req('POST', '/api/jobs', { name: 'suspendable', type: 'cpu', hours: 4, command: MARK, sites: [site.id], checkpoint: true, priority: 10, ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const jobId = res.body.id as string;
  const taskId = await waitUntil(`${jobId} running`, async () => {
    const [row] = await t.p.database.db.select().from(tasks).where(eq(tasks.jobId, jobId));
    return row?.status === 'running' && t.p.compute.dispatcher.host.attempts.get(row.id)?.startedAt !== null ? row.id : null;
  });
  return { jobId, taskId };
}

async function suspend(taskId: string): Promise<void> {
  clock.advance(10_000);
  assert.equal(await t.p.compute.dispatcher.suspendForWindow(taskId, { resumeAtMs: clock.now() + 6 * H, saveFen: 500, saveKg: 2 }), true);
}

const suspensionsOf = (taskId: string) => t.p.database.db.select().from(runSuspensions).where(eq(runSuspensions.taskId, taskId));

test('a job cancelled while suspended: its suspension ends when its run does, and the job says so', async () => {
  const { jobId, taskId } = await submitRunning({ units: 1 });
  await suspend(taskId);
  assert.equal((await suspensionsOf(taskId))[0]?.resumedAt, null);
  clock.advance(5 * 60_000);
  const cancelledAt = clock.now();
  assert.equal((await ten.req('POST', `/api/jobs/${jobId}/cancel`)).status, 200);
  const [s] = await suspensionsOf(taskId);
  assert.equal(s?.resumedAt?.getTime(), cancelledAt, 'the suspension closes at the cancel');
  const job = (await ten.req('GET', `/api/jobs/${jobId}`)).body;
  const run = job.runs[0];
  assert.equal(run.status, 'cancelled');
  assert.equal(run.suspensions[0].resumedAt, run.endedAt, 'the suspension ends with the run');
});

test('urgent work takes the units of suspended work first, which is requeued; its suspension ends with its run', async () => {
  // The pool is full: a suspended job holds half of it, a running one of the same priority the rest.
  const half = Math.floor(site.units / 2);
  const paused = await submitRunning({ units: half, name: 'paused' });
  const busy = await submitRunning({ units: site.units - half, name: 'busy', priority: 5 });
  await suspend(paused.taskId);
  engineCalls.length = 0;
  // Due in an hour with an hour of work: it must start now, and it has strictly higher priority than both.
  const res = await ten.req('POST', '/api/jobs', {
    name: 'urgent', type: 'cpu', units: half, hours: 1, command: MARK, sites: [site.id], priority: 90, deadlineAt: new Date(clock.now() + H).toISOString(),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  // The dispatcher's own tick runs the preemptor too: whichever tick chose, the engine was asked once.
  await t.p.compute.preemptor.tick();
  const run = await waitUntil('the suspended run preempted', async () => {
    const [r] = await t.p.database.db.select().from(runs).where(eq(runs.taskId, paused.taskId));
    return r?.status === 'preempted' ? r : null;
  });
  const [s] = await suspensionsOf(paused.taskId);
  assert.equal(s?.resumedAt?.getTime(), run.endedAt?.getTime(), 'the suspension closes at the run\'s end');
  assert.deepEqual(engineCalls.filter((c) => c.startsWith('preempt')), [`preempt ${paused.taskId}`], 'the suspended job, not the running one of lower priority');
  assert.equal(t.p.compute.dispatcher.host.attempts.get(busy.taskId)?.startedAt !== null, true, 'the running job runs on');
  await waitUntil('the urgent job running', async () => ((await ten.req('GET', `/api/jobs/${res.body.id}`)).body.status === 'running' ? true : null));
  for (const id of [paused.jobId, busy.jobId, res.body.id as string]) assert.equal((await ten.req('POST', `/api/jobs/${id}/cancel`)).status, 200);
});

test('a run reported ended just before the resume this server saw (Slurm gives whole seconds) ends at the resume: its suspension never outlasts it, and the meter counts the rest', async () => {
  const { jobId, taskId } = await submitRunning({ units: 1, name: 'whole seconds' });
  const host = t.p.compute.dispatcher.host;
  const f = { taskId, attempt: host.attempts.get(taskId)!.attempt };
  const startedAt = host.attempts.get(taskId)!.startedAt!;
  await suspend(taskId);
  clock.advance(30 * 60_000 + 850);
  const resumedAt = clock.now();
  assert.equal(await host.resumedFromSuspension(f), true);
  clock.advance(300);
  // The engine's end, truncated to its second, comes before the resume.
  const engineEnd = Math.floor(clock.now() / 1000) * 1000 - 1000;
  assert.ok(engineEnd < resumedAt);
  assert.equal(await host.finished(f, { exitCode: 0, startedAtMs: startedAt, endedAtMs: engineEnd, logs: [] }), true);
  const run = (await ten.req('GET', `/api/jobs/${jobId}`)).body.runs[0];
  const sus = run.suspensions[0];
  assert.equal(Date.parse(sus.resumedAt), resumedAt);
  assert.ok(Date.parse(run.endedAt) >= Date.parse(sus.resumedAt), `the run ended ${run.endedAt}, before its resume ${sus.resumedAt}`);
  const active = Date.parse(run.endedAt) - Date.parse(run.startedAt) - (Date.parse(sus.resumedAt) - Date.parse(sus.from));
  assert.ok(Math.abs(run.usage.unitHours * H - active) < 1e-6, `unit-hours ${run.usage.unitHours}, active ${active} ms`);
});

test('after a restart, a suspension its ended run left open (an older server, or a crash) is closed at the run\'s end', async () => {
  const { jobId, taskId } = await submitRunning({ units: 1, name: 'left open' });
  await suspend(taskId);
  const endedAt = new Date(clock.now() + 10 * 60_000);
  // As an older server left a cancelled suspended job: the run ended, its suspension still open.
  await t.p.database.db.update(runs).set({ status: 'cancelled', endedAt }).where(eq(runs.taskId, taskId));
  await t.p.database.db.update(tasks).set({ status: 'cancelled' }).where(eq(tasks.id, taskId));
  await t.close();
  t = await startPlatform({ dataDir, leaseMs: 600_000, clock });
  t.p.compute.preemptor.windowScenario = null;
  const [s] = await suspensionsOf(taskId);
  assert.equal(s?.resumedAt?.getTime(), endedAt.getTime());
  assert.equal(t.p.compute.dispatcher.host.attempts.has(taskId), false);
  assert.ok(jobId);
});
