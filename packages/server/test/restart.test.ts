import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { client, login, newWorker, smallSite, startPlatform, waitUntil } from './helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

test('a server restart recovers queued and running work: no job lost, none run twice to completion', async () => {
  const dataDir = await migratedDataDir();
  let t = await startPlatform({ dataDir, leaseMs: 4000 });
  const port = t.port;
  const op = client(t.url, { cookie: await login(t.url, 'operator') });
  assert.equal((await op.req('POST', '/api/sites', smallSite('restart-site'))).status, 201);
  const tenantCookie = await login(t.url, 'tenant');
  let tenant = client(t.url, { cookie: tenantCookie });

  // One slot: the first job runs (long enough to outlive the restart), the others wait.
  const agent = await newWorker(t, 'restart-site', 'r-1', { slots: 1 });
  agent.start();
  const ids: string[] = [];
  for (const [i, cmd] of ['echo first; sleep 4; echo first done', 'echo second', 'echo third'].entries()) {
    const r = await tenant.req('POST', '/api/jobs', { name: `restart ${i}`, type: 'cpu', units: 1, hours: 1, command: cmd });
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  // The first job starts as soon as it is placed; the planner's plan for the other two may land a moment
  // later (it runs after a short debounce), so wait for both facts rather than reading the second at once.
  const statuses = () => Promise.all(ids.map(async (id) => (await tenant.req('GET', `/api/jobs/${id}`)).body.status as string));
  await waitUntil('the first job to run and the others to be planned', async () => {
    const [first, ...rest] = await statuses();
    return first === 'running' && rest.every((s) => s === 'planned');
  });

  // Crash-like stop of the server while the agent keeps running its task.
  await t.p.close();
  t = await startPlatform({ dataDir, port, leaseMs: 4000 });
  tenant = client(t.url, { cookie: tenantCookie });

  const finals = await Promise.all(
    ids.map((id) =>
      waitUntil(
        `job ${id}`,
        async () => {
          const j = (await tenant.req('GET', `/api/jobs/${id}`)).body;
          return j.status === 'succeeded' || j.status === 'failed' ? j : null;
        },
        40_000,
      ),
    ),
  );
  await agent.stop();
  for (const j of finals) {
    assert.equal(j.status, 'succeeded', JSON.stringify(j));
    assert.equal(j.runs.filter((r: { status: string }) => r.status === 'succeeded').length, 1, `${j.id} completed once`);
  }
  // The running job was not restarted: the agent reported its one attempt to the new server.
  assert.equal(finals[0].runs.length, 1);
  const logs = (await tenant.req('GET', `/api/jobs/${ids[0]}/logs`)).body.items.map((l: { text: string }) => l.text).join('');
  assert.match(logs, /first done/);
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});
