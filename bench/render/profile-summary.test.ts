import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarise, type CpuProfile } from './profile-summary.ts';

// A hand-made profile: root → BatchWriter.write → a PGlite frame; root → the garbage collector; root → idle.
const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
    { id: 2, callFrame: frame('write', 'file:///opt/shuzhi/node_modules/@shuzhi/server/src/render/persist.ts'), children: [3] },
    { id: 3, callFrame: frame('execProtocolRaw', 'file:///x/node_modules/@electric-sql/pglite/dist/chunk.js') },
    { id: 4, callFrame: frame('(garbage collector)') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 1_000,
  endTime: 1_000 + 6_000,
  // Samples 1 ms apart: PGlite under the writer twice, GC once, idle, then PGlite outside the window.
  samples: [3, 3, 4, 5, 3, 3],
  timeDeltas: [0, 1_000, 1_000, 1_000, 1_000, 1_000],
};

test('time is attributed to the part whose frame is on the stack, inside the window only', () => {
  const s = summarise(profile, 1_000, 4_000);
  assert.deepEqual(Object.fromEntries(s.byBucket), { 'render: batch writer': 2, gc: 1, idle: 1 });
  assert.equal(s.sampledMs, 4);
  assert.equal(s.bySelf[0]![0].startsWith('execProtocolRaw'), true);
});

test('without a window every sample counts (the last one has no length)', () => {
  const s = summarise(profile);
  assert.equal(s.sampledMs, 5);
});
