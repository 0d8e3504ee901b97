import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { client, enrollWorker, login, startPlatform, waitUntil, workerSync, type TestPlatform } from './helpers.ts';
import { fakeNode, farmOf, uploadScene, type RenderWorkerOptions } from './render-helpers.ts';
import { migratedDataDir } from './pglite-template.ts';

let t: TestPlatform;
let studio: string;
const nodes: Worker[] = [];

before(async () => {
  t = await startPlatform({ leaseMs: 1500 });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop({ kill: true })));
  await t.close();
});

const api = () => client(t.url, { cookie: studio });
const node = async (name: string, opts: RenderWorkerOptions = {}) => {
  const n = await fakeNode(t, name, opts);
  nodes.push(n);
  return n;
};
/** Render workers driven by hand, one raw sync at a time; enrolled on first use. */
const handWorkers = new Map<string, { id: string; credential: string }>();
async function handWorker(name: string) {
  let w = handWorkers.get(name);
  if (!w) handWorkers.set(name, (w = await enrollWorker(t.p, 'karamay', name)));
  return w;
}
const RENDER = { runners: ['blender', 'povray', 'ffmpeg'], slots: 1, free: 1 };
const sync = async (name: string, body: Record<string, unknown>) => {
  const w = await handWorker(name);
  return workerSync(t.url, w.credential, w.id, { ...RENDER, ...body });
};
const fenceOf = (a: { taskId: string; attempt: number }) => ({ kind: 'render', taskId: a.taskId, attempt: a.attempt });

