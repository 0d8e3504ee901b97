// The render bench's --timeline: a window second by second — heartbeats the nodes sent, tasks handed
// out and their ask → task p99, the operator's overview calls begun — and whether the slow asks and
// overviews come in the seconds after the heartbeat bursts. To see what drives a latency tail.
import { percentile } from '../stats.ts';

/** One operator overview call: when it began (epoch ms) and how long it took (ms). */
export interface OverviewSample { at: number; ms: number }

export interface TimelineInput {
  fromMs: number;
  toMs: number;
  /** Heartbeats sent in each whole second of the window (NodeFleet.heartbeatsPerSecond). */
  beats: readonly number[];
  /** ask → task latencies by the epoch second they were reported in. */
  latencies: ReadonlyMap<number, number[]>;
  overviews: readonly OverviewSample[];
}

const round = (n: number) => (Number.isFinite(n) ? Math.round(n) : NaN);

/** The window's rows and a summary line: asks and overviews in burst seconds (heartbeats in the last 2 s over 1.5× the mean) against the rest. */
export function timeline({ fromMs, toMs, beats, latencies, overviews }: TimelineInput): string {
  const first = Math.ceil(fromMs / 1000);
  const mean = beats.reduce((x, y) => x + y, 0) / Math.max(1, beats.length);
  const rows: string[] = [`    ${'s'.padStart(4)} ${'beats'.padStart(6)} ${'tasks'.padStart(6)} ${'ask p99'.padStart(8)}  overview ms begun`];
  const burst: number[] = [];
  const calm: number[] = [];
  const ovBurst: number[] = [];
  const ovCalm: number[] = [];
  // A burst second: the heartbeats of it and the one before (what the server still works through) over 1.5× the mean.
  const isBurst = (i: number) => (beats[i] ?? 0) + (beats[i - 1] ?? beats[i] ?? 0) > 3 * mean;
  for (let i = 0; i < Math.floor(toMs / 1000) - first; i++) {
    const sec = first + i;
    const lat = (latencies.get(sec) ?? []).slice().sort((x, y) => x - y);
    const ov = overviews.filter((o) => Math.floor(o.at / 1000) === sec).map((o) => round(o.ms));
    (isBurst(i) ? burst : calm).push(...lat);
    (isBurst(i) ? ovBurst : ovCalm).push(...ov);
    rows.push(`    ${String(i).padStart(4)} ${String(beats[i] ?? 0).padStart(6)} ${String(lat.length).padStart(6)} ${String(lat.length ? round(percentile(lat, 99)) : '–').padStart(8)}  ${ov.join(', ')}${isBurst(i) ? '  burst' : ''}`);
  }
  const p99 = (a: number[]) => (a.length ? String(round(percentile(a.slice().sort((x, y) => x - y), 99))) : '–');
  const max = (a: number[]) => (a.length ? String(Math.max(...a)) : '–');
  rows.push(`    burst seconds (heartbeats of it and the second before over 1.5× the mean ${round(mean)}/s): ask p99 ${p99(burst)} ms over ${burst.length} asks, overview max ${max(ovBurst)} ms; other seconds: ask p99 ${p99(calm)} ms over ${calm.length} asks, overview max ${max(ovCalm)} ms`);
  return rows.join('\n');
}
