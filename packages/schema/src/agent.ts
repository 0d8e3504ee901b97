import { z } from 'zod';
import { Text } from './common.ts';

/** A fencing token: the pair (task, attempt). Reports carrying an older attempt are refused with 409. */
export const Fence = z.object({ taskId: Text(200), attempt: z.number().int().nonnegative() });
export type Fence = z.infer<typeof Fence>;

export const TaskLogChunk = z.object({
  stream: z.enum(['stdout', 'stderr']),
  text: z.string().max(1_000_000),
});

export const SyncRequest = z.object({
  siteId: Text(64),
  slots: z.number().int().min(0).max(1024),
  tags: z.array(Text(64)).max(64).default([]),
  /** Free slots the agent can take work into now. */
  free: z.number().int().min(0).max(1024),
  /** Tasks still running here: renews their leases. */
  running: z.array(Fence.extend({ logs: z.array(TaskLogChunk).max(1000).default([]) })).max(1024).default([]),
  completed: z
    .array(
      Fence.extend({
        exitCode: z.number().int(),
        logs: z.array(TaskLogChunk).max(1000).default([]),
        error: z.string().max(4000).optional(),
      }),
    )
    .max(1024)
    .default([]),
  /** The agent is shutting down: whatever it does not report as completed is lost now. */
  leaving: z.boolean().default(false),
  /** Ask the server to hold the call until work arrives (long poll). */
  waitMs: z.number().int().min(0).max(30_000).default(25_000),
});
export type SyncRequest = z.infer<typeof SyncRequest>;

export const Assignment = Fence.extend({
  jobId: z.string(),
  command: z.string(),
  env: z.record(z.string(), z.string()),
  units: z.number().int(),
  leaseMs: z.number().int(),
});
export type Assignment = z.infer<typeof Assignment>;

export const SyncResponse = z.object({
  assignments: z.array(Assignment),
  /** Tasks the agent must stop now (cancelled, or its lease was lost). */
  cancel: z.array(Fence),
  /** Fences of reports the server refused as stale. */
  refused: z.array(Fence),
  nextPollMs: z.number().int(),
});
export type SyncResponse = z.infer<typeof SyncResponse>;
