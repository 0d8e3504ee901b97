// When a worker calls the server again: its heartbeats and its retries after a failed call. A farm's
// nodes act together (a job's submission hands 20,000 nodes a task in the same second; a server
// restart drops all their connections at once), so without randomness they would keep calling in
// lock-step: one burst of 20,000 requests every heartbeat interval, queueing everything else behind it,
// and 20,000 reconnects at once after every failure. Both waits are therefore random, and never longer
// than the fixed wait they replace, so a lease is still renewed in time.

/** A draw from [0, 1), as Math.random (tests pass a seeded one). */
export type Random = () => number;

/**
 * How much shorter than the interval a steady heartbeat may come: a margin for a late timer (the wait is
 * the most allowed) and enough that two nodes whose heartbeats met do not stay together for ever. Small,
 * because the mean wait sets the load (at 10 % early a farm sent ≈ 5 % more heartbeats than one per
 * interval), and because a fleet's phases drift by it: with waits up to 10 % short, a fleet handed work
 * together drifted apart so slowly that its heartbeats still came in bursts of twice the mean a minute on.
 */
const STEADY_JITTER = 0.02;

/**
 * Where in the interval a task's first heartbeat may fall: its upper half. Still spread (nodes handed
 * work in the same moment heartbeat over five seconds of a ten-second interval, not together), and
 * never later than the interval, so two heartbeats may still be lost before the lease ends. Not from
 * 0: a task shorter than the interval then often ends before its first heartbeat is due, and a first
 * heartbeat drawn near 0 renews a lease that was just granted.
 */
const FIRST_PHASE_FROM = 0.5;

/**
 * Which heartbeat of a task the wait is for: the `first` after the task began; the `second`, which waits
 * as long as the first did (`firstWaitMs`); or a `steady` one after that.
 */
export type HeartbeatTurn = { turn: 'first' } | { turn: 'second'; firstWaitMs: number } | { turn: 'steady' };

/**
 * The wait before a task's next heartbeat, at most `intervalMs` (a third of the lease: two may be lost).
 *
 * The first comes at a uniformly random point of the interval's upper half (FIRST_PHASE_FROM): nodes
 * handed work in the same moment (a job's submission on an idle farm, a farm restarted) then heartbeat
 * over half the interval, at twice the mean rate. The second waits as long as the first did, so it comes
 * at twice the first wait, uniformly over the whole of the next interval: from there on the fleet's
 * heartbeats are spread evenly and stay so, each node then heartbeating every interval less up to 2 %.
 * With steady waits drawn from the start instead (10 % early), that half-interval burst came back every
 * interval for over a minute. The price: a task's heartbeats after its first come a quarter of an
 * interval earlier on average (once per task, not per heartbeat).
 */
export function heartbeatWait(intervalMs: number, beat: HeartbeatTurn, random: Random = Math.random): number {
  if (beat.turn === 'first') return Math.max(1, Math.ceil((1 - (1 - FIRST_PHASE_FROM) * random()) * intervalMs));
  if (beat.turn === 'second') return Math.max(1, Math.min(intervalMs, beat.firstWaitMs));
  return Math.ceil(intervalMs * (1 - STEADY_JITTER * random()));
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
