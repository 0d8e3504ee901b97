import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.ts';
import { blobBytesByTenant } from './assets/blob-store.ts';

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export function uploadQuotaExceeded(tenantId: string, usedBytes: number, limitBytes: number, addingBytes: number): AppError {
  return new AppError(
    'UPLOAD_QUOTA_EXCEEDED',
    413,
    `Tenant ${tenantId} has used ${mb(usedBytes)} (${usedBytes} bytes) of its ${mb(limitBytes)} (${limitBytes} bytes) render upload quota; ` +
      `this upload (${addingBytes} bytes or more) would pass the limit. Reuse an uploaded scene, or ask an operator to remove old uploads ` +
      'or raise SHUZHI_RENDER_UPLOAD_QUOTA_MB.',
  );
}

/**
 * The bytes of uploaded scenes per tenant, against one quota. Stored uploads are counted from disk once
 * (each upload folder has an `.owner` file naming its tenant; each of the tenant's content-addressed
 * blobs once, however many manifests list it); uploads in flight count as they stream,
 * so two concurrent uploads cannot both slip under the limit.
 */
export class UploadQuota {
  private stored: Map<string, number> | null = null;
  private loading: Promise<Map<string, number>> | null = null;
  private readonly inflight = new Map<string, number>();

  constructor(
    private readonly uploadsDir: string,
    private readonly assetsDir: string,
    readonly limitBytes: number,
  ) {}

  /** Bytes stored plus in flight for the tenant. */
  async used(tenantId: string): Promise<number> {
    const stored = await this.load();
    return (stored.get(tenantId) ?? 0) + (this.inflight.get(tenantId) ?? 0);
  }

  /** Refuses up front when the declared size (Content-Length) cannot fit. */
  async check(tenantId: string, declaredBytes: number): Promise<void> {
    const used = await this.used(tenantId);
    if (used + declaredBytes > this.limitBytes) throw uploadQuotaExceeded(tenantId, used, this.limitBytes, declaredBytes);
  }

  /**
   * A meter for one upload: `add` counts each received chunk and throws once the tenant would pass the
   * quota; `done` gives the in-flight bytes back and, when the file was kept, counts them as stored.
   */
  async meter(tenantId: string): Promise<{ add: (n: number) => void; done: (kept: boolean) => void }> {
    const stored = await this.load();
    let mine = 0;
    let finished = false;
    return {
      add: (n) => {
        mine += n;
        const inflight = (this.inflight.get(tenantId) ?? 0) + n;
        this.inflight.set(tenantId, inflight);
        const total = (stored.get(tenantId) ?? 0) + inflight;
        if (total > this.limitBytes) throw uploadQuotaExceeded(tenantId, total - mine, this.limitBytes, mine);
      },
      done: (kept) => {
        if (finished) return;
        finished = true;
        const left = (this.inflight.get(tenantId) ?? 0) - mine;
        if (left > 0) this.inflight.set(tenantId, left);
        else this.inflight.delete(tenantId);
        if (kept) stored.set(tenantId, (stored.get(tenantId) ?? 0) + mine);
      },
    };
  }

  private load(): Promise<Map<string, number>> {
    if (this.stored) return Promise.resolve(this.stored);
    this.loading ??= Promise.all([scanUploads(this.uploadsDir), blobBytesByTenant(this.assetsDir)]).then(([m, blobs]) => {
      for (const [t, b] of blobs) m.set(t, (m.get(t) ?? 0) + b);
      return (this.stored = m);
    });
    return this.loading;
  }
}

/** Sums each tenant's uploaded files: `<uploads>/<uploadId>/<file>` with the tenant in `.owner`. */
async function scanUploads(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let ids: string[];
  try {
    ids = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const id of ids) {
    const folder = join(dir, id);
    const owner = await readFile(join(folder, '.owner'), 'utf8').catch(() => null);
    if (!owner) continue;
    let bytes = 0;
    for (const f of await readdir(folder).catch(() => [] as string[])) {
      if (f.startsWith('.')) continue;
      const s = await stat(join(folder, f)).catch(() => null);
      if (s?.isFile()) bytes += s.size;
    }
    out.set(owner, (out.get(owner) ?? 0) + bytes);
  }
  return out;
}
