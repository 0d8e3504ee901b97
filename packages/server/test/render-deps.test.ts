import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, enrollWorker, login, startPlatform, workerSync, type TestPlatform } from './helpers.ts';
import { uploadScene } from './render-helpers.ts';

let t: TestPlatform;
let studio: string;
let worker: { id: string; credential: string };

before(async () => {
  t = await startPlatform({ leaseMs: 60_000 });
  studio = await login(t.url, 'tenant2');
  worker = await enrollWorker(t.p, 'karamay', 'deps-1');
});
after(async () => {
  await t.close();
});

const api = () => client(t.url, { cookie: studio });
const RENDER = { runners: ['blender', 'povray', 'ffmpeg'], slots: 1, free: 1, tags: ['deps'] };
const fenceOf = (a: { taskId: string; attempt: number }) => ({ kind: 'render', taskId: a.taskId, attempt: a.attempt });
const sync = (body: Record<string, unknown> = {}) => workerSync(t.url, worker.credential, worker.id, { ...RENDER, ...body });

async function submit(over: Record<string, unknown>) {
  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const r = await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, renderer: 'blender', chunkSize: 1, tags: ['deps'], ...over });
  return r;
}

/** Renders an assignment's frames (the bytes do not matter here) and reports it done. */
async function finish(a: { taskId: string; attempt: number; frames: string }) {
  for (const f of a.frames.split(',').flatMap((r) => (r.includes('-') ? [] : [r]))) {
    const put = await fetch(`${t.url}/api/workers/${worker.id}/tasks/${a.taskId}/frames/${f}?attempt=${a.attempt}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${worker.credential}` },
      body: Buffer.from('png'),
    });
    assert.equal(put.status, 200);
  }
  const r = await sync({ free: 1, completed: [{ ...fenceOf(a), result: { ok: true, exitCode: 0 } }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.assignments as { taskId: string; attempt: number; frames: string; jobId: string }[];
}

test('an upstream must be a job of the same tenant, and is named in the 400', async () => {
  const unknown = await submit({ frames: '1', after: [{ job: 'rjob_nope' }] });
  assert.equal(unknown.status, 400);
  assert.ok(JSON.stringify(unknown.body).includes('after.0.job'), JSON.stringify(unknown.body));
  const otherCookie = await login(t.url, 'tenant');
  const up = await uploadScene(t.url, otherCookie, 'scene.blend', 'FAKE');
  const theirs = (await client(t.url, { cookie: otherCookie }).req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, frames: '1', renderer: 'blender', tags: ['elsewhere'] })).body;
  const cross = await submit({ frames: '1', after: [{ job: theirs.id }] });
  assert.equal(cross.status, 400, "another studio's job is not ours to wait on (nor to learn about)");
  assert.ok(JSON.stringify(cross.body).includes('after.0.job'));
  await client(t.url, { cookie: otherCookie }).req('POST', `/api/render/jobs/${theirs.id}/cancel`);
});

test('frame on frame through the API: the composite frame goes out only after its input frame', async () => {
  const input = (await submit({ frames: '1-2' })).body;
  const comp = await submit({ frames: '1-2', priority: 90, after: [{ job: input.id, mode: 'frame' }] });
  assert.equal(comp.status, 201, JSON.stringify(comp.body));
  assert.deepEqual(comp.body.dependsOn, [{ job: input.id, mode: 'frame' }]);
  assert.deepEqual((await api().req('GET', `/api/render/jobs/${input.id}`)).body.dependants, [{ job: comp.body.id, mode: 'frame' }]);
  const first = (await sync()).body.assignments;
  assert.equal(first.length, 1);
  assert.equal(first[0].jobId, input.id, 'the composite outranks its input but waits for it');
  const next = await finish(first[0]);
  assert.equal(next.length, 1);
  assert.equal(next[0]!.jobId, comp.body.id);
  assert.equal(next[0]!.frames, '1');
  const then = await finish(next[0]!);
  assert.equal(then[0]?.jobId, input.id, "frame 2 of the composite still waits for the input's frame 2");
  await api().req('POST', `/api/render/jobs/${input.id}/cancel?dependants=cancel`);
  assert.equal((await api().req('GET', `/api/render/jobs/${comp.body.id}`)).body.state, 'cancelled');
  await sync({ free: 1, running: [] });
});

