import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { client, enrollWorker, login, startPlatform, workerSync, type TestPlatform } from './helpers.ts';
import { uploadScene } from './render-helpers.ts';

let t: TestPlatform;
let studio: string;
let full: { id: string; credential: string };
let blenderOnly: { id: string; credential: string };

before(async () => {
  t = await startPlatform({ leaseMs: 60_000 });
  studio = await login(t.url, 'tenant2');
  full = await enrollWorker(t.p, 'karamay', 'types-full');
  blenderOnly = await enrollWorker(t.p, 'karamay', 'types-blender');
});
after(async () => {
  await t.close();
});

const api = () => client(t.url, { cookie: studio });
const BASE = { slots: 1, free: 1, tags: ['types'], waitMs: 0 };
const fenceOf = (a: { taskId: string; attempt: number }) => ({ kind: 'render', taskId: a.taskId, attempt: a.attempt });
const syncAs = (w: { id: string; credential: string }, runners: string[], body: Record<string, unknown> = {}) => workerSync(t.url, w.credential, w.id, { ...BASE, runners, ...body });

const frameList = (frames: string) => frames.split(',').flatMap((r) => {
  const [a, b = a] = r.split('-').map(Number);
  return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
});

/** Runs (as a fake node) whatever the node is handed until it is a task of `jobId`, and returns that one. */
async function driveTo(w: { id: string; credential: string }, runners: string[], jobId: string) {
  for (let i = 0; i < 20; i++) {
    const [a] = (await syncAs(w, runners)).body.assignments;
    assert.ok(a, `no work handed out before a task of ${jobId}`);
    if (a.jobId === jobId) return a;
    if (a.part === 'preview') {
      const put = await fetch(`${t.url}/api/workers/${w.id}/tasks/${a.taskId}/preview?attempt=${a.attempt}`, { method: 'PUT', headers: { authorization: `Bearer ${w.credential}` }, body: Buffer.from('mp4') });
      assert.equal(put.status, 200);
      await publishAndFinish(w, runners, a, []);
    } else await publishAndFinish(w, runners, a, frameList(a.frames));
  }
  throw new Error(`no task of ${jobId}`);
}

async function publishAndFinish(w: { id: string; credential: string }, runners: string[], a: { taskId: string; attempt: number }, frames: number[]) {
  for (const f of frames) {
    const put = await fetch(`${t.url}/api/workers/${w.id}/tasks/${a.taskId}/frames/${f}?attempt=${a.attempt}`, { method: 'PUT', headers: { authorization: `Bearer ${w.credential}` }, body: Buffer.from('png') });
    assert.equal(put.status, 200);
  }
  const r = await syncAs(w, runners, { free: 0, completed: [{ ...fenceOf(a), result: { ok: true, exitCode: 0 } }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

test('a composite goes only to a node with ffmpeg, as argv steps over the upstream frames it reads', async () => {
  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const input = (await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, renderer: 'blender', frames: '1-2', chunkSize: 2, tags: ['types'] })).body;
  const second = (await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, type: 'blender', params: { samples: 4 }, frames: '1-2', chunkSize: 2, tags: ['types'] })).body;
  const comp = await api().req('POST', '/api/render/jobs', { type: 'composite', after: [{ job: input.id }, { job: second.id }], params: { mode: 'multiply' }, priority: 90, tags: ['types'] });
  assert.equal(comp.status, 201, JSON.stringify(comp.body));
  assert.equal(comp.body.type, 'composite');
  assert.equal(comp.body.renderer, null);
  assert.equal(comp.body.frames, '1-2', "the first upstream's frames");
  for (const j of [input, second]) {
    const a = await driveTo(full, ['blender', 'ffmpeg'], j.id);
    if (j === second) assert.equal(a.overrides.samples, 4, 'a scene type takes its parameters as the renderer overrides');
    await publishAndFinish(full, ['blender', 'ffmpeg'], a, [1, 2]);
  }
  // A node without ffmpeg may take what is left of the renders, never the composite.
  const other = (await syncAs(blenderOnly, ['blender', 'povray'], { free: 4, slots: 4 })).body.assignments;
  assert.ok(other.every((a: { jobId: string }) => a.jobId !== comp.body.id), JSON.stringify(other.map((a: { jobId: string }) => a.jobId)));
  const c = await driveTo(full, ['blender', 'ffmpeg'], comp.body.id);
  assert.equal(c.renderer, undefined);
  assert.equal(c.steps.type, 'composite');
  assert.deepEqual(c.steps.fetch.map((f: { input: string; jobId: string; file: string }) => `${f.input}:${f.jobId}/${f.file}`), [`background:${input.id}/f_0001.png`, `foreground:${second.id}/f_0001.png`]);
  assert.equal(c.steps.run.length, 1);
  assert.equal(c.steps.run[0].program, 'ffmpeg');
  assert.ok(c.steps.run[0].argv.includes('[1:v][0:v]scale2ref[fg][bg];[bg][fg]blend=all_mode=multiply'));
  assert.deepEqual(c.steps.outputs, [{ file: '/task/out/f_0001.png', frame: 1 }]);
  const got = await fetch(`${t.url}/api/workers/${full.id}/tasks/${c.taskId}/upstream/${second.id}/frames/1?attempt=${c.attempt}`, { headers: { authorization: `Bearer ${full.credential}` } });
  assert.equal(got.status, 200);
  await api().req('POST', `/api/render/jobs/${input.id}/cancel?dependants=cancel`);
  await api().req('POST', `/api/render/jobs/${second.id}/cancel?dependants=cancel`);
  await syncAs(full, ['blender', 'ffmpeg'], { free: 0 });
});

