import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { countFrames, iterateFrames, parseFrameRanges, parseTaskId, planChunks, taskIdOf } from '../src/index.ts';

test('chunks of 7 over 1-240,300: 35 chunks, the last one spans the gap, then the preview', () => {
  const plan = planChunks(parseFrameRanges('1-240,300'), 7);
  assert.equal(plan.chunkCount, 35);
  assert.equal(plan.taskCount, 36);
  assert.equal(plan.taskKind(35), 'preview');
  assert.equal(plan.taskKind(0), 'chunk');
  assert.deepEqual([...iterateFrames(plan.taskFrames(34))], [239, 240, 300]);
  assert.deepEqual([...iterateFrames(plan.taskFrames(0))], [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(countFrames(plan.taskFrames(35)), 241, 'the preview covers every frame');
  assert.throws(() => plan.taskFrames(36), RangeError);
});

test('property: every frame is rendered exactly once across chunks, in order, chunks full but the last', () => {
  const item = fc
    .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 4 }))
    .map(([a, len, s]) => `${a}-${a + len}x${s}`);
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (items, chunkSize) => {
      let frames;
      try {
        frames = parseFrameRanges(items.join(','));
      } catch {
        return;
      }
      const plan = planChunks(frames, chunkSize);
      const seen: number[] = [];
      for (let i = 0; i < plan.chunkCount; i++) {
        const chunk = [...iterateFrames(plan.taskFrames(i))];
        assert.ok(chunk.length >= 1 && chunk.length <= chunkSize);
        if (i < plan.chunkCount - 1) assert.equal(chunk.length, chunkSize);
        seen.push(...chunk);
      }
      assert.deepEqual(seen, [...iterateFrames(frames)]);
    }),
    { numRuns: 300 },
  );
});

test('a million-frame job is planned without materialising tasks; random chunks are exact', () => {
  const frames = parseFrameRanges('1-400000,500000-1699998x2');
  assert.equal(countFrames(frames), 1_000_000);
  const plan = planChunks(frames, 1);
  assert.equal(plan.chunkCount, 1_000_000);
  assert.equal(plan.taskCount, 1_000_001);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 999_999 }), (i) => {
      const expected = i < 400_000 ? i + 1 : 500_000 + (i - 400_000) * 2;
      assert.deepEqual(plan.taskFrames(i), [{ start: expected, end: expected, step: 1 }]);
    }),
  );
  const big = planChunks(frames, 7);
  assert.equal(big.chunkCount, Math.ceil(1_000_000 / 7));
  // The chunk straddling the range boundary: 399,994..400,000 then 500,000..
  const straddle = Math.floor(399_999 / 7);
  const fr = [...iterateFrames(big.taskFrames(straddle))];
  assert.equal(fr.length, 7);
  assert.ok(fr.includes(400_000) && fr.includes(500_000));
});

test('task ids round-trip', () => {
  assert.deepEqual(parseTaskId(taskIdOf('job_a.b', 12)), { jobId: 'job_a.b', index: 12 });
  assert.equal(parseTaskId('job_x'), null);
  assert.equal(parseTaskId('job_x.01'), null);
  assert.equal(parseTaskId('.3'), null);
});
