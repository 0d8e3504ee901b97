import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stagingFor } from '../src/staging.ts';

const links = [{ from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 5 }];

test('staging takes GB×8/Gbps seconds and the link price; same region is free; no link is impossible', () => {
  assert.deepEqual(stagingFor(links, 'xinjiang', 'chongqing', 500), {
    fromRegion: 'xinjiang',
    toRegion: 'chongqing',
    dataGB: 500,
    seconds: 40,
    fen: 2500,
  });
  // A link serves both directions.
  assert.equal(stagingFor(links, 'chongqing', 'xinjiang', 100)?.fen, 500);
  assert.equal(stagingFor(links, 'xinjiang', 'xinjiang', 500)?.seconds, 0);
  assert.equal(stagingFor(links, 'xinjiang', 'henan', 1), null);
});

test('staging cost and time grow with the data and never go negative', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (a, b) => {
      const sa = stagingFor(links, 'xinjiang', 'chongqing', Math.min(a, b))!;
      const sb = stagingFor(links, 'xinjiang', 'chongqing', Math.max(a, b))!;
      return sa.seconds >= 0 && sa.fen >= 0 && sa.seconds <= sb.seconds && sa.fen <= sb.fen;
    }),
  );
});
