import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FramesInvalidError,
  countFrames,
  formatFrameRanges,
  frameSetHas,
  iterateFrames,
  missingFrames,
  parseFrameRanges,
} from '../src/index.ts';
import type { FrameRange } from '../src/index.ts';

/** Independent oracle: expands the text naively into a set. */
function naiveFrames(text: string): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*(?:x\s*(\d+))?)?\s*$/.exec(item);
    if (!m) throw new Error(`oracle cannot read ${item}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const s = m[3] === undefined ? 1 : Number(m[3]);
    for (let f = a; f <= b; f += s) out.add(f);
  }
  return out;
}

function expectCode(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FramesInvalidError, `expected FramesInvalidError, got ${String(err)}`);
    assert.equal(err.code, 'FRAMES_INVALID');
    assert.equal(err.reason, reason);
    assert.ok(err.message.length > 10);
    return true;
  });
}

test('a join that makes the run before it joinable joins that too (a counterexample CI found)', () => {
  assert.equal(formatFrameRanges(parseFrameRanges('270,268,272-274x2')), '268-274x2');
  assert.equal(formatFrameRanges(parseFrameRanges('1,3,5,7-11x2')), '1-11x2');
});

test('the issue example: a stepped range inside a plain range adds nothing', () => {
  const r = parseFrameRanges('1-240,300,10-20x2');
  assert.equal(formatFrameRanges(r), '1-240,300');
  assert.equal(countFrames(r), 241);
});

test('steps, spaces, Blender-style .. and merging of adjacent items', () => {
  assert.equal(formatFrameRanges(parseFrameRanges('1-10x3')), '1-10x3');
  assert.deepEqual([...iterateFrames(parseFrameRanges('1-10x3'))], [1, 4, 7, 10]);
  assert.equal(formatFrameRanges(parseFrameRanges('1-11x3')), '1-10x3', 'end snaps onto the step');
  assert.equal(formatFrameRanges(parseFrameRanges(' 5 , 1 .. 3 ,4')), '1-5');
  assert.equal(formatFrameRanges(parseFrameRanges('10-20x2,22,24-30x2')), '10-30x2');
  assert.equal(formatFrameRanges(parseFrameRanges('7-7x5')), '7');
  assert.equal(formatFrameRanges(parseFrameRanges('0')), '0');
});

test('overlaps are resolved exactly: trimming around a plain range and splitting a stepped one', () => {
  const cases = ['1-100,50-200x3', '1-99x2,40-45', '1-20x4,5-9x4', '100-200,1-150x7', '3,1-5x2', '1-21x2,4'];
  for (const text of cases) {
    const r = parseFrameRanges(text);
    assert.deepEqual(new Set(iterateFrames(r)), naiveFrames(text), text);
  }
});

test('interleaved stepped ranges that cannot be merged are refused as overlap', () => {
  expectCode(() => parseFrameRanges('1-20x2,2-20x3'), 'overlap');
});

test('errors carry FRAMES_INVALID and a reason the UI can act on', () => {
  expectCode(() => parseFrameRanges(''), 'empty');
  expectCode(() => parseFrameRanges('   '), 'empty');
  expectCode(() => parseFrameRanges('1-'), 'syntax');
  expectCode(() => parseFrameRanges('a'), 'syntax');
  expectCode(() => parseFrameRanges('1;2'), 'syntax');
  expectCode(() => parseFrameRanges('1,,2'), 'syntax');
  expectCode(() => parseFrameRanges('-5'), 'syntax');
  expectCode(() => parseFrameRanges('20-10'), 'reversed');
  expectCode(() => parseFrameRanges('1-10x0'), 'step');
  expectCode(() => parseFrameRanges('1-10x'), 'syntax');
  expectCode(() => parseFrameRanges('1-99999999999'), 'frame-too-large');
  expectCode(() => parseFrameRanges('1-2000000', { maxFrame: 1_048_574 }), 'frame-too-large');
  expectCode(() => parseFrameRanges('1-101', { maxFrames: 100 }), 'too-many-frames');
  expectCode(() => parseFrameRanges('1,3,5,7', { maxRanges: 3 }), 'too-many-ranges');
  expectCode(() => parseFrameRanges('1'.repeat(50), { maxLength: 10 }), 'too-long');
  const err = (() => {
    try {
      parseFrameRanges('1-10,12-x');
    } catch (e) {
      return e as FramesInvalidError;
    }
    return null;
  })();
  assert.ok(err);
  assert.equal(err.position, 8, 'position points at the bad character');
});

test('a million frames stay a handful of ranges', () => {
  const r = parseFrameRanges('1-1000000');
  assert.equal(r.length, 1);
  assert.equal(countFrames(r), 1_000_000);
  const r2 = parseFrameRanges('1-500000,500001-1000000x1,2000000-4000000x2');
  assert.equal(r2.length, 2);
  assert.equal(countFrames(r2), 1_000_000 + 1_000_001);
  assert.ok(frameSetHas(r2, 3_999_998));
  assert.ok(!frameSetHas(r2, 3_999_999));
});

const itemArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map(String),
  fc
    .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 6 }))
    .map(([a, len, step]) => (step === 1 ? `${a}-${a + len}` : `${a}-${a + len}x${step}`)),
);
const listArb = fc.array(itemArb, { minLength: 1, maxLength: 12 }).map((items) => items.join(','));

function checkCanonical(r: readonly FrameRange[]): void {
  for (let i = 0; i < r.length; i++) {
    const x = r[i]!;
    assert.ok(x.start <= x.end && (x.end - x.start) % x.step === 0);
    if (x.start === x.end) assert.equal(x.step, 1);
    if (i > 0) assert.ok(r[i - 1]!.end < x.start, 'intervals ascend and do not overlap');
  }
}

test('property: parsing yields exactly the frames named, each once, ascending', () => {
  fc.assert(
    fc.property(listArb, (text) => {
      let r: FrameRange[];
      try {
        r = parseFrameRanges(text);
      } catch (err) {
        // Only differently stepped runs that interleave may be refused.
        assert.ok(err instanceof FramesInvalidError && err.reason === 'overlap', String(err));
        return;
      }
      checkCanonical(r);
      const frames = [...iterateFrames(r)];
      const expected = [...naiveFrames(text)].sort((a, b) => a - b);
      assert.deepEqual(frames, expected);
      assert.equal(countFrames(r), expected.length);
    }),
    { numRuns: 400 },
  );
});

test('property: formatting is canonical (format ∘ parse is idempotent)', () => {
  fc.assert(
    fc.property(listArb, (text) => {
      let once: string;
      try {
        once = formatFrameRanges(parseFrameRanges(text));
      } catch {
        return;
      }
      assert.equal(formatFrameRanges(parseFrameRanges(once)), once);
    }),
    { numRuns: 300 },
  );
});

test('property: missingFrames keeps exactly the frames not done, compactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 0, max: 400 })), (a, len, done) => {
      const set = parseFrameRanges(`${a}-${a + len}`);
      const doneSet = new Set(done);
      const missing = missingFrames(set, (f) => doneSet.has(f));
      checkCanonical(missing);
      assert.deepEqual([...iterateFrames(missing)], [...iterateFrames(set)].filter((f) => !doneSet.has(f)));
    }),
  );
});
