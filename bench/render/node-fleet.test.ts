import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { startNodeFleet, type FleetConfig } from './node-fleet.ts';

/** The config each worker process would be started with; the processes are stand-ins with idle pipes, not started. */
function workerConfigs(c: Partial<FleetConfig>): Array<{ pooled: boolean; count: number; first: number }> {
  const seen: string[] = [];
  startNodeFleet({ urls: ['http://127.0.0.1:1'], credentialsFile: 'unused', nodes: 10, workers: 2, connectionsPerWorker: 5, seed: 1, ...c }, (cfg) => {
    seen.push(cfg);
    return { stdout: new PassThrough(), stdin: new PassThrough() } as unknown as ChildProcess;
  });
  return seen.map((s) => JSON.parse(s));
}

test('each simulated node has its own connection unless a shared pool is asked for, as an agent does', () => {
  assert.deepEqual(workerConfigs({}).map((w) => w.pooled), [false, false]);
  assert.deepEqual(workerConfigs({ pooledConnections: false }).map((w) => w.pooled), [false, false]);
  assert.deepEqual(workerConfigs({ pooledConnections: true }).map((w) => w.pooled), [true, true]);
});

test('the nodes are split between the worker processes without overlap', () => {
  assert.deepEqual(workerConfigs({ nodes: 9 }).map((w) => [w.first, w.count]), [[0, 5], [5, 4]]);
});
