import { z } from 'zod';

/**
 * A fencing token of the engines: the pair (task, attempt). Reports carrying an older attempt are
 * refused with 409. Workers speak the one worker protocol (worker.ts), whose fences also name the
 * kind of work.
 */
export const Fence = z.object({ taskId: z.string(), attempt: z.number().int().nonnegative() });
export type Fence = z.infer<typeof Fence>;
