import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { RenderJobSubmit } from '@shuzhi/schema';
import { type ApiClient, ok } from './api-client.ts';
import { UsageError } from './args.ts';

export interface LocalFile {
  path: string;
  abs: string;
  sha256: string;
  size: number;
}

async function sha256Of(abs: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The files of a scene folder (hidden files and folders left out) or one scene file, hashed. */
export async function sceneFiles(scene: string): Promise<{ root: string; files: LocalFile[] }> {
  const st = await stat(scene).catch(() => null);
  if (!st) throw new UsageError(`no file or folder ${scene}`);
  if (st.isFile()) return { root: join(scene, '..'), files: [{ path: basename(scene), abs: scene, sha256: await sha256Of(scene), size: st.size }] };
  const files: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) files.push({ path: relative(scene, abs).split(sep).join('/'), abs, sha256: await sha256Of(abs), size: (await stat(abs)).size });
    }
  };
  await walk(scene);
  if (!files.length) throw new UsageError(`${scene} has no files`);
  return { root: scene, files };
}

/** The file to render: --main, else the one .blend or .pov at the folder's top. */
export function mainFile(files: readonly LocalFile[], main: string | undefined): string {
  if (main !== undefined) {
    if (!files.some((f) => f.path === main)) throw new UsageError(`--main ${main} is not a file of the scene folder`);
    return main;
  }
  const top = files.filter((f) => !f.path.includes('/') && /\.(blend|pov)$/i.test(f.path));
  if (top.length !== 1) throw new UsageError(`name the file to render with --main (the folder's top has ${top.length} .blend/.pov files)`);
  return top[0]!.path;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/**
 * Sends the manifest, then only the blobs the farm lacks for this tenant; returns the job's scene and
 * a line saying how much was already there (`3 of 5 files already on the farm, uploaded 2 (12 MB)`).
 */
export async function uploadScene(api: ApiClient, scene: string, opts: { main?: string | undefined; tenant?: string | undefined }): Promise<{ ref: RenderJobSubmit['scene']; line: string }> {
  const { files } = await sceneFiles(scene);
  const main = mainFile(files, opts.main);
  const tenantQuery = opts.tenant ? { tenantId: opts.tenant } : {};
  const answer = await ok(api.http.POST('/api/render/manifests', { body: { files: files.map(({ path, sha256, size }) => ({ path, sha256, size })), ...tenantQuery } }));
  const lacking = new Set(answer.missing);
  let bytes = 0;
  for (const sha of lacking) {
    const f = files.find((x) => x.sha256 === sha)!;
    await ok(
      api.http.PUT('/api/render/blobs/{sha256}', {
        params: { path: { sha256: sha }, query: tenantQuery },
        headers: { 'content-type': 'application/octet-stream' },
        body: await readFile(f.abs),
        bodySerializer: (b) => b as Buffer<ArrayBuffer>,
      }),
    );
    bytes += f.size;
  }
  const sent = files.filter((f) => lacking.has(f.sha256));
  const line = `${files.length - sent.length} of ${files.length} files already on the farm, uploaded ${sent.length} (${mb(bytes)})`;
  return { ref: { kind: 'manifest', manifest: answer.manifest, main }, line };
}
