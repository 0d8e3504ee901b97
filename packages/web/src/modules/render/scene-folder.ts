import type { RenderManifestAnswer, RenderSceneRef } from '@shuzhi/schema';

/** One file of a scene folder the browser handed over, with its path inside the folder. */
export interface FolderFile {
  path: string;
  size: number;
  blob: Blob;
}

/**
 * Browsers hash with `crypto.subtle.digest`, which takes the whole file at once; past this size the
 * tab would hold gigabytes, so such a folder is sent with the CLI, which streams.
 */
export const BROWSER_HASH_MAX_BYTES = 1024 * 1024 * 1024;

export type FolderProblem = { code: 'empty' } | { code: 'tooLarge'; path: string; size: number };

/**
 * The files of a folder picked with `<input webkitdirectory>`: each file's `webkitRelativePath` starts with
 * the folder's own name ("shot_010/tex/wood.png"), which is not part of the scene. Hidden files and
 * folders are left out, as the CLI leaves them out, so both send the same manifest for the same folder.
 */
export function folderFiles(list: readonly File[]): { ok: true; files: FolderFile[] } | { ok: false; problem: FolderProblem } {
  const files: FolderFile[] = [];
  for (const f of list) {
    const rel = (f.webkitRelativePath || f.name).split('/');
    const inside = rel.length > 1 ? rel.slice(1) : rel;
    if (inside.some((part) => part.startsWith('.') || part === '')) continue;
    if (f.size > BROWSER_HASH_MAX_BYTES) return { ok: false, problem: { code: 'tooLarge', path: inside.join('/'), size: f.size } };
    files.push({ path: inside.join('/'), size: f.size, blob: f });
  }
  if (files.length === 0) return { ok: false, problem: { code: 'empty' } };
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, files };
}

/** The files that can be rendered: a scene at the folder's top with one of the type's extensions. */
export function mainCandidates(files: readonly FolderFile[], extensions: readonly string[]): string[] {
  const exts = extensions.map((e) => e.toLowerCase());
  return files.filter((f) => !f.path.includes('/') && (exts.length === 0 || exts.some((e) => f.path.toLowerCase().endsWith(e)))).map((f) => f.path);
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface FolderTransport {
  manifest(files: { path: string; sha256: string; size: number }[]): Promise<RenderManifestAnswer>;
  putBlob(sha256: string, blob: Blob): Promise<unknown>;
}

export type FolderProgress = { phase: 'hashing'; done: number; total: number } | { phase: 'uploading'; done: number; total: number; bytes: number; totalBytes: number };

export interface FolderSent {
  scene: Extract<RenderSceneRef, { kind: 'manifest' }>;
  files: number;
  /** Files the farm already held for this studio, so not sent again. */
  alreadyThere: number;
  uploaded: number;
  uploadedBytes: number;
}

/**
 * Hashes every file, sends the manifest, then uploads only the blobs the farm lacks for this studio
 * (each once, even when several paths share it) — the browser's side of what `shuzhi render submit
 * FOLDER` does.
 */
export async function sendFolder(files: readonly FolderFile[], main: string, transport: FolderTransport, onProgress: (p: FolderProgress) => void = () => {}): Promise<FolderSent> {
  const hashed: { path: string; sha256: string; size: number; blob: Blob }[] = [];
  for (const f of files) {
    onProgress({ phase: 'hashing', done: hashed.length, total: files.length });
    hashed.push({ path: f.path, sha256: await sha256Hex(f.blob), size: f.size, blob: f.blob });
  }
  onProgress({ phase: 'hashing', done: hashed.length, total: files.length });
  const answer = await transport.manifest(hashed.map(({ path, sha256, size }) => ({ path, sha256, size })));
  const lacking = [...new Set(answer.missing)].map((sha) => hashed.find((h) => h.sha256 === sha)).filter((h) => h !== undefined);
  const totalBytes = lacking.reduce((n, h) => n + h.size, 0);
  let bytes = 0;
  for (const [i, h] of lacking.entries()) {
    onProgress({ phase: 'uploading', done: i, total: lacking.length, bytes, totalBytes });
    await transport.putBlob(h.sha256, h.blob);
    bytes += h.size;
  }
  onProgress({ phase: 'uploading', done: lacking.length, total: lacking.length, bytes, totalBytes });
  const sentHashes = new Set(lacking.map((h) => h.sha256));
  const uploaded = hashed.filter((h) => sentHashes.has(h.sha256)).length;
  return { scene: { kind: 'manifest', manifest: answer.manifest, main }, files: hashed.length, alreadyThere: hashed.length - uploaded, uploaded, uploadedBytes: bytes };
}
