import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { RenderRunner, type TaskContext, type TaskRunner } from '@shuzhi/agent';
import type { RenderWork, WorkResult } from '@shuzhi/schema';
import { parseFrameRanges, iterateFrames } from '@shuzhi/render';
import { client, enrolledWorker, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { farmOf, uploadScene } from '../../packages/server/test/render-helpers.ts';

/**
 * Job types as data on a real node: the CC0 Blender scene and the POV-Ray scene, frames 1–4; a
 * composite of the two frame by frame (ffmpeg blend), then an ffmpeg encode of the composite — the
 * issue's render → composite → encode, with real Blender, POV-Ray and ffmpeg in the sandbox.
 */
const DATA = fileURLToPath(new URL('../../../shared/data/render/', import.meta.url));

let t: TestPlatform;
let studio: string;
const stops: (() => Promise<void>)[] = [];

before(async () => {
  t = await startPlatform({ leaseMs: 5000 });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  await Promise.all(stops.map((s) => s()));
  await t.close();
});

const api = () => client(t.url, { cookie: studio });

/** One sequence of events on the node, in the order they happened (no clock involved). */
const events: { what: 'start' | 'published'; jobId: string; frames: number[]; seq: number }[] = [];
let seq = 0;

/** The real render runner, noting when each task starts and when each frame reached the server. */
class Recording implements TaskRunner<RenderWork> {
  readonly kind = 'render' as const;
  readonly provides;
  constructor(private readonly inner: RenderRunner) {
    this.provides = inner.provides;
  }
  run(work: RenderWork, ctx: TaskContext): Promise<WorkResult> {
    events.push({ what: 'start', jobId: work.jobId, frames: work.part === 'chunk' ? [...iterateFrames(parseFrameRanges(work.frames))] : [], seq: seq++ });
    const real = ctx.api;
    const api = new Proxy(real, {
      get(target, prop) {
        if (prop === 'putFrame') {
          return async (frame: number, body: Uint8Array) => {
            const r = await target.putFrame(frame, body);
            events.push({ what: 'published', jobId: work.jobId, frames: [frame], seq: seq++ });
            return r;
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return this.inner.run(work, Object.create(ctx, { api: { value: api } }) as TaskContext);
  }
}

async function submit(body: Record<string, unknown>): Promise<{ id: string; type: string }> {
  const r = await api().req('POST', '/api/render/jobs', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function scene(file: string) {
  return { kind: 'upload', ...(await uploadScene(t.url, studio, file, readFileSync(join(DATA, file)))) };
}

async function settled(id: string) {
  try {
    return await waitUntil(
      `job ${id} to settle`,
      async () => {
        const r = await api().req('GET', `/api/render/jobs/${id}`);
        return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
      },
      480_000,
    );
  } catch (err) {
    // What the job was doing when time ran out, for whoever reads the failure.
    const detail = (await api().req('GET', `/api/render/jobs/${id}`)).body;
    const logs = (await api().req('GET', `/api/render/jobs/${id}/logs`)).body;
    throw new Error(`${(err as Error).message}: ${JSON.stringify({ state: detail.state, counts: detail.counts, tasks: detail.tasks, logs }).slice(0, 4000)}`);
  }
}

function probe(file: string, entries: string): string {
  const p = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'csv=p=0', file], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  return p.stdout.trim();
}

test('typed jobs are refused with the field named', async () => {
  const noUpstream = await api().req('POST', '/api/render/jobs', { type: 'composite', frames: '1-4' });
  assert.equal(noUpstream.status, 400);
  assert.ok(JSON.stringify(noUpstream.body).includes('after'), JSON.stringify(noUpstream.body));
  const unknown = await api().req('POST', '/api/render/jobs', { type: 'no-such-type', frames: '1-4' });
  assert.equal(unknown.status, 400);
  assert.ok(JSON.stringify(unknown.body).includes('"type"'), JSON.stringify(unknown.body));
  const up = await submit({ scene: await scene('tiny_anim.blend'), frames: '1', renderer: 'blender', tags: ['sys-types-refused'] });
  const badParam = await api().req('POST', '/api/render/jobs', { type: 'ffmpeg-encode', after: [{ job: up.id }], params: { fps: 500 } });
  assert.equal(badParam.status, 400);
  assert.ok(JSON.stringify(badParam.body).includes('params.fps'), JSON.stringify(badParam.body));
  const scenePlus = await api().req('POST', '/api/render/jobs', { type: 'ffmpeg-encode', after: [{ job: up.id }], scene: await scene('tiny_anim.blend') });
  assert.equal(scenePlus.status, 400);
  assert.ok(JSON.stringify(scenePlus.body).includes('scene'), JSON.stringify(scenePlus.body));
  await api().req('POST', `/api/render/jobs/${up.id}/cancel`, {});
});

test('render → composite → encode on a real node: every downstream task starts after the frames it reads', { timeout: 600_000 }, async () => {
  const tags = ['sys-types'];
  const blender = await submit({ scene: await scene('tiny_anim.blend'), frames: '1-4', chunkSize: 1, renderer: 'blender', tags });
  const povray = await submit({ scene: await scene('tiny_anim.pov'), frames: '1-4', chunkSize: 1, type: 'povray', params: { width: 320, height: 180 }, tags });
  // Higher priority than the renders: were a dependency not honoured, their tasks would go out first.
  const composite = await submit({ type: 'composite', after: [{ job: blender.id }, { job: povray.id }], params: { mode: 'screen' }, priority: 90, tags });
  const encode = await submit({ type: 'ffmpeg-encode', after: [{ job: composite.id }], params: { fps: 12 }, priority: 95, tags });
  assert.equal(composite.type, 'composite');
  assert.equal(encode.type, 'ffmpeg-encode');
  const { worker } = await enrolledWorker(t, 'karamay', 'sys-types-1', { tags, slots: 2, runners: [new Recording(new RenderRunner({ threads: 1 }))] });
  stops.push(() => worker.stop({ kill: true }));
  worker.start();
  for (const j of [blender, povray, composite, encode]) {
    const s = await settled(j.id);
    assert.equal(s.state, 'completed', `${j.type}: ${s.failureMessage}`);
  }

  const farm = farmOf(t);
  const frames = ['f_0001.png', 'f_0002.png', 'f_0003.png', 'f_0004.png'];
  const compDir = farm.storage.jobDir(composite.id);
  assert.deepEqual(readdirSync(compDir).filter((f) => /^f_\d{4}\.png$/.test(f)).sort(), frames);
  for (const f of frames) assert.equal(probe(join(compDir, f), 'stream=width,height'), '320,180', f);
  // The encode's one task made the job's video: 4 frames of 320x180 H.264.
  assert.equal(probe(farm.storage.previewPath(encode.id), 'stream=codec_name,width,height,nb_read_frames'), 'h264,320,180,4');

  const published = (jobId: string, frame: number) => events.find((e) => e.what === 'published' && e.jobId === jobId && e.frames[0] === frame)?.seq;
  const starts = (jobId: string) => events.filter((e) => e.what === 'start' && e.jobId === jobId && e.frames.length);
  assert.equal(starts(composite.id).length, 4, 'one composite task per frame');
  for (const s of starts(composite.id)) {
    const f = s.frames[0]!;
    for (const up of [blender.id, povray.id]) {
      const at = published(up, f);
      assert.ok(at !== undefined && at < s.seq, `composite frame ${f} started after ${up} published frame ${f}`);
    }
  }
  const [enc] = starts(encode.id);
  assert.deepEqual(enc?.frames, [1, 2, 3, 4]);
  for (const f of [1, 2, 3, 4]) {
    const at = published(composite.id, f);
    assert.ok(at !== undefined && at < enc!.seq, `the encode started after composite frame ${f}`);
  }
});
