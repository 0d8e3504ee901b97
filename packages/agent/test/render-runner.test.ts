import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { imageLooksComplete } from '@shuzhi/render';
import { RenderRunner, Worker, sceneFileName, type RenderRunnerOptions } from '../src/index.ts';
import { CREDENTIAL, FAKE_RENDERER, FakeServer, directSandbox, renderWork, tempDir, viewSandbox, waitFor } from './helpers.ts';

let server: FakeServer;
let workers: Worker[] = [];
let outside: string;
let secret: string;
const SECRET = 'top secret: never uploaded\n';

before(async () => {
  outside = await tempDir('render-outside');
  secret = join(outside, 'secret.png');
  writeFileSync(secret, SECRET);
});
after(() => {
  assert.equal(readFileSync(secret, 'utf8'), SECRET, 'the outside file survived every test');
});
beforeEach(async () => {
  server = await new FakeServer().start();
  server.scenes.set('rjob_t', Buffer.from('FAKE BLEND'));
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop({ kill: true })));
  workers = [];
  await server.close();
});

async function renderWorker(opts: RenderRunnerOptions = {}, slots = 1, sandbox: ReturnType<typeof directSandbox> | ReturnType<typeof viewSandbox> = directSandbox()) {
  const workDir = await tempDir('render-worker');
  const w = new Worker({
    server: server.url,
    credential: CREDENTIAL,
    slots,
    workDir,
    runners: [new RenderRunner({ blenderPath: FAKE_RENDERER, ffmpegPath: FAKE_RENDERER, ...opts })],
    sandbox,
    waitMs: 1000,
    log: process.env.WORKER_DEBUG ? (m) => console.error(m) : () => undefined,
  });
  workers.push(w);
  w.start();
  return { w, sandbox, workDir };
}

const result = (taskId: string) => server.completed.find((c) => c.taskId === taskId)?.result;

