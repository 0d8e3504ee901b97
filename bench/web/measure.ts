// Pure parts of the web bench: the network profile, time to interactive from a request timeline, the table.
import { percentile, sortedCopy } from '../stats.ts';

/**
 * Chrome DevTools' "Slow 3G" preset as DevTools passes it to CDP Network.emulateNetworkConditions
 * (devtools-frontend, front_end/core/sdk/NetworkManager.ts, Slow3GConditions): 500 kbit/s × 0.8 =
 * 400 kbit/s (50,000 bytes/s) each way, and a per-request latency of 400 ms × 5 = 2,000 ms — DevTools'
 * factor that makes request-level throttling approximate a 400 ms round-trip time on the wire.
 */
export const SLOW_3G = { latencyMs: 2000, downBytesPerSec: 50_000, upBytesPerSec: 50_000 } as const;
/** Chrome DevTools' "4× slowdown" CPU preset (CDP Emulation.setCPUThrottlingRate). */
export const CPU_SLOWDOWN = 4;
/** The network must stay quiet this long after the door's main control shows for the door to count as interactive. */
export const QUIET_MS = 500;

export interface RequestSpan {
  /** Seconds on one clock (CDP's monotonic timestamps). */
  start: number;
  /** null: still open when the run ended. */
  end: number | null;
}

/**
 * Time to interactive: the first moment at or after `readyAt` (the door's main control rendered) from
 * which no request is in flight or starts for `quietMs`. Long-lived streams (the event stream) are left
 * out by the caller. Infinity when a request never finishes.
 */
export function interactiveAt(readyAt: number, spans: readonly RequestSpan[], quietMs = QUIET_MS): number {
  const quiet = quietMs / 1000;
  let t = readyAt;
  for (;;) {
    // Requests that are in flight at t or start within the quiet window after it push t to their end.
    const busy = spans.filter((s) => s.start <= t + quiet && (s.end === null || s.end > t));
    if (busy.length === 0) return t;
    if (busy.some((s) => s.end === null)) return Infinity;
    t = Math.max(...busy.map((s) => s.end!));
  }
}

/** The median as every bench states it (bench/stats.ts: nearest rank); NaN for none. */
export function median(xs: readonly number[]): number {
  return percentile(sortedCopy(xs), 50);
}

export interface DoorRun {
  transferBytes: number;
  requests: number;
  fcpMs: number | null;
  ttiMs: number | null;
  /** Each request of the load, from the document's start: what waited on what, and where the bytes went. */
  timeline?: TimelineEntry[];
  /** When the door's main control showed, from the document's start. */
  readyMs?: number;
}

export interface TimelineEntry {
  path: string;
  startMs: number;
  endMs: number | null;
  bytes: number;
}

/**
 * Round trips in a row before `untilMs`: a request started only after another had answered is one trip
 * further down the chain (the document, then its scripts, then what they ask for…). On a slow link each
 * costs the profile's whole latency, so this, not the request count, is what a load's time is made of.
 */
export function roundTrips(timeline: readonly TimelineEntry[], untilMs: number): number {
  const done = timeline.filter((e) => e.endMs !== null && e.endMs <= untilMs).sort((a, b) => a.startMs - b.startMs);
  const depth: number[] = [];
  done.forEach((e, i) => {
    depth[i] = 1 + Math.max(0, ...done.slice(0, i).map((q, j) => (q.endMs! <= e.startMs ? depth[j]! : 0)));
  });
  return Math.max(0, ...depth);
}

/** A load's requests in the order they started, one line each, for reading where the time goes. */
export function formatTimeline(run: DoorRun): string {
  const ms = (x: number | null) => (x === null ? 'open' : `${Math.round(x)}`.padStart(6));
  const lines = (run.timeline ?? []).map((e) => `${ms(e.startMs)} → ${ms(e.endMs)} ms  ${`${(e.bytes / 1024).toFixed(1)} KB`.padStart(9)}  ${e.path}`);
  const trips = run.ttiMs === null ? NaN : roundTrips(run.timeline ?? [], run.ttiMs);
  return [...lines, `control on screen at ${Math.round(run.readyMs ?? NaN)} ms, interactive at ${Math.round(run.ttiMs ?? NaN)} ms, after ${trips} round trips in a row`].join('\n');
}