async function submit(over: Record<string, unknown> = {}, scene = 'FAKE BLEND', tags = [] as string[]) {
  const up = await uploadScene(t.url, studio, 'scene.blend', scene);
  const r = await api().req('POST', '/api/render/jobs', {
    scene: { kind: 'upload', ...up },
    frames: '1-8',
    chunkSize: 4,
    renderer: 'blender',
    tags,
    ...over,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; taskCount: number };
}

async function settled(id: string, timeoutMs = 60_000) {
  return waitUntil(
    `job ${id} to settle`,
    async () => {
      const r = await api().req('GET', `/api/render/jobs/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
    },
    timeoutMs,
  );
}

describe('render jobs: input and scoping', () => {
  test('bad specs are refused naming the field', async () => {
    const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE');
    const scene = { kind: 'upload', ...up };
    const cases: [Record<string, unknown>, string][] = [
      [{ scene, frames: '10-1', renderer: 'blender' }, 'frames'],
      [{ scene, frames: '1-4', renderer: 'povray' }, 'overrides.resolutionX'],
      [{ scene, frames: '1-4', renderer: 'blender', chunkSize: 0 }, 'chunkSize'],
      [{ scene: { kind: 'upload', uploadId: 'upl_nope', fileName: 'x.blend' }, frames: '1-4', renderer: 'blender' }, 'scene.uploadId'],
      [{ scene: { kind: 'shared', path: '/etc/passwd.blend' }, frames: '1-4', renderer: 'blender' }, 'scene.path'],
    ];
    for (const [body, field] of cases) {
      const r = await api().req('POST', '/api/render/jobs', body);
      assert.equal(r.status, 400, `${field}: ${JSON.stringify(r.body)}`);
      assert.ok(
        r.body.errors.some((e: { path: string }) => e.path === field),
        `${field} not named in ${JSON.stringify(r.body.errors)}`,
      );
    }
  });

  test('another tenant cannot see a studio job; a viewer cannot submit', async () => {
    const job = await submit({ frames: '1' });
    const other = client(t.url, { cookie: await login(t.url, 'tenant') });
    assert.equal((await other.req('GET', `/api/render/jobs/${job.id}`)).status, 404);
    assert.ok(!(await other.req('GET', '/api/render/jobs')).body.items.some((j: { id: string }) => j.id === job.id));
    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    assert.equal((await viewer.req('GET', `/api/render/jobs/${job.id}`)).status, 200);
    const r = await viewer.req('POST', '/api/render/jobs', { scene: { kind: 'shared', path: '/x.blend' }, frames: '1', renderer: 'blender' });
    assert.equal(r.status, 403);
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
  });

  test('roles are refused at the route: a viewer cannot control a job or a task, a tenant cannot list nodes', async () => {
    const job = await submit({ frames: '1' });
    const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
    for (const path of [`/api/render/jobs/${job.id}/pause`, `/api/render/jobs/${job.id}/tasks/0/cancel`]) {
      const r = await viewer.req('POST', path);
      assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'FORBIDDEN');
    }
    assert.equal((await api().req('GET', '/api/render/nodes')).status, 403);
    assert.equal((await viewer.req('GET', '/api/render/nodes')).status, 200);
    // The refusals paused nothing; the owner still may act.
    assert.notEqual((await api().req('GET', `/api/render/jobs/${job.id}`)).body.state, 'paused');
    assert.equal((await api().req('POST', `/api/render/jobs/${job.id}/cancel`)).body.state, 'cancelled');
  });

  test('a 100,000-frame job is one job row with 100,001 tasks', async () => {
    const job = await submit({ frames: '1-100000', chunkSize: 1 });
    assert.equal(job.taskCount, 100_001);
    const r = await api().req('GET', `/api/render/jobs/${job.id}?taskOffset=99999&taskLimit=5`);
    assert.deepEqual(
      r.body.tasks.map((x: { kind: string; frames: string }) => [x.kind, x.frames]),
      [
        ['chunk', '100000'],
        ['preview', '1-100000'],
      ],
    );
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
    assert.equal((await api().req('GET', `/api/render/jobs/${job.id}`)).body.state, 'cancelled');
  });
});

describe('render node protocol', () => {
  test('a sync that fills every free slot names the heartbeat as the next call; one that leaves slots free says "now"', async () => {
    // 8 chunks of one frame and the preview: 9 tasks, only for nodes with this tag.
    const job = await submit({ tags: ['proto-poll'], chunkSize: 1 }, 'FAKE', ['proto-poll']);
    const heartbeatMs = Math.floor(1500 / 3);
    const full = await sync('proto-poll-full', { tags: ['proto-poll'], slots: 2, free: 2 });
    assert.equal(full.body.assignments.length, 2);
    assert.equal(full.body.nextPollMs, heartbeatMs, 'both slots taken: nothing more to ask for before the heartbeat');
    // The rest of the job (fewer than twenty tasks) for twenty free slots: work was handed out and
    // slots are still free, so "now".
    const room = await sync('proto-poll-room', { tags: ['proto-poll'], slots: 20, free: 20 });
    assert.ok(room.body.assignments.length > 0 && room.body.assignments.length < 20, `${room.body.assignments.length} tasks`);
    assert.equal(room.body.nextPollMs, 0);
    // And a heartbeat with every slot busy is told to come back at the interval.
    const beat = await sync('proto-poll-full', { tags: ['proto-poll'], slots: 2, free: 0, running: full.body.assignments.map(fenceOf) });
    assert.equal(beat.body.nextPollMs, heartbeatMs);
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
  });

  test('pause holds work back, resume releases it, cancel revokes the running lease', async () => {
    const job = await submit({ tags: ['proto-a'] }, 'FAKE', ['proto-a']);
    assert.equal((await api().req('POST', `/api/render/jobs/${job.id}/pause`)).body.state, 'paused');
    const idle = await sync('proto-a', { tags: ['proto-a'] });
    assert.equal(idle.status, 200);
    assert.equal(idle.body.assignments.length, 0);
    await api().req('POST', `/api/render/jobs/${job.id}/resume`);
    const got = await sync('proto-a', { tags: ['proto-a'] });
    assert.equal(got.body.assignments.length, 1);
    const a = got.body.assignments[0];
    assert.equal(a.jobId, job.id);
    assert.equal(a.frames, '1-4');
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
    const after = await sync('proto-a', { tags: ['proto-a'], free: 0, running: [fenceOf(a)] });
    assert.equal(after.status, 409, 'the only report is for a revoked lease');
    assert.equal(after.body.code, 'STALE_REPORT');
  });

  test('an expired lease is requeued and the old attempt can neither heartbeat nor upload', async () => {
    const job = await submit({ tags: ['proto-b'] }, 'FAKE', ['proto-b']);
    const first = (await sync('proto-b1', { tags: ['proto-b'] })).body.assignments[0];
    assert.equal(first.attempt, 1);
    await new Promise((r) => setTimeout(r, 2000));
    const b1 = await handWorker('proto-b1');
    const up = await fetch(`${t.url}/api/workers/${b1.id}/tasks/${first.taskId}/frames/1?attempt=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${b1.credential}` },
      body: Buffer.from('late'),
    });
    assert.equal(up.status, 409);
    const stale = await sync('proto-b1', { tags: ['proto-b'], free: 0, running: [fenceOf(first)] });
    assert.equal(stale.status, 409);
    const second = (await sync('proto-b2', { tags: ['proto-b'] })).body.assignments[0];
    assert.equal(second.taskId, first.taskId);
    assert.equal(second.attempt, 2);
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
  });

  test('a node reporting success without uploading its frames does not complete the chunk', async () => {
    const job = await submit({ tags: ['proto-c'], frames: '1-2', chunkSize: 2 }, 'FAKE', ['proto-c']);
    const a = (await sync('proto-c', { tags: ['proto-c'] })).body.assignments[0];
    await sync('proto-c', { tags: ['proto-c'], free: 0, completed: [{ ...fenceOf(a), result: { ok: true, exitCode: 0 } }] });
    const d = (await api().req('GET', `/api/render/jobs/${job.id}`)).body;
    assert.equal(d.tasks[0].state, 'queued');
    assert.equal(d.counts.completed, 0);
    await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
  });
});

describe('render farm with fake renderer nodes', () => {
  test('two nodes render every frame once, with thumbnails, a preview and metered energy', async () => {
    const job = await submit({ frames: '1-20', chunkSize: 4, tags: ['full'] }, 'FAKE', ['full']);
    (await node('full-1', { tags: ['full'] })).start();
    (await node('full-2', { tags: ['full'] })).start();
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    assert.equal(done.framesDone, 20);
    assert.ok(done.hasPreview);
    const frames = (await api().req('GET', `/api/render/jobs/${job.id}/frames`)).body;
    assert.deepEqual(
      frames.items.map((f: { frame: number }) => f.frame),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.ok(frames.items.every((f: { hasThumb: boolean }) => f.hasThumb));
    const workers = new Set(done.tasks.filter((x: { kind: string }) => x.kind === 'chunk').map((x: { nodeId: string | null }) => x.nodeId));
    assert.ok(workers.size >= 1);
    const png = await fetch(`${t.url}/api/render/jobs/${job.id}/frames/7/file`, { headers: { cookie: studio } });
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const mp4 = await fetch(`${t.url}/api/render/jobs/${job.id}/preview`, { headers: { cookie: studio } });
    assert.equal(mp4.status, 200);
    assert.equal(mp4.headers.get('content-type'), 'video/mp4');
    const logs = (await api().req('GET', `/api/render/jobs/${job.id}/logs?index=0`)).body.items;
    assert.ok(logs.some((l: { text: string }) => /Saved:/.test(l.text)), 'renderer output is kept as the task log');
    const metered = await waitUntil('usage', async () => (await api().req('GET', `/api/render/jobs/${job.id}`)).body.usage);
    assert.ok(metered.energyKWh > 0);
    const compute = (await api().req('GET', '/api/jobs?limit=500')).body.items.find((j: { id: string }) => j.id === job.id);
    assert.equal(compute?.type, 'render', 'the render job is also a compute job of kind render');
    assert.equal(compute?.status, 'succeeded');
    const dir = farmOf(t).storage.jobDir(job.id);
    assert.equal(readdirSync(dir).filter((f) => /^f_\d+\.png$/.test(f)).length, 20);
  });

  test('a node that fails every task is blocklisted and the job completes on the other', async () => {
    const job = await submit({ frames: '1-24', chunkSize: 2, tags: ['bl'] }, 'FAKE', ['bl']);
    const bad = await node('bl-bad', { tags: ['bl'], runner: { env: { FAKE_RENDER_FAIL: '1' } } });
    bad.start();
    await waitUntil('bad node blocklisted', async () => {
      const d = (await api().req('GET', `/api/render/jobs/${job.id}`)).body;
      return d.blocklist.some((b: { nodeId: string }) => b.nodeId === bad.id);
    });
    (await node('bl-good', { tags: ['bl'] })).start();
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    assert.equal(done.framesDone, 24);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    const nodesList = (await op.req('GET', '/api/render/nodes?limit=1000')).body.items;
    assert.equal(nodesList.find((n: { id: string }) => n.id === bad.id)?.blocklistedIn.length, 0, 'the job is over: nothing left to block');
    assert.equal(bad.finished.filter((f) => !f.ok).length, 3);
  });

  test('a corrupt scene fails the job with the renderer message and frees the nodes', async () => {
    const job = await submit({ frames: '1-16', chunkSize: 4, tags: ['bad-scene'] }, 'CORRUPT not a blend file', ['bad-scene']);
    const bs = [await node('bs-1', { tags: ['bad-scene'] }), await node('bs-2', { tags: ['bad-scene'] })];
    bs.forEach((n) => n.start());
    const done = await settled(job.id);
    assert.equal(done.state, 'failed');
    assert.match(done.failureMessage, /Failed to read blend file/);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    await waitUntil('nodes idle', async () => {
      const list = (await op.req('GET', '/api/render/nodes?limit=1000')).body.items.filter((n: { id: string }) => bs.some((w) => w.id === n.id));
      return list.length === 2 && list.every((n: { current: unknown[] }) => n.current.length === 0);
    });
  });

  test('a node killed mid-chunk: the chunk finishes elsewhere, every frame once, none overwritten', async () => {
    const job = await submit({ frames: '1-6', chunkSize: 6, tags: ['kill'] }, 'FAKE', ['kill']);
    // Slow frames: the four left after the kill take the victim seconds, so the rescuer has them to finish.
    const victim = await node('kill-1', { tags: ['kill'], runner: { env: { FAKE_FRAME_MS: '800' } } });
    victim.start();
    const dir = farmOf(t).storage.jobDir(job.id);
    await waitUntil('two frames published', async () => (await api().req('GET', `/api/render/jobs/${job.id}`)).body.framesDone >= 2);
    await victim.stop({ kill: true });
    const before = new Map(
      readdirSync(dir)
        .filter((f) => f.startsWith('f_'))
        .map((f) => [f, statSync(join(dir, f)).ino]),
    );
    const rescuer = await node('kill-2', { tags: ['kill'] });
    rescuer.start();
    const done = await settled(job.id);
    assert.equal(done.state, 'completed');
    // At least one requeue (the kill); on a loaded machine a heartbeat that came later than the 1.5 s lease
    // requeues it once more, which is the lease doing its job.
    assert.ok(done.tasks[0].attempt >= 2, `attempt ${done.tasks[0].attempt}: the chunk was requeued after the kill`);
    assert.equal(done.tasks[0].nodeId, null);
    const frames = (await api().req('GET', `/api/render/jobs/${job.id}/frames`)).body.items;
    assert.deepEqual(
      frames.map((f: { frame: number }) => f.frame),
      [1, 2, 3, 4, 5, 6],
    );
    for (const [f, ino] of before) assert.equal(statSync(join(dir, f)).ino, ino, `${f} was replaced`);
    for (const f of frames) {
      const name = `f_${String(f.frame).padStart(4, '0')}.png`;
      assert.equal(f.nodeId, before.has(name) ? victim.id : rescuer.id, `frame ${f.frame} came from the node that published it first`);
    }
    assert.ok(frames.some((f: { nodeId: string }) => f.nodeId === rescuer.id), 'the rescuer finished frames the victim had not published');
  });
});

describe('render workers against hostile scenes', () => {
  test('a renderer naming a file outside its directory, or making a frame a link out of it, fails the chunk; the file is never read', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'shuzhi-render-secret-'));
    const secret = join(outside, 'secret.png');
    writeFileSync(secret, 'SERVER SECRET');
    const before = statSync(secret);
    const worker = await node('hostile', { tags: ['hostile'] });
    worker.start();
    for (const trick of ['ESCAPE', 'SYMLINK']) {
      const job = await submit({ frames: '1-2', chunkSize: 2, tags: ['hostile'] }, `${trick} ${secret}`, ['hostile']);
      const failure = await waitUntil(`the ${trick} chunk to fail`, async () => worker.finished.find((f) => f.taskId.startsWith(job.id) && !f.ok)?.failure);
      assert.equal(failure.code, 'output-outside-work-dir', failure.message);
      assert.match(failure.message, trick === 'ESCAPE' ? /outside the task directory/ : /symbolic link/);
      const frames = (await api().req('GET', `/api/render/jobs/${job.id}/frames`)).body.items as { frame: number }[];
      assert.ok(!frames.some((f) => f.frame === 1), 'the refused frame was not published');
      await api().req('POST', `/api/render/jobs/${job.id}/cancel`);
    }
    assert.equal(statSync(secret).atimeMs, before.atimeMs, 'never read');
    assert.equal(readFileSync(secret, 'utf8'), 'SERVER SECRET');
  });
});

describe('restart', () => {
  test('the dispatcher is rebuilt from the database', async () => {
    const dataDir = await migratedDataDir();
    let p = await startPlatform({ dataDir, leaseMs: 60_000 });
    const cookie = await login(p.url, 'tenant2');
    const rs1 = await enrollWorker(p.p, 'karamay', 'rs-1');
    const rs2 = await enrollWorker(p.p, 'karamay', 'rs-2');
    const up = await uploadScene(p.url, cookie, 'scene.blend', 'FAKE');
    const job = (await client(p.url, { cookie }).req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1-3', chunkSize: 1, renderer: 'blender' })).body;
    const a1 = (await workerSync(p.url, rs1.credential, rs1.id, { ...RENDER, slots: 2, free: 2 })).body.assignments;
    assert.equal(a1.length, 2);
    const put = await fetch(`${p.url}/api/workers/${rs1.id}/tasks/${a1[0].taskId}/frames/1?attempt=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${rs1.credential}` },
      body: Buffer.from('png'),
    });
    assert.equal(put.status, 200);
    await workerSync(p.url, rs1.credential, rs1.id, {
      ...RENDER,
      slots: 2,
      free: 0,
      completed: [{ ...fenceOf(a1[0]), result: { ok: true, exitCode: 0 } }],
      running: [fenceOf(a1[1])],
    });
    await farmOf(p).writer.flush();
    await p.close();
    p = await startPlatform({ dataDir, leaseMs: 60_000 });
    try {
      const d = (await client(p.url, { cookie: await login(p.url, 'tenant2') }).req('GET', `/api/render/jobs/${job.id}`)).body;
      assert.deepEqual(
        d.tasks.map((x: { state: string; attempt: number }) => [x.state, x.attempt]),
        [
          ['completed', 1],
          ['active', 1],
          ['queued', 0],
          ['queued', 0],
        ],
      );
      assert.equal(d.framesDone, 1);
      const beat = await workerSync(p.url, rs1.credential, rs1.id, { ...RENDER, slots: 2, free: 0, running: [fenceOf(a1[1])] });
      assert.equal(beat.status, 200, 'the lease held before the restart is still honoured');
      const next = (await workerSync(p.url, rs2.credential, rs2.id, RENDER)).body.assignments;
      assert.equal(next[0].index, 2);
    } finally {
      await p.close();
    }
  });
});