describe('render runner', () => {
  test('renders a chunk through the sandbox: frames, thumbnails, progress, no network, scene read-only', async () => {
    const { w, sandbox, workDir } = await renderWorker();
    assert.deepEqual([...w.runners], ['blender', 'povray', 'ffmpeg']);
    server.offer(renderWork('rtask_1', { frames: '1-4', done: [2] }));
    await waitFor('reported', () => result('rtask_1'));
    assert.deepEqual(result('rtask_1'), { ok: true, exitCode: 0 });
    assert.deepEqual([...server.frames.get('rjob_t')!.keys()].sort(), [1, 3, 4], 'frame 2 was done already');
    assert.deepEqual([...server.thumbs.get('rjob_t')!].sort(), [1, 3, 4]);
    const blender = sandbox.spawned.filter((s) => s.argv.includes('-b'));
    assert.equal(blender.length, 1);
    const argv = blender[0]!.argv;
    assert.ok(argv.indexOf('--disable-autoexec') < argv.findIndex((a) => a.endsWith('scene.blend')));
    const scene = join(workDir, 'scenes', 'rjob_t', 'scene.blend');
    assert.equal(readFileSync(scene, 'utf8'), 'FAKE BLEND', 'scene cached per job in the work directory');
    for (const s of sandbox.spawned) {
      assert.equal(s.network, false, `${s.argv.join(' ')} has no network`);
      assert.ok(s.workDir.includes('/tasks/rtask_1-1'), 'in the attempt directory');
    }
    assert.ok(blender[0]!.readOnly?.includes(scene));
    assert.ok(blender[0]!.readOnly?.includes(FAKE_RENDERER));
    assert.ok(server.logs.some((l) => l.taskId === 'rtask_1' && /Saved:/.test(l.text)));
    const progress = server.syncs.flatMap((s) => s.running ?? []).filter((r) => r.taskId === 'rtask_1' && r.progress !== undefined);
    assert.ok(progress.every((p) => p.progress! >= 0 && p.progress! <= 1));
    await waitFor('attempt directory removed', () => readdirSync(join(workDir, 'tasks')).length === 0);
  });

  test('the scene is fetched once per job, for all its chunks', async () => {
    await renderWorker({}, 2);
    server.offer(renderWork('rtask_a', { frames: '1-2' }), renderWork('rtask_b', { frames: '3-4', index: 1 }), renderWork('rtask_c', { frames: '5-6', index: 2 }));
    await waitFor('three reported', () => server.completed.length === 3);
    assert.ok(server.completed.every((c) => c.result.ok), JSON.stringify(server.completed.map((c) => c.result)));
    assert.equal(server.taskCalls.filter((c) => c.path === 'scene').length, 1);
  });

  test('a Saved: path outside the attempt directory fails the chunk; the file is never read', async () => {
    server.scenes.set('rjob_t', Buffer.from(`ESCAPE ${secret}`));
    const before = statSync(secret);
    await renderWorker();
    server.offer(renderWork('rtask_esc', { frames: '1-3' }));
    await waitFor('reported', () => result('rtask_esc'));
    const r = result('rtask_esc')!;
    assert.equal(r.ok, false);
    assert.equal(r.failure?.code, 'output-outside-work-dir');
    assert.match(r.failure!.message, new RegExp(`refused output "${secret}": it lies outside the task directory`));
    assert.ok(!server.frames.get('rjob_t')?.has(1), 'nothing uploaded for the escaping frame');
    assert.ok(![...(server.frames.get('rjob_t')?.values() ?? [])].some((b) => b.toString() === SECRET));
    assert.equal(statSync(secret).atimeMs, before.atimeMs);
    assert.equal(readFileSync(secret, 'utf8'), SECRET);
  });

  test('a frame file that is a symbolic link out of the directory fails the chunk; the target is untouched', async () => {
    server.scenes.set('rjob_t', Buffer.from(`SYMLINK ${secret}`));
    const { workDir } = await renderWorker();
    server.offer(renderWork('rtask_link', { frames: '1-2' }));
    await waitFor('reported', () => result('rtask_link'));
    const r = result('rtask_link')!;
    assert.equal(r.failure?.code, 'output-outside-work-dir');
    assert.match(r.failure!.message, /symbolic link/);
    assert.ok(![...(server.frames.get('rjob_t')?.values() ?? [])].some((b) => b.toString() === SECRET));
    assert.equal(readFileSync(secret, 'utf8'), SECRET, 'not deleted or overwritten');
    await waitFor('attempt directory removed, the link with it', () => readdirSync(join(workDir, 'tasks')).length === 0);
    assert.ok(existsSync(secret));
  });

  test('a corrupt scene is a scene-load failure with the renderer message', async () => {
    server.scenes.set('rjob_t', Buffer.from('CORRUPT not a blend file'));
    await renderWorker();
    server.offer(renderWork('rtask_bad'));
    await waitFor('reported', () => result('rtask_bad'));
    assert.equal(result('rtask_bad')!.failure?.code, 'scene-load');
    assert.match(result('rtask_bad')!.failure!.message, /Failed to read blend file/);
  });

  test('a renderer error is a render-error; a renderer this worker lacks too', async () => {
    await renderWorker({ env: { FAKE_RENDER_FAIL: '1' }, renderers: ['blender'] });
    server.offer(renderWork('rtask_fail'), renderWork('rtask_pov', { renderer: 'povray', index: 1 }));
    await waitFor('reported', () => server.completed.length === 2, 15_000);
    assert.equal(result('rtask_fail')!.failure?.code, 'render-error');
    assert.match(result('rtask_fail')!.failure!.message, /fake render failure/);
    assert.match(result('rtask_pov')!.failure!.message, /no povray/);
  });

  test('POV-Ray: a frame is published once its file is written, not at its Render Time block', async () => {
    // The fake prints `Render Time:` and then writes the PNG 100 ms later, as the real POV-Ray 3.7 does
    // under CPU contention; read at that line, the file was empty (CI published a 0-byte frame).
    server.scenes.set('rjob_t', Buffer.from('#declare X = 1;'));
    await renderWorker({ povrayPath: FAKE_RENDERER, renderers: ['povray'] });
    server.offer(renderWork('rtask_pov3', { renderer: 'povray', frames: '1-3', scene: { kind: 'upload', uploadId: 'upl_p', fileName: 'scene.pov' } }));
    await waitFor('reported', () => result('rtask_pov3'));
    assert.deepEqual(result('rtask_pov3'), { ok: true, exitCode: 0 });
    const frames = server.frames.get('rjob_t')!;
    assert.deepEqual([...frames.keys()].sort(), [1, 2, 3]);
    for (const [f, bytes] of frames) assert.ok(imageLooksComplete(bytes, 'png'), `frame ${f} is a whole PNG (${bytes.length} bytes)`);
  });

  test('a frame file the renderer has not finished is never published: the chunk fails and can be retried', async () => {
    // A Blender-speaking fake that reports a frame saved while its file is still empty.
    server.scenes.set('rjob_t', Buffer.from('EMPTY'));
    await renderWorker();
    server.offer(renderWork('rtask_empty', { frames: '1-2' }));
    await waitFor('reported', () => result('rtask_empty'));
    const r = result('rtask_empty')!;
    assert.equal(r.failure?.code, 'render-error');
    assert.match(r.failure!.message, /frame 1: .* is not a whole PNG file \(0 bytes\)/);
    assert.ok(!server.frames.get('rjob_t')?.has(1), 'the empty frame was not uploaded');
  });

  test('a lost lease on upload stops the chunk and reports nothing', async () => {
    server.revokeUploads = true;
    const { w } = await renderWorker();
    server.offer(renderWork('rtask_lost', { frames: '1-20' }));
    await waitFor('upload refused', () => server.taskCalls.some((c) => c.method === 'PUT'));
    await waitFor('dropped', () => w.runningCount === 0);
    const m = server.syncs.length;
    await waitFor('a sync sent after the drop', () => server.syncs.length > m);
    const n = server.syncs.length;
    await waitFor('two more syncs', () => server.syncs.length >= n + 2);
    assert.equal(result('rtask_lost'), undefined);
    const reported = server.syncs.slice(n).flatMap((s) => [...(s.running ?? []), ...(s.completed ?? [])]);
    assert.deepEqual(reported.filter((r) => r.taskId === 'rtask_lost'), []);
  });

  test('a preview is made from the published frames and uploaded', async () => {
    const png = readFileSync(FAKE_RENDERER).subarray(0, 10);
    server.frames.set('rjob_t', new Map([1, 2, 3].map((f) => [f, png])));
    const { sandbox } = await renderWorker();
    server.offer(renderWork('rtask_prev', { part: 'preview', frames: '1-3', index: 3 }));
    await waitFor('reported', () => result('rtask_prev'));
    assert.deepEqual(result('rtask_prev'), { ok: true, exitCode: 0 });
    assert.ok(server.previews.has('rjob_t'));
    const ff = sandbox.spawned.find((s) => s.argv.includes('-pattern_type'))!;
    assert.equal(ff.network, false);
  });

  test('scene file names are reduced to safe characters and keep their extension', () => {
    const w = renderWork('x') as Extract<ReturnType<typeof renderWork>, { kind: 'render' }>;
    assert.equal(sceneFileName({ ...w, scene: { kind: 'upload', uploadId: 'u', fileName: '../../etc/passwd.blend' } }), 'passwd.blend');
    assert.equal(sceneFileName({ ...w, scene: { kind: 'upload', uploadId: 'u', fileName: '-rf .blend' } }), 'rf_.blend');
    assert.equal(sceneFileName({ ...w, scene: { kind: 'upload', uploadId: 'u', fileName: '.blend' } }), 'scene.blend');
    assert.equal(sceneFileName({ ...w, renderer: 'povray', scene: { kind: 'shared', path: '/farm/场景.pov' } }), '__.pov');
  });
});

