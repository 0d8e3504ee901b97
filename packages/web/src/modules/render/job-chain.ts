import type { RenderJob } from '@shuzhi/schema';

type ChainJob = Pick<RenderJob, 'id' | 'dependsOn' | 'dependants'>;

/** At most this many jobs are drawn: a studio's chains are a few jobs long; a bound keeps a huge one cheap. */
export const CHAIN_MAX_JOBS = 40;

/**
 * The whole chain a job belongs to — upstream of upstream, downstream of downstream, and the other
 * inputs of a shared dependant (render → composite ← render → encode) — fetched breadth first, one
 * round of calls per step away from the job. A job that cannot be read is left out (its edges too).
 */
export async function loadChain<J extends ChainJob>(start: J, fetch: (id: string) => Promise<J | null>): Promise<{ jobs: Map<string, J>; truncated: boolean }> {
  const jobs = new Map<string, J>([[start.id, start]]);
  const seen = new Set([start.id]);
  let frontier: J[] = [start];
  let truncated = false;
  while (frontier.length) {
    const next: string[] = [];
    for (const j of frontier) {
      for (const d of [...j.dependsOn, ...j.dependants]) {
        if (seen.has(d.job)) continue;
        if (seen.size >= CHAIN_MAX_JOBS) {
          truncated = true;
          continue;
        }
        seen.add(d.job);
        next.push(d.job);
      }
    }
    const got: (J | null)[] = await Promise.all(next.map((id) => fetch(id).catch(() => null)));
    frontier = got.filter((j): j is J => j !== null);
    for (const j of frontier) jobs.set(j.id, j);
  }
  return { jobs, truncated };
}

/** Every dependency between jobs of the chain, once, upstream → downstream. */
export function chainEdges(jobs: ReadonlyMap<string, ChainJob>): { from: string; to: string; mode: 'job' | 'frame' }[] {
  const out = new Map<string, { from: string; to: string; mode: 'job' | 'frame' }>();
  for (const j of jobs.values()) {
    for (const d of j.dependsOn) if (jobs.has(d.job)) out.set(`${d.job}>${j.id}`, { from: d.job, to: j.id, mode: d.mode });
    for (const d of j.dependants) if (jobs.has(d.job)) out.set(`${j.id}>${d.job}`, { from: j.id, to: d.job, mode: d.mode });
  }
  return [...out.values()];
}
