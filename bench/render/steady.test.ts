import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkForSteadyWindow, MAX_CHUNK_FRAMES, SIZED_FOR_PER_SEC, steadyWindow, tasksForSteadyWindow, type QueueMark } from './steady.ts';

const mark = (sec: number, assigned: number, queued: number, cpuMs = sec * 500): QueueMark => ({ atMs: sec * 1000, assigned, queued, cpuMs });

test('the job leaves every node work through the steady seconds: paced burst and window, first asks, steady tasks, nodes left over', () => {
  const s = { nodes: 20_000, paced: 1000, pacedWindowSec: 30, steadySec: 20 };
  assert.equal(tasksForSteadyWindow(s), 20_000 + 30_000 + 20_000 + 20 * SIZED_FOR_PER_SEC + 20_000);
  // 1,000,000 frames in chunks of 6: 166,667 tasks, at least the 150,000 needed; chunks of 7 would be too few.
  assert.equal(chunkForSteadyWindow(s, 1_000_000), 6);
});

test('a small farm keeps the usual chunk; a job too small for its farm gets chunks of one frame', () => {
  assert.equal(chunkForSteadyWindow({ nodes: 100, paced: 100, pacedWindowSec: 10, steadySec: 1 }, 1_000_000), MAX_CHUNK_FRAMES);
  assert.equal(chunkForSteadyWindow({ nodes: 20_000, paced: 1000, pacedWindowSec: 30, steadySec: 20 }, 100_000), 1);
});

test('the window opens once every node has been handed a task and ends at the last sample with a task queued for each node', () => {
  const nodes = 1000;
  const marks = [mark(1, 400, 9000), mark(2, 1200, 8200), mark(3, 3200, 6200), mark(4, 5200, 4200), mark(5, 7200, 2200), mark(6, 8200, 900), mark(7, 9100, 0)];
  const w = steadyWindow(marks, nodes)!;
  assert.equal(w.start.atMs, 2000);
  assert.equal(w.end.atMs, 5000);
  assert.equal(w.sec, 3);
  assert.equal(w.perSec, 2000);
  assert.equal(w.start.queued, 8200);
  assert.equal(w.end.queued, 2200);
  assert.equal(w.cpuMsPerTask, Number((1500 / 6000).toFixed(3)));
});

test('no window when the queue never holds a task for every node after the first burst, or for one sample only', () => {
  assert.equal(steadyWindow([mark(1, 500, 3000), mark(2, 1500, 900), mark(3, 2400, 0)], 1000), null);
  assert.equal(steadyWindow([mark(1, 1500, 1200), mark(2, 2500, 200)], 1000), null);
  assert.equal(steadyWindow([], 1000), null);
});
