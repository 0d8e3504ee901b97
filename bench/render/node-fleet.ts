// The render bench's simulated nodes, in worker processes: one place that starts them and sums what
// they report, for the render bench and the failover bench's farm comparison.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BenchOption } from '../args.ts';

export interface WorkerStats { connected: number; syncs: number; assigned: number; completed: number; heartbeats: number; heartbeatsOk: number; errors: number; latencies: number[]; askLatencies: number[]; carried?: number[]; errorKinds: Record<string, number>; loopMaxMs: number; beatsBySec: Record<string, number>; leasesGiven?: Record<string, number>; conn?: FleetConnections }

/** The nodes' connections as undici saw them: opened, closed by reason, and connects that failed, by error. */
export interface FleetConnections { connects: number; disconnects: Record<string, number>; connectErrors: Record<string, number> }
type Counter = keyof Omit<WorkerStats, 'latencies' | 'askLatencies' | 'carried' | 'errorKinds' | 'loopMaxMs' | 'beatsBySec' | 'leasesGiven' | 'conn'>;

export interface FleetConfig {
  /** Server URL of each worker process, round-robin (several replicas) or one for all. */
  urls: readonly string[];
  credentialsFile: string;
  nodes: number;
  workers: number;
  connectionsPerWorker: number;
  seed: number;
  /** New nodes started per second over all worker processes (default 2,500: 20,000 nodes in 8 s). */
  connectPerSec?: number;
  /** Heartbeat every interval from a task's start (the agent before pacing.ts), not at the agent's random phase. */
  lockstepHeartbeats?: boolean;
  /** All of a worker process's nodes share one pool of connections, each call on the first free one (true), or each node has its own (false, the default: as an agent). */
  pooledConnections?: boolean;
}

export interface NodeFleet {
  procs: ChildProcess[];
  /** ask → task latencies reported since the last reset (ms), timed from the ask or from when the job was queued if later. */
  latencies(): number[];
  /** Ask → task of asks begun before the window's `measureFrom` and answered in it (kept apart). */
  carriedLatencies(): number[];
  /** The same, timed from the ask whenever it began (a node parked before the job existed counts its idle wait). */
  askLatencies(): number[];
  /** Failed node calls by kind (HTTP status and code, or the exception's name), summed over the workers. */
  errorKinds(): Record<string, number>;
  /** The nodes' connections so far, summed over the workers. */
  connections(): FleetConnections;
  resetLatencies(): void;
  /** Tasks the nodes were handed so far, by the lease (ms) each came with, over all workers. */
  leasesGiven(): Record<string, number>;
  /** Heartbeats sent in each whole second from `fromMs` to `toMs` (epoch ms), over all workers. */
  heartbeatsPerSecond(fromMs: number, toMs: number): number[];
  /** ask → task latencies (ms) by the second they were reported in (epoch s; a worker reports each second's batch just after it), for the bench's --timeline. */
  latenciesBySecond(): ReadonlyMap<number, number[]>;
  /** The longest event-loop delay of any worker process since resetLoop() (ms). */
  loopMaxMs(): number;
  resetLoop(): void;
  total(k: Counter): number;
  /** A message to every worker process (`{ holdExcept }`, `{ queuedAt }`, `{ stop: true }`). */
  send(msg: unknown): void;
}

/** The benches' `--connections` option: how a simulated node reaches the server (FleetConfig.pooledConnections). */
export const FLEET_CONNECTIONS_OPTION = {
  type: 'choice',
  choices: ['per-node', 'pool'],
  default: 'per-node',
  help: "how a simulated node reaches the server: on its own keep-alive connection, as an agent does (per-node, the default: a node calls at least every heartbeat interval, so its connection never idles out), or on the first free connection of its worker process's shared pool (pool: calls gather on the pool's first connections, the rest idle until undici closes them, and the next burst reopens thousands at once into the server's 4,096-deep accept queue; at 20,000 nodes under the same load, after connecting: 59,832 calls failed on connections (connect timeouts, resets, header timeouts) with the pool, none per node; SCALING.md)",
} as const satisfies BenchOption;

/**
 * How long a node holds a task of any job but the bench's current one (the heartbeat phase): longer than
 * that phase's window, three heartbeat intervals of the longest lease the farm hands out (3 × 40 s), and
 * the wait for every node to hold one.
 */
