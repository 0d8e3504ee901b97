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
