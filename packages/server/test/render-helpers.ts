import { fileURLToPath } from 'node:url';
import { RenderRunner, type RenderRunnerOptions, type Worker } from '@shuzhi/agent';
import type { RenderFarm } from '../src/render/farm.ts';
import { enrolledWorker, type TestPlatform } from './helpers.ts';

/** The fake renderer of the unit tests (see the file's header); real renderers run in test/system. */
export const FAKE_RENDERER = fileURLToPath(new URL('./render-fake-renderer.mjs', import.meta.url));

export function farmOf(t: TestPlatform): RenderFarm {
  const m = t.p.modules.find((x) => x.name === 'render') as unknown as { farm: RenderFarm };
  return m.farm;
}

export interface RenderWorkerOptions {
  tags?: string[];
  slots?: number;
  /** Options of its render runner (renderer paths, env for the renderer, threads). */
  runner?: RenderRunnerOptions;
}

/** A render worker enrolled at karamay (the render site), not started, with its credential. */
export async function enrolledRenderWorker(t: Pick<TestPlatform, 'p' | 'url'>, name: string, opts: RenderWorkerOptions & { fake?: boolean } = {}) {
  const runner = opts.fake
    ? new RenderRunner({ renderers: ['blender'], blenderPath: FAKE_RENDERER, ffmpegPath: FAKE_RENDERER, ...opts.runner })
    : new RenderRunner({ threads: 1, ...opts.runner });
  return enrolledWorker(t, 'karamay', name, { tags: opts.tags ?? [], slots: opts.slots ?? 1, runners: [runner] });
}

/** A render worker whose blender and ffmpeg are the fake renderer (run through the sandbox like the real ones). */
export async function fakeNode(t: Pick<TestPlatform, 'p' | 'url'>, name: string, opts: RenderWorkerOptions = {}): Promise<Worker> {
  return (await enrolledRenderWorker(t, name, { ...opts, fake: true })).worker;
}

/** A render worker with the real blender, povray and ffmpeg on PATH. */
export async function realNode(t: Pick<TestPlatform, 'p' | 'url'>, name: string, opts: RenderWorkerOptions = {}): Promise<Worker> {
  return (await enrolledRenderWorker(t, name, opts)).worker;
}

export async function uploadScene(url: string, cookie: string, fileName: string, body: Buffer | string): Promise<{ uploadId: string; fileName: string }> {
  const res = await fetch(`${url}/api/render/uploads?fileName=${encodeURIComponent(fileName)}`, {
    method: 'POST',
    headers: { cookie, origin: url, 'content-type': 'application/octet-stream' },
    body: typeof body === 'string' ? Buffer.from(body) : body,
  });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { uploadId: string; fileName: string };
}
