import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { manualClock } from '@shuzhi/schema';
import { shanghaiMonth } from '../src/billing/ledger.ts';
import { client, login, newWorker, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { counterCommand, valleySite } from './counter-job.ts';
import { migratedDataDir } from './pglite-template.ts';

/**
 * A pause for a cheaper window outlives the server: a checkpointing job started at the 20:30 peak is
 * paused for the 22:00 valley, then the platform stops and starts again on the same data directory (and
 * the same platform clock). The new server does not start the job before the valley, whatever its ticks;
 * at the valley it resumes from its checkpoint, once; every unit is done once and each run is billed once.
 */
const PEAK_MS = Date.parse('2026-12-07T12:30:00Z'); // 20:30 in Beijing
const VALLEY_MS = Date.parse('2026-12-07T14:00:00Z'); // 22:00 in Beijing
const UNITS = 30;
const ENV = { SHUZHI_PREEMPT_WINDOW_MIN_FEN: '100', SHUZHI_PREEMPT_WINDOW_MIN_KG: '0' };

type Line = { attempt: number; stream: string; text: string };

test('a job paused for a cheaper window, then a restart: it resumes at the window (platform clock), once, and is billed once per run', async () => {
  const dataDir = await migratedDataDir();
  const clock = manualClock(PEAK_MS);
  let t: TestPlatform | null = null;
  let agent: Worker | null = null;
  try {
    t = await startPlatform({ dataDir, leaseMs: 3000, clock, env: ENV });
    await t.p.compute.network.createSite(valleySite('pwr-a'), 'test');
    agent = await newWorker(t, 'pwr-a', 'pwr-agent-1', { slots: 2 });
    agent.start();
    await waitUntil('the agent online', async () => t!.p.compute.dispatcher.agentsOnline('pwr-a') > 0);
    let tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    const unitsOf = async (id: string, attempt?: number) =>
      ((await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as Line[])
        .filter((l) => l.stream === 'stdout' && (attempt === undefined || l.attempt === attempt))
        .map((l) => l.text).join('').split('\n')
        .flatMap((l) => (/^unit (\d+)$/.test(l) ? [Number(l.slice(5))] : []));

    // Priced only once its trap is set (paused before, it would keep no checkpoint and not wait).
    const pricing = t.p.compute.preemptor.windowScenario;
    assert.ok(pricing);
    t.p.compute.preemptor.windowScenario = null;
    const r = await tenant.req('POST', '/api/jobs', { name: 'counter', type: 'cpu', units: 4, hours: 1, command: counterCommand(UNITS, 0.2), sites: ['pwr-a'], checkpoint: true, preemptGraceSeconds: 5 });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = (r.body as { id: string }).id;
    await waitUntil('a few units done', async () => (await unitsOf(id)).length >= 3);
    t.p.compute.preemptor.windowScenario = pricing;
    const paused = await waitUntil('paused for the window', async () => {
      const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
      return b.status === 'queued' && b.runs.some((x: { status: string }) => x.status === 'preempted') ? b : null;
    }, 60_000);
    const first = paused.runs.find((x: { status: string }) => x.status === 'preempted');
    assert.equal(first.preemption.window.resumeAt, new Date(VALLEY_MS).toISOString());

    // ---- the platform stops (its agent with it) and starts again on the same data, still at the peak ----
    await agent.stop();
    agent = null;
    await t.close();
    t = await startPlatform({ dataDir, leaseMs: 3000, clock, env: ENV });
    agent = await newWorker(t, 'pwr-a', 'pwr-agent-2', { slots: 2 });
    agent.start();
    await waitUntil('the new agent online', async () => t!.p.compute.dispatcher.agentsOnline('pwr-a') > 0);
    tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
    const queued = t.p.compute.dispatcher.queuedTasks().find((q) => q.jobId === id);
    assert.equal(queued?.pause?.resumeAtMs, VALLEY_MS, 'the recovered task waits for the window it was paused for');
    // Before the valley nothing places it, with an agent free and the dispatcher ticking.
    for (let i = 0; i < 3; i++) await t.p.compute.dispatcher.tick();
    const waiting = (await tenant.req('GET', `/api/jobs/${id}`)).body;
    assert.equal(waiting.status, 'queued');
    assert.equal(waiting.runs.length, 1);

    clock.set(VALLEY_MS);
    const done = await waitUntil('it finished in the valley', async () => {
      const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
      return ['succeeded', 'failed'].includes(b.status) ? b : null;
    }, 60_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.runs.length, 2, 'resumed once');
    const second = done.runs.find((x: { attempt: number }) => x.attempt > first.attempt);
    assert.ok(Date.parse(second.startedAt) >= VALLEY_MS, `resumed at ${second.startedAt}`);
    const before = await unitsOf(id, first.attempt);
    assert.ok(before.length >= 3 && before.length < UNITS, `the first run did ${before.length} units`);
    assert.deepEqual([...before, ...(await unitsOf(id, second.attempt))], Array.from({ length: UNITS }, (_, i) => i + 1));

    // Billed once per run: the paused run (its work was kept) and the resumed one, each one statement line.
    const lines = await waitUntil('two statement lines', async () => {
      const st = (await tenant.req('GET', `/api/billing/statements/${shanghaiMonth(new Date(VALLEY_MS))}`)).body;
      const mine = (st.lines as { runId: string; jobId: string }[]).filter((l) => l.jobId === id);
      return mine.length >= 2 ? mine : null;
    }, 30_000);
    assert.deepEqual(lines.map((l) => l.runId).sort(), [first.id, second.id].sort());
  } finally {
    await agent?.stop();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
