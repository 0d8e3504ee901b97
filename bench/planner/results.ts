// The planner bench's results files: a run of some scenarios updates theirs and keeps the rest.
import { readFileSync } from 'node:fs';

/** A results file's JSON, or `fallback` when there is none yet (or it is not JSON). */
export function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/**
 * The earlier rows with every row of this run in place of the earlier one of its name, ordered by the
 * scenario its name starts with (`order`, e.g. small, medium, large; other names after them).
 */
export function mergeByName<T extends { name: string }>(earlier: readonly T[], now: readonly T[], order: readonly string[]): T[] {
  const fresh = new Set(now.map((r) => r.name));
  const rank = (name: string) => {
    const i = order.findIndex((o) => name === o || name.startsWith(`${o},`));
    return i < 0 ? order.length : i;
  };
  return [...earlier.filter((r) => !fresh.has(r.name)), ...now].sort((a, b) => rank(a.name) - rank(b.name));
}
