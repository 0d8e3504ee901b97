import { TaskStopped } from './errors.ts';
import type { PeerServer } from './peer-server.ts';
import { sleep, type TaskApi } from './task-api.ts';

/** Where this node's blobs came from (tests and the bench read them). */
export interface BlobFetchCounters {
  store: number;
  peer: number;
  storeBytes: number;
  peerBytes: number;
  /** Peer transfers that failed (refused, cut off, wrong bytes), each followed by another source. */
  peerFailures: number;
  waits: number;
}

export const emptyBlobCounters = (): BlobFetchCounters => ({ store: 0, peer: 0, storeBytes: 0, peerBytes: 0, peerFailures: 0, waits: 0 });

/**
 * Fetches one blob of a task's manifest into `file` from where the server says: the store, or a
 * peer with the server's grant (the bytes are hash-checked either way), or after a wait. Every
 * transfer's end is reported, so the server frees the source and, on success, lists this node as a
 * holder when it serves peers. A failed peer is reported and the server answers another source (the
 * store next): a bad peer costs a retry, never the task.
 */
export async function fetchBlob(api: TaskApi, sha256: string, file: string, peer: PeerServer | null, counters: BlobFetchCounters, signal: AbortSignal): Promise<void> {
  const serve = peer?.url ? { serve: peer.url } : {};
  for (;;) {
    if (signal.aborted) throw new TaskStopped();
    const src = await api.blobSource(sha256);
    if (src.from === 'wait') {
      counters.waits++;
      await sleep(src.retryMs, signal);
      continue;
    }
    let bytes: number;
    try {
      bytes = src.from === 'peer' ? await api.downloadBlobFromPeer(src.url, src.grant, sha256, file) : await api.downloadBlob(sha256, file);
    } catch (err) {
      if (signal.aborted) throw err;
      await api.reportBlob(sha256, { ok: false });
      if (src.from === 'store') throw err;
      counters.peerFailures++;
      continue;
    }
    if (src.from === 'peer') {
      counters.peer++;
      counters.peerBytes += bytes;
    } else {
      counters.store++;
      counters.storeBytes += bytes;
    }
    // Held before the report: once the server lists this node, grants for it may arrive at once.
    peer?.hold(sha256, src.tenant);
    const key = await api.reportBlob(sha256, { ok: true, bytes, ...serve });
    peer?.setKey(key);
    return;
  }
}