describe('render runner: a sandbox that mounts the task directory elsewhere', () => {
  test('commands name the view path; printed view paths map back; host paths printed are refused', async () => {
    const view = join(await tempDir('view'), 'task');
    const sandbox = viewSandbox(view);
    const { workDir } = await renderWorker({}, 1, sandbox);
    server.frames.set('rjob_p', new Map([[1, Buffer.from('png')]]));
    server.offer(renderWork('rtask_v', { frames: '1-3' }));
    await waitFor('reported', () => result('rtask_v'));
    assert.deepEqual(result('rtask_v'), { ok: true, exitCode: 0 });
    assert.deepEqual([...server.frames.get('rjob_t')!.keys()].sort(), [1, 2, 3]);
    assert.deepEqual([...server.thumbs.get('rjob_t')!].sort(), [1, 2, 3]);
    const blender = sandbox.spawned.find((s) => s.argv.includes('-b'))!;
    assert.equal(blender.argv[blender.argv.indexOf('-o') + 1], `${view}/f_####`);
    assert.equal(blender.env.HOME, view);
    assert.ok(sandbox.spawned.filter((s) => s.argv.includes('-hide_banner')).every((s) => s.argv.at(-1)!.startsWith(`${view}/`)));
    server.offer(renderWork('rtask_vp', { part: 'preview', jobId: 'rjob_p', frames: '1', index: 9 }));
    await waitFor('preview reported', () => result('rtask_vp'));
    assert.deepEqual(result('rtask_vp'), { ok: true, exitCode: 0 });
    // The renderer names its file by the worker's path, not its own: not a path of its directory.
    server.scenes.set('rjob_h', Buffer.from(`ESCAPE ${join(workDir, 'tasks', 'rtask_h-1', 'f_0001.png')}`));
    server.offer(renderWork('rtask_h', { jobId: 'rjob_h', frames: '1' }));
    await waitFor('reported', () => result('rtask_h'));
    assert.equal(result('rtask_h')!.failure?.code, 'output-outside-work-dir');
  });
});

