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
 * together drifted apart so slowly that its heartbeats still came in bursts a minute on.
 */
const STEADY_JITTER = 0.02;

/**
 * Where in the interval a task's first heartbeat may fall: its last three quarters. Nodes handed work in
 * the same moment then heartbeat over 7.5 s of a 10 s interval, at 4/3 of the mean rate (20,000 nodes:
 * 2,667 a second, within what one core absorbs; from half the interval on it was twice the mean, 4,000,
 * and the server fell seconds behind). Not from 0: a task shorter than a quarter of the interval (the
 * render bench's 0.2–1 s saturated tasks) ends before its first heartbeat is due, and a first heartbeat
 * drawn near 0 renews a lease just granted. Never later than the interval, so two may be lost.
 */
const FIRST_PHASE_FROM = 0.25;

/**
 * Which heartbeat of a task the wait is for: the `first` after the task began; the `second`, which is
 * timed from the first one's wait (`firstWaitMs`); or a `steady` one after that.
 */
export type HeartbeatTurn = { turn: 'first' } | { turn: 'second'; firstWaitMs: number } | { turn: 'steady' };

/**
 * The wait before a task's next heartbeat, at most `intervalMs` (a third of the lease: two may be lost).
 *
 * The first comes at a uniformly random point of the interval's last three quarters (FIRST_PHASE_FROM).
 * The second falls in the next interval at the point the first fell in its span, stretched over the
 * whole interval (a first at the span's start gives a second at the next interval's start, one at its end
 * a second at the end): for nodes handed work in the same moment (a job's submission on an idle farm, a
 * farm restarted), uniformly over the whole of the next interval. From there on the fleet's heartbeats
 * are spread evenly and stay so, each node heartbeating every interval less up to 2 %. With steady waits
 * from the first on instead (10 % early), the first interval's bunching came back every interval for
 * over a minute. The price: the second wait is shorter than a steady one by up to FIRST_PHASE_FROM of the
 * interval (an eighth on average), once per task. Never longer than the interval.
 */
export function heartbeatWait(intervalMs: number, beat: HeartbeatTurn, random: Random = Math.random): number {
  if (beat.turn === 'first') return Math.max(1, Math.ceil((1 - (1 - FIRST_PHASE_FROM) * random()) * intervalMs));
  if (beat.turn === 'second') {
    // Where the first fell in [FIRST_PHASE_FROM, 1] of the interval, as a fraction of that span.
    const first = Math.min(1, Math.max(FIRST_PHASE_FROM, beat.firstWaitMs / intervalMs));
    const along = (first - FIRST_PHASE_FROM) / (1 - FIRST_PHASE_FROM);
    return Math.max(1, Math.min(intervalMs, Math.round((1 - first + along) * intervalMs)));
  }
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
