import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, enrolledWorker, login, newWorker, smallSite, startPlatform, waitUntil, workerSync, type TestPlatform } from './helpers.ts';

let t: TestPlatform;
let op: ReturnType<typeof client>;
let tenant: ReturnType<typeof client>;

before(async () => {
  t = await startPlatform({ leaseMs: 1500 });
  op = client(t.url, { cookie: await login(t.url, 'operator') });
  tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  for (const id of ['agent-a', 'agent-b']) assert.equal((await op.req('POST', '/api/sites', smallSite(id))).status, 201);
});
after(async () => {
  await t.close();
});

const submit = async (command: string, over: Record<string, unknown> = {}) => {
  const r = await tenant.req('POST', '/api/jobs', { name: 'agent test', type: 'cpu', units: 2, hours: 1, command, ...over });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
};
const jobOf = async (id: string) => (await tenant.req('GET', `/api/jobs/${id}`)).body;
const final = (id: string) =>
  waitUntil(`job ${id} to finish`, async () => {
    const j = await jobOf(id);
    return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
  });

describe('compute tasks on workers', () => {
  test('runs a real command in its own work directory, keeps its logs and meters its usage', async () => {
    const agent = await newWorker(t, 'agent-a', 'a-1');
    agent.start();
    try {
      const id = await submit('echo "hello from $SHUZHI_TASK_ID"; pwd; echo "uid $(id -u)"; echo oops >&2; sleep 0.3');
      const j = await final(id);
      assert.equal(j.status, 'succeeded');
      assert.equal(j.siteId, 'agent-a');
      assert.equal(j.runs.length, 1);
      assert.equal(j.runs[0].agentId, agent.id);
      const run = j.runs[0];
      assert.equal(run.exitCode, 0);
      assert.ok(run.usage.unitHours > 0);
      assert.ok(run.usage.energyKWh > 0);
      assert.ok(run.usage.carbonG > 0, 'grid power without renewables emits carbon');
      assert.equal(run.usage.greenKWh, 0);
      const logs = (await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as { stream: string; text: string }[];
      const out = logs.filter((l) => l.stream === 'stdout').map((l) => l.text).join('');
      assert.match(out, new RegExp(`hello from ${run.taskId}`));
      // Under bubblewrap the task sees its own directory at /task, as someone other than root.
      assert.match(out, /^\/task$/m, 'runs in a directory of its own');
      assert.match(out, /^uid (?!0\n)\d+$/m, 'not as root');
      assert.match(logs.filter((l) => l.stream === 'stderr').map((l) => l.text).join(''), /oops/);

      const failing = await final(await submit('echo bad; exit 3'));
      assert.equal(failing.status, 'failed');
      assert.match(failing.error, /code 3/);
      // A site with jobs on it cannot be deleted.
      assert.equal((await op.req('DELETE', '/api/sites/agent-a')).body.code, 'SITE_IN_USE');
    } finally {
      await agent.stop();
    }
  });

  test('a job pinned to a site runs there and nowhere else; an unknown site is refused', async () => {
    const a = await newWorker(t, 'agent-a', 'a-pin');
    const b = await newWorker(t, 'agent-b', 'b-pin');
    a.start();
    b.start();
    try {
      await waitUntil('both agents online', async () => t.p.compute.dispatcher.agentsOnline('agent-a') > 0 && t.p.compute.dispatcher.agentsOnline('agent-b') > 0);
      for (const site of ['agent-b', 'agent-a']) {
        const j = await final(await submit('echo pinned', { sites: [site] }));
        assert.equal(j.status, 'succeeded');
        assert.equal(j.siteId, site);
        assert.deepEqual(j.sites, [site]);
      }
      const bad = await tenant.req('POST', '/api/jobs', { name: 'x', type: 'cpu', units: 2, hours: 1, command: 'true', sites: ['no-such-site'] });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.errors[0].path, 'sites.0');
      const outside = await tenant.req('POST', '/api/jobs', { name: 'x', type: 'cpu', units: 2, hours: 1, command: 'true', sites: ['agent-a'], regions: ['chongqing'] });
      assert.equal(outside.status, 400);
      assert.match(outside.body.errors[0].message, /outside the job's regions/);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  test('cancel stops a running command on its agent', async () => {
    const agent = await newWorker(t, 'agent-a', 'a-cancel');
    agent.start();
    try {
      const id = await submit('echo started; sleep 30; echo never');
      await waitUntil('running', async () => (await jobOf(id)).status === 'running');
      await waitUntil('agent to start it', async () => agent.runningCount === 1);
      const r = await tenant.req('POST', `/api/jobs/${id}/cancel`);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'cancelled');
      await waitUntil('agent to kill it', async () => agent.runningCount === 0, 10_000);
      assert.equal((await tenant.req('POST', `/api/jobs/${id}/cancel`)).body.code, 'JOB_FINISHED');
      const j = await jobOf(id);
      assert.equal(j.runs[0].status, 'cancelled', JSON.stringify(j.runs));
    } finally {
      await agent.stop();
    }
  });

  test('an agent killed mid-task: the task is requeued after its lease and finishes elsewhere; the dead attempt is refused', async () => {
    const { worker: dead, credential: deadCredential } = await enrolledWorker(t, 'agent-b', 'b-dead');
    dead.start();
    const id = await submit('echo start; sleep 2; echo finished', { regions: ['xinjiang'] });
    await waitUntil('the first agent to take it', async () => dead.runningCount === 1);
    const first = await jobOf(id);
    assert.equal(first.status, 'running');
    const oldFence = { taskId: first.runs[0].taskId, attempt: first.runs[0].attempt };
    await dead.stop({ kill: true });

    // The lease runs out; the task goes back to the queue.
    await waitUntil('requeue', async () => (await jobOf(id)).runs[0].status === 'lost', 15_000);
    const rescuer = await newWorker(t, 'agent-b', 'b-rescue');
    rescuer.start();
    try {
      const j = await final(id);
      assert.equal(j.status, 'succeeded');
      assert.equal(j.runs.length, 2);
      assert.deepEqual(
        j.runs.map((r: { status: string; agentId: string }) => [r.status, r.agentId]),
        [
          ['lost', dead.id],
          ['succeeded', rescuer.id],
        ],
      );
      // The dead attempt reports late: refused with 409 and nothing changes.
      const late = await workerSync(t.url, deadCredential, dead.id, {
        completed: [{ kind: 'shell', ...oldFence, result: { ok: true, exitCode: 0 }, logs: [{ stream: 'stdout', text: 'late result' }] }],
      });
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'STALE_REPORT');
      const after = await jobOf(id);
      assert.equal(after.runs.filter((r: { status: string }) => r.status === 'succeeded').length, 1);
      const logs = (await tenant.req('GET', `/api/jobs/${id}/logs`)).body.items as { text: string }[];
      assert.ok(!logs.some((l) => l.text.includes('late result')));
      assert.ok(logs.some((l) => l.text.includes('lease expired')));
    } finally {
      await rescuer.stop();
    }
  });

  test('a sync with a forged fence for a running task is refused', async () => {
    const agent = await newWorker(t, 'agent-a', 'a-fence');
    agent.start();
    try {
      const id = await submit('sleep 2');
      await waitUntil('running', async () => agent.runningCount === 1);
      const j = await jobOf(id);
      // Another worker of the same site reports the task as its own: refused, the real run goes on.
      const { worker: intruder, credential } = await enrolledWorker(t, 'agent-a', 'intruder');
      const r = await workerSync(t.url, credential, intruder.id, {
        completed: [{ kind: 'shell', taskId: j.runs[0].taskId, attempt: j.runs[0].attempt, result: { ok: true, exitCode: 0 }, logs: [] }],
      });
      assert.equal(r.status, 409);
      assert.equal((await final(id)).status, 'succeeded');
    } finally {
      await agent.stop();
    }
  });
});
