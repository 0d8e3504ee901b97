import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { manualClock } from '@shuzhi/schema';
import { client, login, newWorker, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { counterCommand, valleySite } from './counter-job.ts';

/**
 * The live preemptor's cheaper-window trigger on a real (PGlite) platform with a real agent, on the
 * platform clock: a site whose tariff has a valley from 22:00 Beijing time; a checkpointing job started
 * at the 20:30 peak is paused (SIGTERM, checkpoint), waits for the valley, resumes there from its
 * checkpoint and every unit is done once; the paused run is billed by the rule (its work was kept). A
 * job that does not checkpoint is never paused for a window.
 */
const PEAK_MS = Date.parse('2026-12-07T12:30:00Z'); // 20:30 in Beijing
const VALLEY_MS = Date.parse('2026-12-07T14:00:00Z'); // 22:00 in Beijing
const clock = manualClock(PEAK_MS);
let t: TestPlatform;
let agent: Worker;
let tenant: ReturnType<typeof client>;
const UNITS = 30;

before(async () => {
  // Any saving of at least ¥1 is worth a pause here; carbon is not a criterion.
  t = await startPlatform({ leaseMs: 3000, clock, env: { SHUZHI_PREEMPT_WINDOW_MIN_FEN: '100', SHUZHI_PREEMPT_WINDOW_MIN_KG: '0' } });
  await t.p.compute.network.createSite(valleySite('pw-a'), 'test');
  agent = await newWorker(t, 'pw-a', 'pw-agent', { slots: 2 });
  agent.start();
  await waitUntil('the agent online', async () => t.p.compute.dispatcher.agentsOnline('pw-a') > 0);
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
});
after(async () => {
  await agent.stop();
  await t.close();
});

const COUNTER = counterCommand(UNITS, 0.2);

type Line = { attempt: number; stream: string; text: string };
const job = async (id: string) => (await tenant.req('GET', `/api/jobs/${id}`)).body;
const unitsOf = async (id: string, attempt?: number) =>
  ((await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as Line[])
    .filter((l) => l.stream === 'stdout' && (attempt === undefined || l.attempt === attempt))
    .map((l) => l.text)
    .join('')
    .split('\n')
    .flatMap((l) => (/^unit (\d+)$/.test(l) ? [Number(l.slice(5))] : []));

async function submit(name: string, extra: Record<string, unknown>): Promise<string> {
  // 4 units × 1 kW × 1.2 PUE for an hour: 4.8 kWh, 5.76 ¥ at the peak, 1.44 ¥ in the valley.
  const r = await tenant.req('POST', '/api/jobs', { name, type: 'cpu', units: 4, hours: 1, command: COUNTER, sites: ['pw-a'], ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (r.body as { id: string }).id;
}

test('a job without checkpoint is never paused for a cheaper window, however much it would save', async () => {
  const id = await submit('counter (no checkpoint)', {});
  const done = await waitUntil('it finished', async () => {
    const b = await job(id);
    return ['succeeded', 'failed'].includes(b.status) ? b : null;
  }, 60_000);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.preemptions, 0);
  assert.equal(done.runs.length, 1);
  assert.deepEqual(await unitsOf(id), Array.from({ length: UNITS }, (_, i) => i + 1));
});

test('a checkpointing job started at the peak is paused, resumes in the valley from its checkpoint; every unit done once; the paused run is billed', async () => {
  // The planner's pricing is handed to the preemptor once the job has done a few units: paused before its
  // trap is set, it would keep no checkpoint (and, as the rule says, not wait for the window).
  const pricing = t.p.compute.preemptor.windowScenario;
  assert.ok(pricing, 'the live planner gives the preemptor its pricing');
  t.p.compute.preemptor.windowScenario = null;
  const id = await submit('counter (checkpoints)', { checkpoint: true, preemptGraceSeconds: 5 });
  await waitUntil('a few units done', async () => (await unitsOf(id)).length >= 3);
  t.p.compute.preemptor.windowScenario = pricing;
  const paused = await waitUntil('paused for the window', async () => {
    const b = await job(id);
    return b.status === 'queued' && b.runs.some((r: { status: string }) => r.status === 'preempted') ? b : null;
  }, 60_000);
  const first = paused.runs.find((r: { status: string }) => r.status === 'preempted');
  assert.equal(first.preemption.reason, 'cheaper-window');
  assert.ok(first.preemption.checkpointBytes > 0, 'no checkpoint kept');
  assert.equal(first.preemption.window.resumeAt, new Date(VALLEY_MS).toISOString());
  // 4.8 kWh × (120 − 30) fen = 432 fen and 4.8 × (0.8 − 0.4) = 1.92 kg, less the checkpoint and restore
  // (twice the 5 s grace, run in the valley) and its unit rent: a little under each.
  const w = first.preemption.window;
  assert.ok(w.saveFen > 425 && w.saveFen < 432, JSON.stringify(w));
  assert.ok(w.saveKg > 1.9 && w.saveKg < 1.92, JSON.stringify(w));
  assert.equal(first.preemption.billed, true);
  assert.match(paused.explanation, /paused for a cheaper window: saves ¥4\.\d\d \/ 1\.\d\d kg CO2e; resumes at 2026-12-07T14:00:00\.000Z/);

  // Before the valley nothing places it, whatever the dispatcher's ticks.
  await t.p.compute.dispatcher.tick();
  await t.p.compute.dispatcher.tick();
  assert.equal((await job(id)).status, 'queued');

  clock.set(VALLEY_MS);
  const done = await waitUntil('it finished in the valley', async () => {
    const b = await job(id);
    return ['succeeded', 'failed'].includes(b.status) ? b : null;
  }, 60_000);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(done.preemptions, 1);
  const second = done.runs.find((r: { attempt: number }) => r.attempt > first.attempt);
  assert.ok(Date.parse(second.startedAt) >= VALLEY_MS, `resumed at ${second.startedAt}`);
  const before = await unitsOf(id, first.attempt);
  assert.ok(before.length >= 3 && before.length < UNITS, `the first run did ${before.length} units`);
  assert.deepEqual([...before, ...(await unitsOf(id, second.attempt))], Array.from({ length: UNITS }, (_, i) => i + 1));
});
