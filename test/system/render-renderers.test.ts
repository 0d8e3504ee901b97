import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { RenderRunnerOptions, Worker } from '@shuzhi/agent';
import { imageLooksComplete } from '@shuzhi/render';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { farmOf, realNode, uploadScene } from '../../packages/server/test/render-helpers.ts';

/** Real Blender 3.4 (Cycles, CPU, denoising off), POV-Ray 3.7 and ffmpeg on the CC0 test scene. */
const DATA = fileURLToPath(new URL('../../../shared/data/render/', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let t: TestPlatform;
let studio: string;
const nodes: Worker[] = [];

before(async () => {
  t = await startPlatform({ leaseMs: 3000 });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop({ kill: true })));
  await t.close();
});

const api = () => client(t.url, { cookie: studio });
async function start(name: string, tags: string[], runner: RenderRunnerOptions = {}): Promise<Worker> {
  const n = await realNode(t, name, { tags, runner });
  nodes.push(n);
  n.start();
  return n;
}

async function submit(file: string, body: Record<string, unknown>) {
  const up = await uploadScene(t.url, studio, file, readFileSync(join(DATA, file)));
  return submitWith({ kind: 'upload', ...up }, body);
}
async function submitWith(scene: Record<string, unknown>, body: Record<string, unknown>) {
  const r = await api().req('POST', '/api/render/jobs', { scene, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
}

async function settled(id: string, timeoutMs = 120_000) {
  return waitUntil(
    `job ${id} to settle`,
    async () => {
      const r = await api().req('GET', `/api/render/jobs/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
    },
    timeoutMs,
  );
}

function framesOnDisk(jobId: string): string[] {
  return readdirSync(farmOf(t).storage.jobDir(jobId)).filter((f) => /^f_\d{4}\.png$/.test(f)).sort();
}

function checkOutputs(jobId: string, expected: number) {
  const dir = farmOf(t).storage.jobDir(jobId);
  const files = framesOnDisk(jobId);
  assert.deepEqual(
    files,
    Array.from({ length: expected }, (_, i) => `f_${String(i + 1).padStart(4, '0')}.png`),
  );
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, `${f} is a PNG`);
    assert.ok(imageLooksComplete(bytes, 'png'), `${f} is a whole PNG, IEND included (${bytes.length} bytes)`);
  }
  const thumbs = readdirSync(join(dir, 'thumbs'));
  assert.equal(thumbs.length, expected);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', join(dir, 'preview.mp4')], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim(), `h264,${expected}`);
}

describe('real renderers', { timeout: 600_000 }, () => {
  test('Blender: 48 frames in chunks of 8 on 2 nodes -> 48 PNGs, thumbnails and an mp4', async () => {
    const job = await submit('tiny_anim.blend', { frames: '1-48', chunkSize: 8, renderer: 'blender', tags: ['sys-blender'] });
    await start('sys-b1', ['sys-blender']);
    await start('sys-b2', ['sys-blender']);
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    assert.equal(done.counts.completed, 7);
    checkOutputs(job.id, 48);
    const nodeIds = new Set(done.tasks.map((x: { index: number }) => x.index));
    assert.equal(nodeIds.size, 7);
    const logs = (await api().req('GET', `/api/render/jobs/${job.id}/logs?index=0`)).body.items.map((l: { text: string }) => l.text).join('');
    assert.match(logs, /Fra:1 /, 'the task log is Blender\'s own output');
  });

  test('POV-Ray: 48 frames in chunks of 8 on 2 nodes -> 48 PNGs and an mp4', async () => {
    const job = await submit('tiny_anim.pov', { frames: '1-48', chunkSize: 8, renderer: 'povray', overrides: { resolutionX: 320, resolutionY: 180 }, tags: ['sys-pov'] });
    await start('sys-p1', ['sys-pov']);
    await start('sys-p2', ['sys-pov']);
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    checkOutputs(job.id, 48);
    const dir = farmOf(t).storage.jobDir(job.id);
    assert.notDeepEqual(readFileSync(join(dir, 'f_0001.png')), readFileSync(join(dir, 'f_0024.png')), 'the clock moves: frames differ');
  });

  test('Blender node killed mid-chunk: the chunk finishes elsewhere, no frame overwritten', async () => {
    const job = await submit('tiny_anim.blend', { frames: '1-16', chunkSize: 16, renderer: 'blender', overrides: { samples: 64 }, tags: ['sys-kill'] });
    const victim = await start('sys-k1', ['sys-kill']);
    await waitUntil('two frames from the first node', async () => (await api().req('GET', `/api/render/jobs/${job.id}`)).body.framesDone >= 2, 120_000);
    await victim.stop({ kill: true });
    const dir = farmOf(t).storage.jobDir(job.id);
    const before = new Map(framesOnDisk(job.id).map((f) => [f, statSync(join(dir, f)).ino]));
    assert.ok(before.size >= 2 && before.size < 16, `killed mid-chunk with ${before.size} frames done`);
    const rescuer = await start('sys-k2', ['sys-kill']);
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    assert.equal(framesOnDisk(job.id).length, 16);
    for (const [f, ino] of before) assert.equal(statSync(join(dir, f)).ino, ino, `${f} was replaced`);
    const fromRescuer = (await api().req('GET', `/api/render/jobs/${job.id}/frames`)).body.items.filter((f: { nodeId: string }) => f.nodeId === rescuer.id);
    assert.equal(fromRescuer.length, 16 - before.size, 'the second node rendered only the missing frames');
  });

  test('a node whose renderer always fails is blocklisted; the job completes on the other', async () => {
    const job = await submit('tiny_anim.pov', { frames: '1-12', chunkSize: 1, renderer: 'povray', overrides: { resolutionX: 160, resolutionY: 90 }, tags: ['sys-bl'] });
    // /bin/false stands in for a broken POV-Ray install on that node.
    const bad = await start('sys-bad', ['sys-bl'], { povrayPath: '/bin/false' });
    await waitUntil('bad node blocklisted', async () => {
      const d = (await api().req('GET', `/api/render/jobs/${job.id}`)).body;
      return d.blocklist.some((b: { nodeId: string }) => b.nodeId === bad.id);
    }, 60_000);
    await start('sys-good', ['sys-bl']);
    const done = await settled(job.id);
    assert.equal(done.state, 'completed', done.failureMessage);
    assert.equal(framesOnDisk(job.id).length, 12);
  });

  test('a corrupt .blend fails the job with Blender\'s message and frees the nodes', async () => {
    const up = await uploadScene(t.url, studio, 'broken.blend', Buffer.from('BLENDER-v300 this is not really a blend file'));
    const job = await submitWith({ kind: 'upload', ...up }, { frames: '1-16', chunkSize: 4, renderer: 'blender', tags: ['sys-corrupt'] });
    const corrupt = [await start('sys-c1', ['sys-corrupt']), await start('sys-c2', ['sys-corrupt'])];
    const done = await settled(job.id, 120_000);
    assert.equal(done.state, 'failed');
    assert.match(done.failureMessage, /blend|File format|read/i);
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    await waitUntil('nodes idle', async () => {
      const list = (await op.req('GET', '/api/render/nodes?limit=1000')).body.items.filter((n: { id: string }) => corrupt.some((w) => w.id === n.id));
      return list.length === 2 && list.every((n: { current: unknown[] }) => n.current.length === 0);
    });
  });
});
