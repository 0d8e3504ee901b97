import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Worker } from '@shuzhi/agent';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { farmOf, realNode, uploadScene } from '../../packages/server/test/render-helpers.ts';

/** Real Blender and POV-Ray on the CC0 test scene, the second job frame by frame after the first. */
const DATA = fileURLToPath(new URL('../../../shared/data/render/', import.meta.url));

let t: TestPlatform;
let studio: string;
const nodes: Worker[] = [];

before(async () => {
  t = await startPlatform({ leaseMs: 5000 });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop({ kill: true })));
  await t.close();
});

const api = () => client(t.url, { cookie: studio });

async function submit(file: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const up = await uploadScene(t.url, studio, file, readFileSync(join(DATA, file)));
  const r = await api().req('POST', '/api/render/jobs', { scene: { kind: 'upload', ...up }, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const settled = (id: string) =>
  waitUntil(
    `job ${id} to settle`,
    async () => {
      const r = await api().req('GET', `/api/render/jobs/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
    },
    480_000,
  );

function videoFrames(jobId: string): string {
  const mp4 = join(farmOf(t).storage.jobDir(jobId), 'preview.mp4');
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', mp4], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  return probe.stdout.trim();
}

test('Blender renders 4 frames; a POV-Ray job after it frame by frame renders frame n only after frame n exists', { timeout: 600_000 }, async () => {
  const render = await submit('tiny_anim.blend', { frames: '1-4', chunkSize: 1, renderer: 'blender', tags: ['sys-deps'] });
  const second = await submit('tiny_anim.pov', {
    frames: '1-4',
    chunkSize: 1,
    renderer: 'povray',
    overrides: { resolutionX: 160, resolutionY: 90 },
    // Higher priority: were the dependency not honoured, its frames would go out first.
    priority: 90,
    tags: ['sys-deps'],
    after: [{ job: render.id, mode: 'frame' }],
  });
  const n = await realNode(t, 'sys-deps-1', { tags: ['sys-deps'], slots: 2 });
  nodes.push(n);
  n.start();
  const [a, b] = [await settled(render.id), await settled(second.id)];
  assert.equal(a.state, 'completed', a.failureMessage);
  assert.equal(b.state, 'completed', b.failureMessage);
  assert.deepEqual(b.dependsOn, [{ job: render.id, mode: 'frame' }]);
  const dirA = farmOf(t).storage.jobDir(render.id);
  const dirB = farmOf(t).storage.jobDir(second.id);
  const files = ['f_0001.png', 'f_0002.png', 'f_0003.png', 'f_0004.png'];
  assert.deepEqual(readdirSync(dirA).filter((f) => /^f_\d{4}\.png$/.test(f)).sort(), files);
  assert.deepEqual(readdirSync(dirB).filter((f) => /^f_\d{4}\.png$/.test(f)).sort(), files);
  for (const f of files) {
    // A frame file is published when its renderer finished it; the dependant's frame n was rendered
    // (so published) only after the upstream's frame n was.
    assert.ok(statSync(join(dirB, f)).mtimeMs >= statSync(join(dirA, f)).mtimeMs, `${f}: the POV-Ray frame came after the Blender frame`);
  }
  assert.equal(videoFrames(render.id), 'h264,4');
  assert.equal(videoFrames(second.id), 'h264,4');
});
