import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { client, enrollWorker, login, startPlatform, workerSync } from './helpers.ts';
import type { TestPlatform } from './helpers.ts';
import { farmOf, uploadScene } from './render-helpers.ts';
import { migratedDataDir } from './pglite-template.ts';
import { createRng } from '@shuzhi/schema';

const RENDER = { runners: ['blender', 'povray', 'ffmpeg'] };
const NODES = 10;
const LICENCES = 3;
const TENANT_CAP = 5;
/** The demo tenant the user tenant2 belongs to. */
const STUDIO = 'karamay-studio';

type Held = { taskId: string; attempt: number; jobId: string };

/** The largest number of intervals open at once (an end at t comes before a start at t). */
function maxOverlap(intervals: readonly [number, number][]): number {
  const ev = intervals.flatMap(([a, b]): [number, number][] => [[a, 1], [b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let n = 0;
  let max = 0;
  for (const [, d] of ev) max = Math.max(max, (n += d));
  return max;
}

/**
 * Limits under concurrent asks, on one database: many simulated nodes ask for work at once (the real
 * worker protocol over HTTP), hold tasks for a random number of rounds and complete them; the licence,
 * the tenant cap and a job's maxNodes are never exceeded, counted twice — by the server's own count at
 * every answer, and by the intervals the nodes held tasks in. Definitions and held units survive a
 * restart. Run on PGlite (render-limits.test.ts) and PostgreSQL 15 (test/system/render-limits-postgres.test.ts).
 */
export function renderLimitsSuite(label: string, databaseUrl: () => string | undefined): void {
  test(`render limits on ${label}: never exceeded under concurrent asks; persisted; restored`, async () => {
    const url = databaseUrl();
    const dataDir = url ? mkdtempSync(join(tmpdir(), 'shuzhi-render-limits-')) : await migratedDataDir();
    const env = { SHUZHI_RENDER_VERIFY_FRAMES: '0' };
    const start = () => startPlatform({ dataDir, leaseMs: 30_000, env, ...(url ? { databaseUrl: url } : {}) });
    let t: TestPlatform = await start();
    const jobs: Record<string, string> = {};
    try {
      const op = client(t.url, { cookie: await login(t.url, 'operator') });
      const studioCookie = await login(t.url, 'tenant2');
      const studio = client(t.url, { cookie: studioCookie });
      const other = client(t.url, { cookie: await login(t.url, 'tenant') });

      assert.equal((await studio.req('PUT', '/api/render/limits/houdini-license', { capacity: 5 })).status, 403, 'a tenant may not define licences');
      const lic = await op.req('PUT', '/api/render/limits/houdini-license', { capacity: LICENCES });
      assert.equal(lic.status, 200, JSON.stringify(lic.body));
      const bad = await op.req('PUT', '/api/render/limits/Bad Name', { capacity: 1 });
      assert.equal(bad.status, 400);
      const nobody = await op.req('PUT', '/api/render/tenant-cap', { tenantId: 'no-such-studio', capacity: 1 });
      assert.equal(nobody.body.errors?.[0]?.path, 'tenantId');
      assert.equal((await op.req('PUT', '/api/render/tenant-cap', { tenantId: STUDIO, capacity: TENANT_CAP + 2 })).status, 200);
      const over = await studio.req('PUT', '/api/render/tenant-cap', { capacity: TENANT_CAP + 3 });
      assert.equal(over.status, 400);
      assert.equal(over.body.errors[0].path, 'capacity');
      const own = await studio.req('PUT', '/api/render/tenant-cap', { capacity: TENANT_CAP });
      assert.equal(own.status, 200, JSON.stringify(own.body));
      assert.equal(own.body.capacity, TENANT_CAP, 'the lower of the ceiling and the own cap');

      const up = await uploadScene(t.url, studioCookie, 'scene.blend', 'FAKE');
      const submit = async (body: Record<string, unknown>) => {
        const r = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-12', chunkSize: 1, renderer: 'blender', ...body });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.id as string;
      };
      const unknown = await studio.req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-2', renderer: 'blender', limits: ['nuke-license'] });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.errors[0].path, 'limits.0');
      jobs.a = await submit({ limits: ['houdini-license'], priority: 60 });
      jobs.b = await submit({ limits: ['houdini-license'], maxNodes: 2, priority: 60 });
      jobs.c = await submit({ maxNodes: 3 });

      const farm = farmOf(t);
      const rng = createRng(7);
      const held: Record<string, [number, number][]> = { lic: [], tenant: [], b: [], c: [] };
      const serverMax = { lic: 0, tenant: 0 };
      const sample = () => {
        for (const l of farm.limitUse()) {
          if (l.name === 'houdini-license') serverMax.lic = Math.max(serverMax.lic, l.held);
          if (l.name === `tenant:${STUDIO}`) serverMax.tenant = Math.max(serverMax.tenant, l.held);
        }
      };
      let done = 0;
      const total = 12 * 3 + 3; // chunks plus each job's preview
      const node = async (i: number) => {
        const w = await enrollWorker(t.p, 'karamay', `limits-${i}`);
        const slots = 1 + (i % 2);
        const mine: (Held & { since: number; rounds: number })[] = [];
        for (let round = 0; done < total && round < 400; round++) {
          const finish = mine.filter((h) => h.rounds-- <= 0);
          const now = performance.now();
          for (const h of finish) {
            mine.splice(mine.indexOf(h), 1);
            const span: [number, number] = [h.since, now];
            if (h.jobId !== jobs.c) held.lic!.push(span);
            if (h.jobId === jobs.b) held.b!.push(span);
            if (h.jobId === jobs.c) held.c!.push(span);
            held.tenant!.push(span);
          }
          const res = await workerSync(t.url, w.credential, w.id, {
            ...RENDER,
            slots,
            free: slots - mine.length,
            waitMs: mine.length ? 0 : 150,
            running: mine.map((h) => ({ kind: 'render', taskId: h.taskId, attempt: h.attempt })),
            completed: finish.map((h) => ({ kind: 'render', taskId: h.taskId, attempt: h.attempt, result: { ok: true, exitCode: 0 } })),
          });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          done += finish.length;
          sample();
          const at = performance.now();
          for (const a of res.body.assignments) mine.push({ taskId: a.taskId, attempt: a.attempt, jobId: a.jobId, since: at, rounds: rng.int(0, 3) });
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: NODES }, (_, i) => node(i)));
      const overlap = { lic: maxOverlap(held.lic!), tenant: maxOverlap(held.tenant!), b: maxOverlap(held.b!), c: maxOverlap(held.c!) };
      console.log(`${label}: ${NODES} nodes, ${total} tasks in ${Math.round(performance.now() - t0)} ms; most held at once — server count ${JSON.stringify(serverMax)}, node intervals ${JSON.stringify(overlap)}`);
      assert.equal(done, total, 'every task ran');
      for (const id of Object.values(jobs)) assert.equal((await studio.req('GET', `/api/render/jobs/${id}`)).body.state, 'completed');

      // Counted by the server at every answer, and from the nodes' own holding intervals.
      assert.ok(serverMax.lic <= LICENCES && serverMax.tenant <= TENANT_CAP, JSON.stringify(serverMax));
      assert.ok(overlap.lic <= LICENCES, `licence held by ${overlap.lic} tasks at once`);
      assert.ok(overlap.tenant <= TENANT_CAP, `tenant cap: ${overlap.tenant}`);
      assert.ok(overlap.b <= 2, 'job b maxNodes 2');
      assert.ok(overlap.c <= 3, 'job c maxNodes 3');
      // The limits bind: one node with 16 free slots gets the tenant's cap, the licence's share of it first.
      jobs.d = await submit({ limits: ['houdini-license'] });
      jobs.e = await submit({});
      const big = await enrollWorker(t.p, 'karamay', 'limits-big');
      const r = await workerSync(t.url, big.credential, big.id, { ...RENDER, slots: 16, free: 16, waitMs: 0 });
      const got = r.body.assignments as { jobId: string }[];
      assert.equal(got.length, TENANT_CAP);
      assert.equal(got.filter((a) => a.jobId === jobs.d).length, LICENCES);
      const seen = (await other.req('GET', '/api/render/limits')).body.items;
      assert.deepEqual(seen.map((l: { name: string }) => l.name), ['houdini-license']);
      assert.deepEqual(seen[0].holders, [], "another tenant's jobs are not shown as holders");
      assert.equal(seen[0].othersHeld, LICENCES);
      await farm.writer.flush();
    } finally {
      await t.close();
    }
    t = await start();
    try {
      const studio = client(t.url, { cookie: await login(t.url, 'tenant2') });
      const items = (await studio.req('GET', '/api/render/limits')).body.items as { name: string; capacity: number; held: number; holders: { jobId: string }[] }[];
      const lic = items.find((l) => l.name === 'houdini-license')!;
      assert.equal(lic.capacity, LICENCES);
      assert.equal(lic.held, LICENCES, 'held units rebuilt from the open leases');
      assert.deepEqual(lic.holders.map((h) => h.jobId), [jobs.d]);
      assert.equal(items.find((l) => l.name === `tenant:${STUDIO}`)!.capacity, TENANT_CAP);
    } finally {
      await t.close();
    }
  });
}
