import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Scene blobs on this node, by SHA-256, shared by every job that lists them: each is fetched once
 * (concurrent asks share the one transfer), verified on arrival by the fetcher, and evicted least
 * recently used once the cache passes its size cap. Scenes are laid out as hard links to these files,
 * so evicting a blob never pulls a file from under a running render.
 */
export class BlobCache {
  private readonly entries = new Map<string, { size: number; lastUsed: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private loaded: Promise<void> | null = null;
  private bytes = 0;
  /** Blobs fetched from the server (a cache hit fetches nothing). */
  fetched = 0;

  constructor(
    readonly dir: string,
    readonly capBytes: number,
  ) {}

  /**
   * The cached file of a blob; `fetch(file)` brings it (and verifies its hash) when it is not here.
   * A fetch that failed (another task's, stopped with it) is not shared: the next ask fetches anew.
   */
  async get(sha256: string, fetch: (file: string) => Promise<void>): Promise<string> {
    if (!SHA256_RE.test(sha256)) throw new Error(`not a SHA-256: ${JSON.stringify(sha256)}`);
    await (this.loaded ??= this.load());
    const file = join(this.dir, sha256);
    const hit = this.entries.get(sha256);
    if (hit) {
      hit.lastUsed = Date.now();
      return file;
    }
    let p = this.inflight.get(sha256);
    if (!p) {
      p = (async () => {
        await fetch(file);
        this.fetched++;
        const { size } = await stat(file);
        this.entries.set(sha256, { size, lastUsed: Date.now() });
        this.bytes += size;
        return file;
      })().finally(() => this.inflight.delete(sha256));
      this.inflight.set(sha256, p);
    }
    return p;
  }

  /** Drops least recently used blobs until the cache is within its cap, keeping `keep` (the scene being laid out). */
  async trim(keep: ReadonlySet<string>): Promise<void> {
    if (this.bytes <= this.capBytes) return;
    const old = [...this.entries.entries()].filter(([sha]) => !keep.has(sha)).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [sha, e] of old) {
      if (this.bytes <= this.capBytes) break;
      this.entries.delete(sha);
      this.bytes -= e.size;
      await unlink(join(this.dir, sha)).catch(() => undefined);
    }
  }

  /** What an earlier run of this worker left (verified when it arrived), oldest first to go. */
  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o711 });
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (!SHA256_RE.test(name)) {
        await unlink(path).catch(() => undefined); // a transfer cut off by a crash
        continue;
      }
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      this.entries.set(name, { size: st.size, lastUsed: st.mtimeMs });
      this.bytes += st.size;
    }
  }
}
