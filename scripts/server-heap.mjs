// The V8 heap flags `npm start` runs the server with (scripts/start.mjs); the render bench's server takes
// the same (bench/render/bench.ts), so what it measures is what `npm start` runs.

/**
 * The old generation's cap in MB on the embedded PGlite, unless SHUZHI_MAX_OLD_SPACE_MB says otherwise
 * (0: V8's own default).
 *
 * Why a cap: the server's live heap is small next to what V8 lets it hold. Heap snapshots of the render
 * bench at 6,000 nodes held 70–96 MB of live objects while V8 held ~500 MB (294 MB "used", most of it
 * garbage not yet collected): at its default size for the machine V8 lets the old generation grow up to
 * 4× what survived its last full collection before the next one, with a smaller cap by a factor between
 * 1.3 and 2 (MemoryController::MaxGrowingFactor, V8's heap-controller.cc). With a 1,024 MB cap the same
 * bench held 328 MB (142 MB used) at its peak, and the server's peak RSS fell from 814–821 MB to 589 MB
 * (PostgreSQL). The price: a live heap that outgrows the cap stops the server with "JavaScript heap out
 * of memory"; raise it then (SHUZHI_MAX_OLD_SPACE_MB, or NODE_OPTIONS).
 */
export const DEFAULT_MAX_OLD_SPACE_MB = 1024;

/**
 * The cap on PostgreSQL (DATABASE_URL set), where a farm of 20,000 render nodes runs: lower, because the
 * server's RSS keeps the V8 heap's high-water mark (pages V8 frees are not given back to the system: a
 * heap that grew to 790 MB and shrank to 6 MB left the process at 750 MB RSS), so the peak RSS is the
 * heap's peak plus ~300 MB of native memory at 20,000 connections. The render bench at 20,000 nodes on
 * PostgreSQL, quiet machine, one run each (SCALING.md, *Memory at the peak*), since the farm's lease grows
 * with it (1,000 heartbeats/s at 20,000 nodes): at 768 the server peaked at 1,022 MB RSS, 2 MB under the
 * target; at 640 at 990 MB with ask → task p99 105 ms and 5,059 tasks/s; at 512 at 920 MB, but the
 * collector's work cut the rate to 2,489 tasks/s. The live heap is ~150 MB at 8,000 nodes (heap snapshots).
 */
export const POSTGRES_MAX_OLD_SPACE_MB = 640;

/** The default cap for the database the server will open: PostgreSQL when DATABASE_URL is set, else PGlite. */
export function defaultMaxOldSpaceMB(env = process.env) {
  return env.DATABASE_URL ? POSTGRES_MAX_OLD_SPACE_MB : DEFAULT_MAX_OLD_SPACE_MB;
}

/** Node flags for the server process; none when NODE_OPTIONS already sets the old generation's size. */
export function serverHeapFlags(env = process.env) {
  if (/--max-old-space-size/.test(env.NODE_OPTIONS ?? '')) return [];
  const raw = env.SHUZHI_MAX_OLD_SPACE_MB;
  const mb = raw === undefined || raw === '' ? defaultMaxOldSpaceMB(env) : Number(raw);
  if (!Number.isInteger(mb) || mb < 0) {
    throw new RangeError(`SHUZHI_MAX_OLD_SPACE_MB must be a whole number of MB (0: V8's own default), not "${raw}"`);
  }
  return mb === 0 ? [] : [`--max-old-space-size=${mb}`];
}
