import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { link, mkdir, readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA256_RE, distinctBlobs, manifestId, parseManifest } from '@shuzhi/render';
import type { Manifest } from '@shuzhi/render';
import { AppError, errors } from '../../errors.ts';
import type { RenderStorage } from '../storage.ts';
import type { UploadQuota } from '../uploads.ts';

/** A tenant id as a directory name: any id, no path characters. */
const tenantDir = (tenantId: string) => Buffer.from(tenantId, 'utf8').toString('base64url');

function checkHash(sha256: string): string {
  if (!SHA256_RE.test(sha256)) throw errors.validation([{ path: 'sha256', message: 'a lower-case hex SHA-256 (64 characters)' }]);
  return sha256;
}

const missing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * Content-addressed scene files under <dataDir>/render/assets. The bytes of a hash are kept once
 * (`blobs/<sha>`), whoever sent them; what a tenant may use is a hard link of the same file in its own
 * folder (`tenants/<t>/blobs/<sha>`), made only after that tenant itself sent bytes that hash to it.
 * Every answer a tenant gets (missing, download, submit) reads only its own folder, so knowing a hash
 * — or another studio having uploaded it — gives nothing: the bytes must still be sent in full.
 */
export class BlobStore {
  readonly root: string;
  /** Blobs newly stored for a tenant, and blobs (and their bytes) read by render nodes (tests, the bench and the metrics count them). */
  readonly counters = { stored: 0, served: 0, servedBytes: 0 };

  constructor(
    private readonly storage: RenderStorage,
    private readonly quota: UploadQuota,
  ) {
    this.root = join(storage.root, 'assets');
    mkdirSync(join(this.root, 'blobs'), { recursive: true });
  }

  private tenantBlob(tenantId: string, sha256: string): string {
    return join(this.root, 'tenants', tenantDir(tenantId), 'blobs', sha256);
  }

  private manifestPath(tenantId: string, id: string): string {
    return join(this.root, 'tenants', tenantDir(tenantId), 'manifests', `${id}.json`);
  }

  /** The tenant's own copy of a blob, or null: another tenant's blob is as absent as one nobody has. */
  async pathOf(tenantId: string, sha256: string): Promise<string | null> {
    const path = this.tenantBlob(tenantId, checkHash(sha256));
    try {
      return (await stat(path)).isFile() ? path : null;
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  /** Stores a tenant's manifest and answers which of its blobs the tenant has not sent yet. */
  async putManifest(tenantId: string, input: unknown) {
    const m = parseManifest(input);
    const id = manifestId(m);
    const path = this.manifestPath(tenantId, id);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, JSON.stringify(m));
    const blobs = distinctBlobs(m);
    const lacking: string[] = [];
    let missingBytes = 0;
    for (const [sha, size] of blobs) {
      if (await this.pathOf(tenantId, sha)) continue;
      lacking.push(sha);
      missingBytes += size;
    }
    return { manifest: id, files: m.files.length, blobs: blobs.size, missing: lacking, missingBytes };
  }

  async manifest(tenantId: string, id: string): Promise<Manifest | null> {
    if (!SHA256_RE.test(id)) return null;
    try {
      return JSON.parse(await readFile(this.manifestPath(tenantId, id), 'utf8')) as Manifest;
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  /**
   * Receives a blob for a tenant. The body is hashed as it streams; bytes that do not hash to the
   * name are refused (400 BLOB_HASH_MISMATCH) and nothing is kept. A blob the tenant already holds is
   * not read again. The bytes count toward the tenant's upload quota once.
   */
  async put(tenantId: string, sha256: string, body: ReadableStream<Uint8Array> | null, declaredBytes?: number): Promise<{ sha256: string; size: number; stored: boolean }> {
    const held = await this.pathOf(tenantId, sha256);
    if (held) {
      await body?.cancel().catch(() => undefined);
      return { sha256, size: (await stat(held)).size, stored: false };
    }
    if (declaredBytes !== undefined) await this.quota.check(tenantId, declaredBytes);
    const meter = await this.quota.meter(tenantId);
    const hash = createHash('sha256');
    let kept = false;
    try {
      const { tmp, bytes } = await this.storage.receive(body, this.root, {
        onChunk: (chunk) => {
          meter.add(chunk.length);
          hash.update(chunk);
        },
      });
      const got = hash.digest('hex');
      if (got !== sha256) {
        await unlink(tmp).catch(() => undefined);
        throw new AppError('BLOB_HASH_MISMATCH', 400, `The ${bytes} bytes sent hash to ${got}, not ${sha256}; nothing was stored. Send the file whose SHA-256 is in the URL.`, {
          errors: [{ path: 'sha256', message: `the body hashes to ${got}` }],
        });
      }
      try {
        await this.linkOnce(tmp, join(this.root, 'blobs', sha256));
        const mine = this.tenantBlob(tenantId, sha256);
        await mkdir(join(mine, '..'), { recursive: true });
        kept = await this.linkOnce(join(this.root, 'blobs', sha256), mine);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      if (kept) this.counters.stored++;
      return { sha256, size: bytes, stored: kept };
    } finally {
      meter.done(kept);
    }
  }

  /** link(2) that treats "already there" as done: false then. */
  private async linkOnce(from: string, to: string): Promise<boolean> {
    try {
      await link(from, to);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }
}

/** Bytes of each tenant's blobs under an assets root (each counted once per tenant), for the upload quota. */
export async function blobBytesByTenant(assetsRoot: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const dir = join(assetsRoot, 'tenants');
  for (const t of await readdir(dir).catch(() => [] as string[])) {
    let bytes = 0;
    for (const b of await readdir(join(dir, t, 'blobs')).catch(() => [] as string[])) {
      const s = await stat(join(dir, t, 'blobs', b)).catch(() => null);
      if (s?.isFile()) bytes += s.size;
    }
    out.set(Buffer.from(t, 'base64url').toString('utf8'), bytes);
  }
  return out;
}
