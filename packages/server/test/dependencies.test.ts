import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { client, login, newWorker, smallSite, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';

/** Dependencies, workflows and arrays against real agents on a real (PGlite) platform. */
let t: TestPlatform;
let agents: Worker[] = [];
let tenant: ReturnType<typeof client>;
before(async () => {
  // No test here waits for a lease to lapse; a short one can lapse under the suite's load while a task
  // runs, and the task then runs twice (seen in CI: an array index's output twice).
  t = await startPlatform({ leaseMs: 10_000 });
  await t.p.compute.network.createSite(smallSite('xj-dep', 'xinjiang'), 'test');
  await t.p.compute.network.createSite(smallSite('cq-dep', 'chongqing'), 'test');
  agents = [await newWorker(t, 'xj-dep', 'xj-dep-agent', { slots: 4 }), await newWorker(t, 'cq-dep', 'cq-dep-agent', { slots: 4 })];
  for (const a of agents) a.start();
  await waitUntil('agents online', async () => t.p.compute.dispatcher.agentsOnline('xj-dep') > 0 && t.p.compute.dispatcher.agentsOnline('cq-dep') > 0);
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await t.close();
});

const job = (name: string, command: string, extra: Record<string, unknown> = {}) => ({ name, type: 'cpu', units: 1, hours: 0.1, command, sites: ['xj-dep', 'cq-dep'], ...extra });

async function submit(body: Record<string, unknown>) {
  const r = await tenant.req('POST', '/api/jobs', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; held: string | null; status: string };
}

const final = (id: string) =>
  waitUntil(`job ${id} final`, async () => {
    const b = (await tenant.req('GET', `/api/jobs/${id}`)).body;
    return ['succeeded', 'failed', 'cancelled'].includes(b.status) ? b : null;
  }, 60_000);

const startOf = (j: { runs: { startedAt: string }[] }) => Math.min(...j.runs.map((r) => Date.parse(r.startedAt)));
const endOf = (j: { runs: { endedAt: string }[] }) => Math.max(...j.runs.map((r) => Date.parse(r.endedAt)));

test('a workflow of four real jobs runs each step only after its parents finished', async () => {
  const r = await tenant.req('POST', '/api/workflows', {
    name: 'diamond',
    steps: [
      { name: 'prepare', job: job('prepare', 'sleep 1; echo prepared') },
      { name: 'left', after: ['prepare'], job: job('left', 'sleep 1; echo left') },
      { name: 'right', after: [{ step: 'prepare', kind: 'any' }], job: job('right', 'echo right') },
      { name: 'merge', after: ['left', 'right'], job: job('merge', 'echo merged') },
    ],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const wf = r.body;
  assert.equal(wf.steps.length, 4);
  assert.deepEqual(wf.edges.map((e: { from: string; to: string }) => `${e.from}>${e.to}`).sort(), ['left>merge', 'prepare>left', 'prepare>right', 'right>merge']);
  const merge = wf.steps.find((s: { name: string }) => s.name === 'merge');
  assert.match(merge.held, /^waiting for job_/);
  const done = new Map<string, Awaited<ReturnType<typeof final>>>();
  for (const s of wf.steps) done.set(s.name, await final(s.jobId));
  for (const s of done.values()) assert.equal(s.status, 'succeeded');
  for (const e of wf.edges) assert.ok(startOf(done.get(e.to)) >= endOf(done.get(e.from)), `${e.to} started before ${e.from} ended`);
  // A dependant with no home of its own takes its data where its parent ran.
  assert.equal(done.get('merge').home, done.get('left').siteId);
  const got = (await tenant.req('GET', `/api/workflows/${wf.id}`)).body;
  assert.equal(got.status, 'succeeded');
  const list = (await tenant.req('GET', '/api/workflows')).body;
  assert.equal(list.items.find((w: { id: string }) => w.id === wf.id).counts.succeeded, 4);
});

test('afterok on a failed parent cancels the dependant, or holds it when asked, saying why', async () => {
  const parent = await submit(job('fails', 'exit 3'));
  const cancelled = await submit(job('cancel me', 'echo never', { after: [{ kind: 'ok', jobId: parent.id }] }));
  const held = await submit(job('hold me', 'echo never', { after: [{ kind: 'ok', jobId: parent.id }], onParentFailure: 'hold' }));
  const rescue = await submit(job('rescue', 'echo rescued', { after: [{ kind: 'notok', jobId: parent.id }] }));
  assert.match(cancelled.held ?? '', new RegExp(`waiting for ${parent.id} \\(afterok\\)`));
  assert.equal((await final(parent.id)).status, 'failed');
  const c = await final(cancelled.id);
  assert.equal(c.status, 'cancelled');
  assert.match(c.error, new RegExp(`parent ${parent.id} failed \\(afterok can no longer be met\\)`));
  assert.equal((await final(rescue.id)).status, 'succeeded');
  const h = await waitUntil('held', async () => {
    const b = (await tenant.req('GET', `/api/jobs/${held.id}`)).body;
    return b.held?.startsWith('held:') ? b : null;
  });
  assert.equal(h.status, 'queued');
  assert.deepEqual(h.dependencies, [{ jobId: parent.id, kind: 'ok', state: 'impossible' }]);
  assert.equal(h.runs.length, 0);
  const parentDetail = (await tenant.req('GET', `/api/jobs/${parent.id}`)).body;
  assert.equal(parentDetail.dependants.length, 3);
  // Cancelling the held job releases nothing else and ends it.
  assert.equal((await tenant.req('POST', `/api/jobs/${held.id}/cancel`)).status, 200);
  assert.equal((await tenant.req('GET', `/api/jobs/${held.id}`)).body.status, 'cancelled');
});

test('a job submitted after its parent already succeeded with afternotok is cancelled at once', async () => {
  const parent = await submit(job('ok', 'true'));
  await final(parent.id);
  const r = await tenant.req('POST', '/api/jobs', job('too late', 'true', { after: [{ kind: 'notok', jobId: parent.id }] }));
  assert.equal(r.status, 201);
  assert.equal(r.body.status, 'cancelled');
  assert.match(r.body.error, /afternotok can no longer be met/);
});

test('an array runs every index with its own env and logs, never more at once than its cap', async () => {
  const a = await submit(job('sweep', 'echo "index $SHUZHI_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT"; sleep 0.3', { array: '0-10:2%2' }));
  const done = await final(a.id);
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(done.array, { spec: '0-10:2%2', size: 6, cap: 2, counts: { succeeded: 6, pending: 0 } });
  const tasks = (await tenant.req('GET', `/api/jobs/${a.id}/tasks`)).body;
  assert.deepEqual(tasks.items.map((x: { index: number }) => x.index), [0, 2, 4, 6, 8, 10]);
  const logs = (await tenant.req('GET', `/api/jobs/${a.id}/logs?task=8`)).body.items;
  assert.deepEqual(logs.filter((l: { stream: string }) => l.stream === 'stdout').map((l: { text: string }) => l.text.trim()), ['index 8 of 6']);
  // The cap: at no instant do more than two runs overlap.
  const spans = done.runs.map((r: { startedAt: string; endedAt: string }) => [Date.parse(r.startedAt), Date.parse(r.endedAt)]);
  for (const [s] of spans) assert.ok(spans.filter(([s2, e2]: number[]) => s2! <= s! && s! < e2!).length <= 2, 'more than 2 tasks ran at once');
  const listed = (await tenant.req('GET', '/api/jobs')).body.items.find((j: { id: string }) => j.id === a.id);
  assert.equal(listed.array.counts.succeeded, 6);
});

test('an array with a failing index fails as a whole, the others still run', async () => {
  const a = await submit(job('flaky', '[ "$SHUZHI_ARRAY_TASK_ID" != 1 ]', { array: '0-2' }));
  const done = await final(a.id);
  assert.equal(done.status, 'failed');
  assert.deepEqual(done.array.counts, { succeeded: 2, failed: 1, pending: 0 });
});

test('an array waiting for a parent makes no task until the parent is done', async () => {
  const parent = await submit(job('first', 'sleep 1'));
  const a = await submit(job('then sweep', 'true', { array: '1-3', after: [{ kind: 'ok', jobId: parent.id }] }));
  const before = (await tenant.req('GET', `/api/jobs/${a.id}/tasks`)).body;
  assert.equal(before.total, 0);
  const done = await final(a.id);
  assert.equal(done.status, 'succeeded');
  assert.ok(startOf(done) >= endOf(await final(parent.id)));
});

test('cancelling a workflow cancels every unfinished job', async () => {
  const r = await tenant.req('POST', '/api/workflows', {
    name: 'to cancel',
    steps: [{ name: 'long', job: job('long', 'sleep 30') }, { name: 'next', after: ['long'], job: job('next', 'true') }],
  });
  assert.equal(r.status, 201);
  const c = await tenant.req('POST', `/api/workflows/${r.body.id}/cancel`);
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.status, 'cancelled');
  assert.deepEqual(c.body.steps.map((s: { status: string }) => s.status), ['cancelled', 'cancelled']);
  assert.equal((await tenant.req('POST', `/api/workflows/${r.body.id}/cancel`)).status, 409);
});

test('bad input: 400 naming the field', async () => {
  const other = client(t.url, { cookie: await login(t.url, 'tenant2') });
  const theirs = (await other.req('POST', '/api/jobs', job('theirs', 'true'))).body.id;
  const cases: [string, Record<string, unknown>, string][] = [
    ['zero cap', job('a', 'true', { array: '0-9%0' }), 'array'],
    ['reversed range', job('a', 'true', { array: '9-0' }), 'array'],
    ['too many tasks', job('a', 'true', { array: '0-100000' }), 'array'],
    ['empty array', job('a', 'true', { array: ' ' }), 'array'],
    ['unknown parent', job('a', 'true', { after: [{ kind: 'ok', jobId: 'job_nope' }] }), 'after.0.jobId'],
    ["another tenant's parent", job('a', 'true', { after: [{ kind: 'ok', jobId: theirs }] }), 'after.0.jobId'],
    ['bad kind', job('a', 'true', { after: [{ kind: 'later', jobId: theirs }] }), 'after.0.kind'],
    ['bad onParentFailure', job('a', 'true', { onParentFailure: 'ignore' }), 'onParentFailure'],
  ];
  for (const [what, body, path] of cases) {
    const r = await tenant.req('POST', '/api/jobs', body);
    assert.equal(r.status, 400, what);
    assert.ok(r.body.errors.some((e: { path: string }) => e.path === path), `${what}: ${JSON.stringify(r.body.errors)}`);
  }
  const wf = (steps: unknown[]) => tenant.req('POST', '/api/workflows', { name: 'bad', steps });
  const cycle = await wf([
    { name: 'a', after: ['c'], job: job('a', 'true') },
    { name: 'b', after: ['a'], job: job('b', 'true') },
    { name: 'c', after: ['b'], job: job('c', 'true') },
  ]);
  assert.equal(cycle.status, 400);
  assert.match(cycle.body.errors[0].path, /^steps\.[012]\.after$/);
  assert.match(cycle.body.errors[0].message, /cycle/);
  const unknown = await wf([{ name: 'a', after: ['ghost'], job: job('a', 'true') }]);
  assert.deepEqual(unknown.body.errors.map((e: { path: string }) => e.path), ['steps.0.after.0']);
  const dup = await wf([{ name: 'a', job: job('a', 'true') }, { name: 'a', job: job('a', 'true') }]);
  assert.deepEqual(dup.body.errors.map((e: { path: string }) => e.path), ['steps.1.name']);
  const badStep = await wf([{ name: 'a', job: job('a', 'true', { array: '0-9%0' }) }]);
  assert.deepEqual(badStep.body.errors.map((e: { path: string }) => e.path), ['steps.0.job.array']);
  // Another tenant's workflow does not exist for us.
  const mine = (await wf([{ name: 'solo', job: job('solo', 'true') }])).body.id;
  assert.equal((await other.req('GET', `/api/workflows/${mine}`)).status, 404);
  assert.equal((await other.req('POST', `/api/workflows/${mine}/cancel`)).status, 404);
});
