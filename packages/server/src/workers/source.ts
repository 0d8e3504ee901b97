import type { Work, WorkFence, WorkKind, WorkLog, WorkResult, WorkerIsolation, WorkerRunner } from '@shuzhi/schema';
import type { WorkerIdentity } from './registry.ts';

/** One module's part of a worker's sync: the reports about its own kind of work. */
export interface SourceSync {
  slots: number;
  tags: string[];
  runners: WorkerRunner[];
  isolation: WorkerIsolation;
  free: number;
  running: (WorkFence & { progress?: number | undefined; logs: WorkLog[] })[];
  completed: (WorkFence & { result: { ok: boolean; exitCode: number | null; failure?: NonNullable<WorkResult['failure']> | undefined }; logs: WorkLog[] })[];
  leaving: boolean;
  waitMs: number;
}

export interface SourceSyncResult {
  assignments: Work[];
  cancel: (WorkFence & { reason?: string })[];
  refused: WorkFence[];
  /** Tasks to preempt (SIGTERM, grace, SIGKILL); sources that never preempt leave it out. */
  preempt?: (WorkFence & { graceMs: number; reason?: string })[];
  /** Reports this source accepted: a sync whose every report was refused is answered 409. */
  accepted: number;
  /** When the worker should call again: 0 "now" (see nextPollAfter), else in this many ms. */
  nextPollMs: number;
  /** The node is asleep (render sleep schedule): it asks for no work until an answer without this. */
  sleep?: boolean;
}

/**
 * A kind of work that workers can lease (compute's shell tasks, the render farm's chunks). Each
 * module keeps its own leases and queues; the protocol, the fencing rules and the worker's identity
 * are the hub's, so a worker speaks one protocol whatever it runs.
 */
export interface WorkSource {
  readonly kind: WorkKind;
  /** Whether this worker (its site, what it can run) takes this kind of work. */
  serves(worker: WorkerIdentity, runners: readonly WorkerRunner[]): Promise<boolean>;
  /** Takes reports, renews leases and hands out work; holds the call up to `waitMs` when idle. */
  sync(worker: WorkerIdentity, req: SourceSync, signal?: AbortSignal): Promise<SourceSyncResult>;
  /** The worker was revoked: whatever it held goes back to the queue now. */
  forget(workerId: string): Promise<void>;
  /** Whether the worker holds this attempt's lease now (an answer it never read is handed again only then). */
  holds(workerId: string, fence: WorkFence): boolean;
}

/** A worker's heartbeat interval: a third of the lease (two heartbeats may be lost), at least 200 ms. */
export function heartbeatMsOf(leaseMs: number): number {
  return Math.max(200, Math.floor(leaseMs / 3));
}

/**
 * When a worker should call again after a sync that handed it `assigned` tasks for its `free` slots:
 * at once only while it has slots left (there may be more work for them). A worker whose every slot
 * the sync filled has nothing more to ask for: its next call is the tasks' heartbeat, and "ask again
 * now" would only cost the server a second sync per task (at 20,000 nodes and 1,000 tasks/s, 1,000
 * more a second of a client that took it literally).
 */
export function nextPollAfter(assigned: number, free: number, heartbeatMs: number): number {
  return assigned > 0 && assigned < free ? 0 : heartbeatMs;
}