describe('render runner: shared scenes', () => {
  test('a shared scene is used in place only when reached without links and readable by task users; else fetched', async () => {
    const dir = await tempDir('shared');
    chmodSync(dir, 0o711);
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 's.blend'), 'FAKE SHARED');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const { sandbox } = await renderWorker();
    server.offer(renderWork('rtask_s1', { scene: { kind: 'shared', path: join(dir, 'real', 's.blend') }, frames: '1' }));
    await waitFor('reported', () => result('rtask_s1'));
    assert.ok(result('rtask_s1')!.ok);
    assert.ok(sandbox.spawned.some((s) => s.readOnly?.includes(join(dir, 'real', 's.blend'))), 'used in place');
    server.offer(renderWork('rtask_s2', { scene: { kind: 'shared', path: join(dir, 'link', 's.blend') }, frames: '2', jobId: 'rjob_t' }));
    await waitFor('reported', () => result('rtask_s2'));
    assert.ok(!sandbox.spawned.some((s) => s.readOnly?.includes(join(dir, 'link', 's.blend'))), 'a linked path is not exposed');
    assert.equal(server.taskCalls.filter((c) => c.path === 'scene').length, 1);
    // A file task users could not read (as a sandbox under a root worker binds it) is fetched too.
    writeFileSync(join(dir, 'real', 'private.blend'), 'FAKE PRIVATE', { mode: 0o600 });
    server.scenes.set('rjob_q', Buffer.from('FAKE'));
    server.offer(renderWork('rtask_s3', { scene: { kind: 'shared', path: join(dir, 'real', 'private.blend') }, frames: '3', jobId: 'rjob_q' }));
    await waitFor('reported', () => result('rtask_s3'));
    assert.ok(result('rtask_s3')!.ok);
    assert.ok(!sandbox.spawned.some((s) => s.readOnly?.includes(join(dir, 'real', 'private.blend'))));
    assert.equal(server.taskCalls.filter((c) => c.path === 'scene').length, 2);
  });

  test("a typed job's steps name the scene at steps.scene: the node runs them on its cached copy, read-only", async () => {
    const { sandbox, workDir } = await renderWorker();
    const planned = '/shuzhi-scene/main';
    server.offer(
      renderWork('rtask_typed', {
        frames: '1',
        renderer: undefined,
        steps: { type: 'bake', root: '/task', fetch: [], run: [{ step: 'bake', program: 'ffmpeg', argv: ['ffmpeg', '-hide_banner', '-i', planned, '-map', `${planned}.sidecar`, '/task/out/f_0001.png'] }], outputs: [{ file: '/task/out/f_0001.png', frame: 1 }], scene: planned },
      }),
    );
    await waitFor('reported', () => result('rtask_typed'));
    assert.deepEqual(result('rtask_typed'), { ok: true, exitCode: 0 });
    const scene = join(workDir, 'scenes', 'rjob_t', 'scene.blend');
    assert.equal(readFileSync(scene, 'utf8'), 'FAKE BLEND', 'fetched into the scene cache as for a scene job');
    const step = sandbox.spawned.find((x) => x.argv.includes('-i'))!;
    assert.deepEqual(step.argv.slice(2, 6), ['-i', scene, '-map', `${scene}.sidecar`], 'the planned path replaced inside each argument');
    assert.ok(step.readOnly?.includes(scene), 'the scene is readable in the sandbox');
    assert.deepEqual([...server.frames.get('rjob_t')!.keys()], [1]);
  });
});