test("a dependant's leased task reads its upstream's published frames, and nothing else", async () => {
  const input = (await submit({ frames: '1-2', priority: 50 })).body;
  const stranger = (await submit({ frames: '1', priority: 0 })).body;
  const enc = (await submit({ frames: '1', priority: 90, after: [{ job: input.id, mode: 'frame' }] })).body;
  const first = (await sync()).body.assignments;
  assert.equal(first[0].jobId, input.id);
  const task = (await finish(first[0]))[0]!;
  assert.equal(task.jobId, enc.id);
  const read = (job: string, frame: number, attempt = task.attempt) =>
    fetch(`${t.url}/api/workers/${worker.id}/tasks/${task.taskId}/upstream/${job}/frames/${frame}?attempt=${attempt}`, { headers: { authorization: `Bearer ${worker.credential}` } });
  const ok = await read(input.id, 1);
  assert.equal(ok.status, 200);
  assert.equal(Buffer.from(await ok.arrayBuffer()).toString(), 'png', 'the bytes the upstream published');
  assert.equal((await read(input.id, 2)).status, 404, 'frame 2 of the upstream is not published yet');
  assert.equal((await read(stranger.id, 1)).status, 404, 'a job this one does not run after is not readable');
  assert.equal((await read(input.id, 1, task.attempt + 1)).status, 409, 'only the attempt that holds the lease');
  const anon = await fetch(`${t.url}/api/workers/${worker.id}/tasks/${task.taskId}/upstream/${input.id}/frames/1?attempt=${task.attempt}`);
  assert.equal(anon.status, 401);
  await api().req('POST', `/api/render/jobs/${input.id}/cancel?dependants=cancel`);
  await api().req('POST', `/api/render/jobs/${stranger.id}/cancel`);
  await sync({ free: 1, running: [] });
});

test('a cancelled upstream holds its dependant with the reason shown', async () => {
  const input = (await submit({ frames: '1', tags: ['deps-hold'] })).body;
  const enc = (await submit({ frames: '1', tags: ['deps-hold'], after: [{ job: input.id, mode: 'job' }] })).body;
  await api().req('POST', `/api/render/jobs/${input.id}/cancel`);
  const held = (await api().req('GET', `/api/render/jobs/${enc.id}`)).body;
  assert.equal(held.state, 'queued');
  assert.equal(held.heldReason, `upstream job ${input.id} cancelled`);
  await api().req('POST', `/api/render/jobs/${enc.id}/cancel`);
});

test('job types: four shipped; a studio uploads its own, validated, seen by no other tenant', async () => {
  const shipped = (await api().req('GET', '/api/render/job-types')).body as { name: string; origin: string; steps: unknown[] }[];
  assert.deepEqual(shipped.filter((x) => x.origin === 'shipped').map((x) => x.name), ['blender', 'composite', 'ffmpeg-encode', 'povray']);
  const doc = structuredClone(shipped.find((x) => x.name === 'ffmpeg-encode')!) as Record<string, any>;
  delete doc.origin;
  delete doc.tenantId;
  doc.name = 'studio-gif';
  doc.steps[0].args = ['-y', '-i', '{input:frames}/f_%04d.png', '-vf', 'palettegen', '{outputDir}/anim.mp4'];
  doc.steps[0].outputs = ['{outputDir}/anim.mp4'];
  const put = await api().req('POST', '/api/render/job-types', doc);
  assert.equal(put.status, 201, JSON.stringify(put.body));
  assert.ok((await api().req('GET', '/api/render/job-types')).body.some((x: { name: string }) => x.name === 'studio-gif'));
  const other = client(t.url, { cookie: await login(t.url, 'tenant') });
  assert.ok(!(await other.req('GET', '/api/render/job-types')).body.some((x: { name: string }) => x.name === 'studio-gif'));
  const bad: [Record<string, any>, string][] = [
    [{ ...doc, steps: [{ ...doc.steps[0], executable: 'sh' }] }, 'steps.0.executable'],
    [{ ...doc, steps: [{ ...doc.steps[0], args: ['{input:scene}'] }] }, 'steps.0.args.0'],
    [{ ...doc, name: 'blender' }, 'name'],
    // What a node could not run is refused on upload too, not only at the first submit.
    [{ ...doc, steps: [{ ...doc.steps[0], outputs: ['{outputDir}/anim.gif'] }] }, 'steps.0.outputs.0'],
    [{ ...doc, inputs: [{ name: 'a', kind: 'scene' }, { name: 'b', kind: 'scene' }], steps: [{ ...doc.steps[0], args: ['{input:a}', '{input:b}', '{outputDir}/anim.mp4'] }] }, 'inputs.1'],
  ];
  for (const [body, field] of bad) {
    const r = await api().req('POST', '/api/render/job-types', body);
    assert.equal(r.status, 400, field);
    assert.ok(JSON.stringify(r.body).includes(field), `${field}: ${JSON.stringify(r.body)}`);
  }
  const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
  assert.equal((await viewer.req('POST', '/api/render/job-types', doc)).status, 403);
});
