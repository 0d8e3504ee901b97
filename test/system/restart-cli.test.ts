import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '@shuzhi/server';
import { LOCK_FILE } from '@shuzhi/server/testing';
import { answersFor, materialsFor } from '../../packages/server/test/gov-suite.ts';
import { client, login, waitUntil } from '../../packages/server/test/helpers.ts';
import { killServe, logLines, startServe, type ServeProcess } from '../../packages/server/test/serve-process.ts';

/**
 * `npm start`, Ctrl-C, `npm start` again on the same data directory, then `kill -9` and a third start:
 * the real CLI (packages/server/bin/shuzhi.mjs serve, which scripts/start.mjs runs) with the demo on.
 * Every module seeds its demo on every start (idempotently); the demo's render nodes are off and one
 * demo worker runs per agent site, to keep three starts of the whole demo affordable on a small machine.
 */
const DEMO_ENV = {
  SHUZHI_DEMO: '1',
  SHUZHI_DEMO_AGENTS: '1',
  SHUZHI_RENDER_DEMO_NODES: '0',
  SHUZHI_SHUTDOWN_SECONDS: '30',
};

type Api = ReturnType<typeof client>;

/** What the demo holds that a restart must keep: ids of jobs, render jobs, gov cases and mine faces. */
async function demoData(url: string): Promise<{ jobs: string[]; render: string[]; cases: string[]; faces: string[] }> {
  const ids = (body: unknown) => ((body as { items?: { id: string }[] }).items ?? (body as { id: string }[])).map((x) => x.id).sort();
  const op = client(url, { cookie: await login(url, 'operator') });
  const jobs = await op.req('GET', '/api/jobs?limit=500');
  assert.equal(jobs.status, 200);
  const render = await op.req('GET', '/api/render/jobs');
  assert.equal(render.status, 200, JSON.stringify(render.body));
  const sup = client(url, { cookie: await login(url, 'supervisor') });
  const cases = await sup.req('GET', '/api/gov/applications');
  assert.equal(cases.status, 200, JSON.stringify(cases.body));
  const mine = client(url, { cookie: await login(url, 'mine-operator') });
  const faces = await mine.req('GET', '/api/mine/faces');
  assert.equal(faces.status, 200, JSON.stringify(faces.body));
  return { jobs: ids(jobs.body), render: ids(render.body), cases: ids(cases.body), faces: ids(faces.body) };
}

async function serving(s: ServeProcess): Promise<{ url: string; op: Api }> {
  const url = await s.ready;
  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { database: string }).database, 'pglite');
  return { url, op: client(url, { cookie: await login(url, 'operator') }) };
}

/** A killed server cannot remove the demo Slurm cluster's temp dir it named in its banner: the test does. */
async function killAndClean(s: ServeProcess): Promise<void> {
  await killServe(s);
  for (const m of s.stdout().matchAll(/\((\/tmp\/shuzhi-slurm-[\w-]+)\/slurm\.conf\)/g)) rmSync(m[1]!, { recursive: true, force: true });
}

function assertKept(before: Awaited<ReturnType<typeof demoData>>, after: Awaited<ReturnType<typeof demoData>>, when: string): void {
  for (const k of ['jobs', 'render', 'cases', 'faces'] as const) {
    const now = new Set(after[k]);
    assert.deepEqual(before[k].filter((id) => !now.has(id)), [], `${when}: every ${k} id is still there`);
  }
  // Seeding is idempotent: a second start adds no second copy of the seeded faces, render jobs or cases.
  assert.deepEqual(after.faces, before.faces, `${when}: the same mine faces`);
  assert.deepEqual(after.render, before.render, `${when}: the same render jobs`);
}

