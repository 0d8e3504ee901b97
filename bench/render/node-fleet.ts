// The render bench's simulated nodes, in worker processes: one place that starts them and sums what
// they report, for the render bench and the failover bench's farm comparison.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerStats { connected: number; assigned: number; completed: number; heartbeats: number; heartbeatsOk: number; errors: number; latencies: number[] }
type Counter = keyof Omit<WorkerStats, 'latencies'>;

export interface FleetConfig {
  /** Server URL of each worker process, round-robin (several replicas) or one for all. */
  urls: readonly string[];
  credentialsFile: string;
  nodes: number;
  workers: number;
  connectionsPerWorker: number;
  seed: number;
}

export interface NodeFleet {
  procs: ChildProcess[];
  /** ask → task latencies reported since the last reset (ms). */
  latencies(): number[];
  resetLatencies(): void;
  total(k: Counter): number;
  /** A message to every worker process (`{ holdJob }`, `{ stop: true }`). */
  send(msg: unknown): void;
}

/** Starts `workers` processes sharing `nodes` simulated nodes; `spawnWorker` runs bench/render/worker.ts with the config. */
export function startNodeFleet(c: FleetConfig, spawnWorker: (cfgJson: string) => ChildProcess): NodeFleet {
  const procs: ChildProcess[] = [];
  const latest: WorkerStats[] = [];
  let latencies: number[] = [];
  const per = Math.ceil(c.nodes / c.workers);
  for (let w = 0; w < c.workers; w++) {
    const count = Math.min(per, c.nodes - w * per);
    const cfg = { url: c.urls[w % c.urls.length]!, credentialsFile: c.credentialsFile, first: w * per, count, connections: c.connectionsPerWorker, taskMs: [200, 1000], holdMs: 24_000, seed: c.seed + w };
    const proc = spawnWorker(JSON.stringify(cfg));
    procs.push(proc);
    latest.push({ connected: 0, assigned: 0, completed: 0, heartbeats: 0, heartbeatsOk: 0, errors: 0, latencies: [] });
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const s = JSON.parse(l) as WorkerStats;
      latest[w] = s;
      latencies = latencies.concat(s.latencies);
    });
  }
  return {
    procs,
    latencies: () => latencies,
    resetLatencies: () => {
      latencies = [];
    },
    total: (k) => latest.reduce((x, s) => x + s[k], 0),
    send: (msg) => procs.forEach((q) => q.stdin!.write(`${JSON.stringify(msg)}\n`)),
  };
}