test("a studio's own type runs as data; an encode's one task makes the job video", async () => {
  const own = {
    name: 'grade',
    title: { en: 'Grade', zh: '调色' },
    parameters: [{ name: 'gamma', type: 'enum', values: ['0.8', '1.2'], default: '1.2' }],
    inputs: [{ name: 'frames', kind: 'frames' }],
    steps: [{ name: 'grade', executable: 'ffmpeg', args: ['-y', '-i', '{input:frames}/f_{framePadded}.png', '-vf', 'eq=gamma={param:gamma}', '{outputDir}/f_{framePadded}.png'], chunking: { kind: 'frames', framesPerChunk: 1 }, outputs: ['{outputDir}/f_{framePadded}.png'] }],
  };
  assert.equal((await api().req('POST', '/api/render/job-types', own)).status, 201);
  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const input = (await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, renderer: 'blender', frames: '5', tags: ['types'] })).body;
  const bad = await api().req('POST', '/api/render/jobs', { type: 'grade', after: [{ job: input.id }], params: { gamma: '3' }, tags: ['types'] });
  assert.equal(bad.status, 400);
  assert.ok(JSON.stringify(bad.body).includes('params.gamma'), JSON.stringify(bad.body));
  const graded = await api().req('POST', '/api/render/jobs', { type: 'grade', after: [{ job: input.id }], params: { gamma: '0.8' }, tags: ['types'] });
  assert.equal(graded.status, 201, JSON.stringify(graded.body));
  const enc = await api().req('POST', '/api/render/jobs', { type: 'ffmpeg-encode', after: [{ job: graded.body.id }], tags: ['types'] });
  assert.equal(enc.status, 201, JSON.stringify(enc.body));
  assert.equal(enc.body.taskCount, 2, 'one encode task and the preview');
  const g = await driveTo(full, ['blender', 'ffmpeg'], graded.body.id);
  assert.equal(g.steps.type, 'grade');
  assert.ok(g.steps.run[0].argv.includes('eq=gamma=0.8'));
  await publishAndFinish(full, ['blender', 'ffmpeg'], g, [5]);
  const e = await driveTo(full, ['blender', 'ffmpeg'], enc.body.id);
  assert.equal(e.part, 'chunk');
  assert.deepEqual(e.steps.outputs, [{ file: '/task/out/video.mp4', frame: null }]);
  // Success without the video is not success.
  await syncAs(full, ['blender', 'ffmpeg'], { free: 0, completed: [{ ...fenceOf(e), result: { ok: true, exitCode: 0 } }] });
  const task = (await api().req('GET', `/api/render/jobs/${enc.body.id}`)).body.tasks[0];
  assert.notEqual(task.state, 'completed');
  await api().req('POST', `/api/render/jobs/${input.id}/cancel?dependants=cancel`);
});

