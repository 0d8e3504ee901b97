/**
 * The bench's simulated faces write the time of each change into the value itself, so the SSE
 * client can measure value change → browser-side event without any clock of the server in between
 * (all processes share this machine's clock). Values stay in harmless ranges: nothing runs (so
 * currents and speeds trigger no rule) and CH4 stays at 0.1 %, far below every limit.
 */
const WINDOW_MS = 1_000_000;

export function encodeAnalog(nowMs: number): number {
  return (nowMs % WINDOW_MS) / 1000;
}

export function encodeCh4(nowMs: number): number {
  return 0.1 + (nowMs % WINDOW_MS) / 1e10;
}

function age(stampMs: number, nowMs: number): number {
  const d = (nowMs % WINDOW_MS) - stampMs;
  return d < 0 ? d + WINDOW_MS : d;
}

export function latencyOfAnalog(value: number, nowMs: number): number {
  return age(Math.round(value * 1000), nowMs);
}

export function latencyOfCh4(value: number, nowMs: number): number {
  return age(Math.round((value - 0.1) * 1e10), nowMs);
}

export { percentile } from '../stats.ts';
