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
 * The wait before the next heartbeat, at most `intervalMs` (a third of the lease: two may be lost).
 * `fresh`: a task began since the last heartbeat. Its first heartbeat then comes at a uniformly random
 * point of the interval, so nodes handed work in the same moment heartbeat spread over the whole
 * interval rather than together; later heartbeats come every interval less up to 10%.
 */
export function heartbeatWait(intervalMs: number, fresh: boolean, random: Random = Math.random): number {
  const u = random();
  if (fresh) return Math.max(1, Math.ceil((1 - u) * intervalMs));
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
