import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RenderNode, type RenderNodeOptions } from '@shuzhi/agent';
import type { RenderFarm } from '../src/render/farm.ts';
import type { TestPlatform } from './helpers.ts';

/** The fake renderer of the unit tests (see the file's header); real renderers run in test/system. */
export const FAKE_RENDERER = fileURLToPath(new URL('./render-fake-renderer.mjs', import.meta.url));

export function farmOf(t: TestPlatform): RenderFarm {
  const m = t.p.modules.find((x) => x.name === 'render') as unknown as { farm: RenderFarm };
  return m.farm;
}

/** A render node whose blender/ffmpeg are the fake renderer. */
export function fakeNode(t: TestPlatform, token: string, id: string, extra: Partial<RenderNodeOptions> = {}): RenderNode {
  return new RenderNode({
    server: t.url,
    token,
    siteId: 'karamay',
    id,
    workDir: mkdtempSync(join(tmpdir(), `shuzhi-rnode-${id}-`)),
    waitMs: 2000,
    wrapCommand: (argv) => [process.execPath, FAKE_RENDERER, ...argv],
    log: process.env.RENDER_DEBUG ? (m) => console.error(id, m) : () => undefined,
    ...extra,
  });
}

/** A real render node (real blender/povray/ffmpeg on PATH). */
export function realNode(url: string, token: string, id: string, extra: Partial<RenderNodeOptions> = {}): RenderNode {
  return new RenderNode({
    server: url,
    token,
    siteId: 'karamay',
    id,
    workDir: mkdtempSync(join(tmpdir(), `shuzhi-rnode-${id}-`)),
    waitMs: 2000,
    threads: 1,
    log: process.env.RENDER_DEBUG ? (m) => console.error(id, m) : () => undefined,
    ...extra,
  });
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