test('the real CLI on one data directory: Ctrl-C exits 0 in bound and the next start resumes the demo; after kill -9 too', { timeout: 1_200_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-restart-cli-'));
  const env = { ...DEMO_ENV, SHUZHI_DATA_DIR: dataDir };
  let s = startServe(env);
  try {
    // ---- first start: seeds the demo, runs demo traffic ----
    let { url, op } = await serving(s);
    const running = await waitUntil(
      'demo work to run',
      async () => ((await op.req('GET', '/api/jobs?status=running')).body.items as { id: string }[])[0],
      180_000,
    );
    // A gov case filed now (the demo seeds registries and people, not cases): it must outlive the restarts.
    const citizen = client(url, { cookie: await login(url, 'citizen') });
    const consent = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];
    const pre = await citizen.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent });
    assert.equal(pre.status, 200, JSON.stringify(pre.body));
    const filed = await citizen.req('POST', '/api/gov/applications', {
      itemId: 'item_newborn', idempotencyKey: 'restart-cli-1', draftId: pre.body.draftId, channel: 'app', consent,
      answers: answersFor(pre.body), materials: materialsFor(pre.body),
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const first = await demoData(url);
    assert.ok(first.cases.includes(filed.body.application.id));
    assert.ok(first.jobs.includes(running.id));
    assert.ok(first.cases.length > 0 && first.faces.length > 0 && first.render.length > 0, JSON.stringify(first));

    // ---- Ctrl-C (to the whole process group, as a terminal sends it) ----
    s.signal('SIGINT');
    let r = await s.exited;
    assert.equal(r.code, 0, `exit after SIGINT\n${s.stderr()}`);
    // The bound is SHUZHI_SHUTDOWN_SECONDS (30); this only guards against a hang.
    assert.ok(r.afterStopMs < 45_000, `stopped in ${r.afterStopMs} ms`);
    const msgs = logLines(s.stdout()).map((l) => l.msg);
    assert.ok(msgs.some((m) => m.startsWith('shutting down')), 'logged shutting down');
    assert.ok(msgs.includes('stopped'), 'logged stopped');
    assert.ok(!msgs.some((m) => m.startsWith('second signal')), 'the echoed Ctrl-C is not a second signal');
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, 'lock released');

    // ---- second start on the same data: healthy, the demo's data all there, work goes on ----
    s = startServe(env);
    ({ url, op } = await serving(s));
    const second = await demoData(url);
    assertKept(first, second, 'after Ctrl-C and a new start');
    // New demo work is taken and run (the demo resumes): a job submitted after this start runs.
    const seen = new Set(second.jobs);
    const fresh = await waitUntil(
      'a new demo job to run',
      async () => ((await op.req('GET', '/api/jobs?status=running')).body.items as { id: string }[]).find((j) => !seen.has(j.id)),
      180_000,
    );

    // ---- kill -9 while that demo job runs ----
    const pidBefore = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid;
    assert.equal(pidBefore, s.pid);
    await killAndClean(s);
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), true, 'a killed server leaves its lock file');

    // ---- third start: takes over the stale lock, comes up, the killed run is recovered ----
    s = startServe(env);
    ({ url, op } = await serving(s));
    const takeover = logLines(s.stdout()).find((l) => /taken over/.test(l.msg));
    assert.ok(takeover, 'the stale lock was taken over');
    assert.equal(takeover.level, 30, 'at info');
    assert.equal(takeover['pid'], pidBefore);
    const third = await demoData(url);
    assertKept(second, third, 'after kill -9 and a new start');
    assert.ok(third.jobs.includes(fresh.id));
    // The job that ran when the server was killed ends (its lease expires and it runs again, or its worker reports it).
    const ended = await waitUntil(
      `job ${fresh.id} to finish after the kill`,
      async () => {
        const j = (await op.req('GET', `/api/jobs/${fresh.id}`)).body;
        return j.status === 'succeeded' || j.status === 'failed' ? j : null;
      },
      240_000,
    );
    assert.equal(ended.status, 'succeeded', JSON.stringify(ended));

    s.signal('SIGTERM');
    r = await s.exited;
    assert.equal(r.code, 0, `exit after SIGTERM\n${s.stderr()}`);
    assert.ok(r.afterStopMs < 45_000, `stopped in ${r.afterStopMs} ms`);
  } finally {
    await killAndClean(s);
    rmSync(dataDir, { recursive: true, force: true });
    // As root the demo workers' task directories live outside the data dir.
    rmSync(loadConfig(env).workDir, { recursive: true, force: true });
  }
});