const HOLD_MS = 150_000;

/** Starts `workers` processes sharing `nodes` simulated nodes; `spawnWorker` runs bench/render/worker.ts with the config. */
export function startNodeFleet(c: FleetConfig, spawnWorker: (cfgJson: string) => ChildProcess): NodeFleet {
  const procs: ChildProcess[] = [];
  const latest: WorkerStats[] = [];
  let latencies: number[] = [];
  let askLatencies: number[] = [];
  let carried: number[] = [];
  let loopMax = 0;
  const beatsBySec = new Map<number, number>();
  const latenciesBySec = new Map<number, number[]>();
  const per = Math.ceil(c.nodes / c.workers);
  for (let w = 0; w < c.workers; w++) {
    const count = Math.min(per, c.nodes - w * per);
    const cfg = { url: c.urls[w % c.urls.length]!, credentialsFile: c.credentialsFile, first: w * per, count, connections: c.connectionsPerWorker, taskMs: [200, 1000], holdMs: HOLD_MS, seed: c.seed + w, connectPerSec: (c.connectPerSec ?? 2500) / c.workers, lockstep: c.lockstepHeartbeats ?? false, pooled: c.pooledConnections ?? false };
    const proc = spawnWorker(JSON.stringify(cfg));
    procs.push(proc);
    latest.push({ connected: 0, syncs: 0, assigned: 0, completed: 0, heartbeats: 0, heartbeatsOk: 0, errors: 0, latencies: [], askLatencies: [], carried: [], errorKinds: {}, loopMaxMs: 0, beatsBySec: {} });
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const s = JSON.parse(l) as WorkerStats;
      latest[w] = s;
      latencies = latencies.concat(s.latencies);
      const sec = Math.floor(Date.now() / 1000) - 1;
      latenciesBySec.set(sec, (latenciesBySec.get(sec) ?? []).concat(s.latencies));
      askLatencies = askLatencies.concat(s.askLatencies);
      carried = carried.concat(s.carried ?? []);
      loopMax = Math.max(loopMax, s.loopMaxMs);
      for (const [sec, n] of Object.entries(s.beatsBySec ?? {})) beatsBySec.set(Number(sec), (beatsBySec.get(Number(sec)) ?? 0) + n);
    });
  }
  return {
    procs,
    latencies: () => latencies,
    askLatencies: () => askLatencies,
    carriedLatencies: () => carried,
    errorKinds: () => {
      const out: Record<string, number> = {};
      for (const s of latest) addCounts(out, s.errorKinds);
      return out;
    },
    leasesGiven: () => {
      const out: Record<string, number> = {};
      for (const s of latest) addCounts(out, s.leasesGiven ?? {});
      return out;
    },
    connections: () => {
      const out: FleetConnections = { connects: 0, disconnects: {}, connectErrors: {} };
      for (const s of latest) {
        out.connects += s.conn?.connects ?? 0;
        addCounts(out.disconnects, s.conn?.disconnects ?? {});
        addCounts(out.connectErrors, s.conn?.connectErrors ?? {});
      }
      return out;
    },
    resetLatencies: () => {
      latencies = [];
      askLatencies = [];
      carried = [];
    },
    heartbeatsPerSecond: (fromMs, toMs) => {
      const out: number[] = [];
      for (let sec = Math.ceil(fromMs / 1000); sec < Math.floor(toMs / 1000); sec++) out.push(beatsBySec.get(sec) ?? 0);
      return out;
    },
    latenciesBySecond: () => latenciesBySec,
    loopMaxMs: () => loopMax,
    resetLoop: () => {
      loopMax = 0;
    },
    total: (k) => latest.reduce((x, s) => x + s[k], 0),
    send: (msg) => procs.forEach((q) => q.stdin!.write(`${JSON.stringify(msg)}\n`)),
  };
}

/** Adds counts by kind into `into`. */
function addCounts(into: Record<string, number>, add: Record<string, number>): void {
  for (const [k, n] of Object.entries(add)) into[k] = (into[k] ?? 0) + n;
}

/** Counts by kind that grew since `before`, by how much (kinds that did not grow left out). */
export function countsSince(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));
}
