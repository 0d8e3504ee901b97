// When a worker calls the server again: its heartbeats and its retries after a failed call. A farm's
// nodes act together (a job's submission hands 20,000 nodes a task in the same second; a server
// restart drops all their connections at once), so without randomness they would keep calling in
// lock-step: one burst of 20,000 requests every heartbeat interval, queueing everything else behind it,
// and 20,000 reconnects at once after every failure. Both waits are therefore random, and never longer
// than the fixed wait they replace, so a lease is still renewed in time.

/** A draw from [0, 1), as Math.random (tests pass a seeded one). */
export type Random = () => number;

/** How much shorter than the interval a steady heartbeat may come, so phases that met drift apart again. */
const STEADY_JITTER = 0.1;

/**
 * Where in the interval a task's first heartbeat may fall: its upper half. Still spread (nodes handed
 * work in the same moment heartbeat over five seconds of a ten-second interval, not together), and
 * never later than the interval, so two heartbeats may still be lost before the lease ends. Not from
 * 0: a first heartbeat drawn near the start renews a lease that was just granted, and a short task
 * (the render bench's 10–30 s ones at a 10 s interval) then sent one heartbeat more than it needs —
 * at 20,000 nodes and 1,000 tasks/s, 2.15 heartbeats per task instead of ≈ 1.8 (bench, paced phase).
 */
const FIRST_PHASE_FROM = 0.5;

/**
 * The wait before the next heartbeat, at most `intervalMs` (a third of the lease: two may be lost).
 * `fresh`: a task began since the last heartbeat. Its first heartbeat then comes at a uniformly random
 * point of the interval's upper half (FIRST_PHASE_FROM), so nodes handed work in the same moment
 * heartbeat spread out rather than together; later heartbeats come every interval less up to 10%.
 */
export function heartbeatWait(intervalMs: number, fresh: boolean, random: Random = Math.random): number {
  const u = random();
  if (fresh) return Math.max(1, Math.ceil((1 - (1 - FIRST_PHASE_FROM) * u) * intervalMs));
  return Math.ceil(intervalMs * (1 - STEADY_JITTER * u));
}

/**
 * The wait before retrying after the `failures`-th failed call in a row (1, 2, …): a ceiling that
 * doubles from `firstMs` up to `maxMs`, and a wait drawn uniformly from its upper half ("equal
 * jitter"), so a fleet that lost the server together comes back spread out, yet every node retries
 * within the ceiling.
 */
export function retryWait(failures: number, backoff: { firstMs: number; maxMs: number }, random: Random = Math.random): number {
  const ceiling = retryCeiling(failures, backoff);
  return Math.ceil(ceiling / 2 + (random() * ceiling) / 2);
}

/** The most a retry after the `failures`-th failure in a row waits: `firstMs` doubled per failure, capped at `maxMs`. */
export function retryCeiling(failures: number, { firstMs, maxMs }: { firstMs: number; maxMs: number }): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}