export interface DoorResult {
  door: string;
  path: string;
  user: string;
  runs: DoorRun[];
  /** Why the door did not become interactive, when it did not (its control never showed, a request hung). */
  failure: string | null;
}

export interface Summary {
  door: string;
  path: string;
  transferKB: number | null;
  requests: number | null;
  /** Round trips in a row until interactive (roundTrips): with the bytes, what no faster CPU changes. */
  roundTrips: number | null;
  fcpMs: number | null;
  ttiMs: number | null;
  /** The door's time to interactive over the operations console's (1 = as fast). */
  vsConsole: number | null;
}

const med = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === xs.length && v.length > 0 ? median(v) : null;
};

export function summarise(results: readonly DoorResult[], consoleDoor = 'console'): Summary[] {
  const rows = results.map((r) => ({
    door: r.door,
    path: r.path,
    transferKB: r.runs.length ? Math.round(median(r.runs.map((x) => x.transferBytes)) / 1024) : null,
    requests: r.runs.length ? Math.round(median(r.runs.map((x) => x.requests))) : null,
    roundTrips: r.failure ? null : med(r.runs.map((x) => (x.ttiMs === null || !x.timeline ? null : roundTrips(x.timeline, x.ttiMs)))),
    fcpMs: r.failure ? null : med(r.runs.map((x) => x.fcpMs)),
    ttiMs: r.failure ? null : med(r.runs.map((x) => x.ttiMs)),
  }));
  const base = rows.find((r) => r.door === consoleDoor)?.ttiMs ?? null;
  return rows.map((r) => ({ ...r, vsConsole: base && r.ttiMs !== null ? Math.round((r.ttiMs / base) * 100) / 100 : null }));
}

const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function formatTable(rows: readonly Summary[], o: { command: string; runs: number; latencyMs: number; downBytesPerSec: number; cpu: number; targetMs: number; citizenDoor: string }): string {
  const lines = [
    `web bench: ${o.command}`,
    `network: ${o.latencyMs} ms latency, ${(o.downBytesPerSec * 8) / 1000} kbit/s down and up (CDP Network.emulateNetworkConditions); CPU ${o.cpu}× slower (Emulation.setCPUThrottlingRate); cold cache (a new browser context per run); median of ${o.runs} runs`,
    '',
    '| door | path | transfer | requests | round trips | first contentful paint | time to interactive | vs console |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.door} | ${r.path} | ${r.transferKB === null ? '—' : `${r.transferKB.toLocaleString('en')} KB`} | ${r.requests ?? '—'} | ${r.roundTrips ?? '—'} | ${s(r.fcpMs)} | ${s(r.ttiMs)} | ${r.vsConsole === null ? '—' : `${r.vsConsole}×`} |`,
    ),
    '',
    'transfer: bytes over the wire (CDP encodedDataLength, headers included) until interactive. round trips: requests in a row, each started only',
    `after another had answered, until interactive; each costs the whole ${o.latencyMs} ms latency, so no door is interactive before round trips × ${o.latencyMs} ms`,
    `+ transfer ÷ ${(o.downBytesPerSec * 8) / 1000} kbit/s, whatever the CPU. time to interactive: from navigation start until the door's main control is rendered and`,
    `no request (the event stream aside) is in flight or starts for ${QUIET_MS} ms.`,
  ];
  const citizen = rows.find((r) => r.door === o.citizenDoor);
  if (citizen) {
    const met = citizen.ttiMs !== null && citizen.ttiMs < o.targetMs;
    lines.push(`target: the citizen app interactive in under ${s(o.targetMs)} — ${met ? 'met' : 'NOT met'} (${s(citizen.ttiMs)}).`);
  }
  return lines.join('\n');
}