test("a studio's type with a scene input: validated on upload and at submit, its steps run on the job's scene", async () => {
  const bake = {
    name: 'bake',
    title: { en: 'Bake onto plates', zh: '烘焙到底片' },
    inputs: [
      { name: 'scene', kind: 'scene', extensions: ['.blend'] },
      { name: 'plates', kind: 'frames' },
    ],
    steps: [{ name: 'bake', executable: 'blender', args: ['-b', '{input:scene}', '--', '{input:plates}/f_{framePadded}.png', '{outputDir}/f_{framePadded}.png'], chunking: { kind: 'frames', framesPerChunk: 1 }, outputs: ['{outputDir}/f_{framePadded}.png'] }],
  };
  const twoScenes = await api().req('POST', '/api/render/job-types', { ...bake, inputs: [...bake.inputs, { name: 'extra', kind: 'scene' }] });
  assert.equal(twoScenes.status, 400);
  assert.deepEqual(twoScenes.body.errors.map((e: { path: string }) => e.path), ['inputs.2'], JSON.stringify(twoScenes.body));
  assert.equal((await api().req('POST', '/api/render/job-types', bake)).status, 201);

  const up = await uploadScene(t.url, studio, 'scene.blend', 'FAKE BLEND');
  const plates = (await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, renderer: 'blender', frames: '7', tags: ['types'] })).body;
  const noScene = await api().req('POST', '/api/render/jobs', { type: 'bake', after: [{ job: plates.id }], tags: ['types'] });
  assert.equal(noScene.status, 400);
  assert.ok(noScene.body.errors.some((e: { path: string }) => e.path === 'scene'), JSON.stringify(noScene.body));
  const pov = await uploadScene(t.url, studio, 'scene.pov', 'FAKE POV');
  const wrongEnding = await api().req('POST', '/api/render/jobs', { type: 'bake', scene: { kind: 'upload', ...pov }, after: [{ job: plates.id }], tags: ['types'] });
  assert.equal(wrongEnding.status, 400);
  assert.ok(wrongEnding.body.errors.some((e: { path: string; message: string }) => e.path === 'scene' && /\.blend/.test(e.message)), JSON.stringify(wrongEnding.body));

  const baked = await api().req('POST', '/api/render/jobs', { type: 'bake', scene: { kind: 'upload', ...up }, after: [{ job: plates.id }], priority: 90, tags: ['types'] });
  assert.equal(baked.status, 201, JSON.stringify(baked.body));
  assert.equal(baked.body.frames, '7');
  const p = await driveTo(full, ['blender', 'ffmpeg'], plates.id);
  await publishAndFinish(full, ['blender', 'ffmpeg'], p, [7]);
  const b = await driveTo(full, ['blender', 'ffmpeg'], baked.body.id);
  assert.equal(b.renderer, undefined);
  assert.deepEqual(b.scene, { kind: 'upload', uploadId: up.uploadId, fileName: up.fileName });
  assert.equal(b.steps.scene, '/shuzhi-scene/main');
  assert.deepEqual(b.steps.run[0].argv, ['blender', '-b', '/shuzhi-scene/main', '--', '/task/in/plates/f_0007.png', '/task/out/f_0007.png']);
  assert.deepEqual(b.steps.fetch.map((f: { input: string; jobId: string }) => `${f.input}:${f.jobId}`), [`plates:${plates.id}`]);
  const scene = await fetch(`${t.url}/api/workers/${full.id}/tasks/${b.taskId}/scene?attempt=${b.attempt}`, { headers: { authorization: `Bearer ${full.credential}` } });
  assert.equal(scene.status, 200);
  assert.equal(await scene.text(), 'FAKE BLEND', 'the node fetches the job scene as for a scene job');
  await api().req('POST', `/api/render/jobs/${plates.id}/cancel?dependants=cancel`);
  await syncAs(full, ['blender', 'ffmpeg'], { free: 0 });
});
