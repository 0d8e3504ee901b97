// The web bench's pure parts: time to interactive from a request timeline, medians, the table's verdict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable, formatTimeline, interactiveAt, median, roundTrips, SLOW_3G, summarise, type DoorResult } from './measure.ts';

test('interactive: the control shows, then the network must stay quiet for the whole window', () => {
  // Nothing in flight after the control showed: interactive at once.
  assert.equal(interactiveAt(2, [{ start: 0, end: 1.5 }]), 2);
  // A request still loading when the control shows pushes the moment to its end.
  assert.equal(interactiveAt(2, [{ start: 1, end: 3 }]), 3);
  // One starting within 500 ms of that end chains on; one starting later does not count.
  assert.equal(interactiveAt(2, [{ start: 1, end: 3 }, { start: 3.4, end: 4 }, { start: 4.6, end: 5 }]), 4);
  // A request that never finishes: never interactive.
  assert.equal(interactiveAt(2, [{ start: 1, end: null }]), Infinity);
  // The window is the caller's to set.
  assert.equal(interactiveAt(2, [{ start: 2.8, end: 3 }], 1000), 3);
});

test('medians and the comparison with the console; a failed door shows no figures', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2);
  assert.ok(Number.isNaN(median([])));
  // Each run: the document, then its scripts side by side: two round trips.
  const timeline = [
    { path: '/', startMs: 0, endMs: 1000, bytes: 0 },
    { path: '/a.js', startMs: 1100, endMs: 1500, bytes: 0 },
    { path: '/b.js', startMs: 1100, endMs: 1600, bytes: 0 },
  ];
  const run = (kb: number, tti: number) => ({ transferBytes: kb * 1024, requests: 10, fcpMs: tti / 2, ttiMs: tti, timeline });
  const results: DoorResult[] = [
    { door: 'citizen', path: '/gov/app', user: 'citizen', runs: [run(200, 4000), run(210, 4200), run(190, 3800)], failure: null },
    { door: 'console', path: '/compute/overview', user: 'operator', runs: [run(900, 8000)], failure: null },
    { door: 'kiosk', path: '/gov/kiosk', user: 'citizen', runs: [], failure: 'the control never showed' },
  ];
  const rows = summarise(results);
  assert.deepEqual(rows[0], { door: 'citizen', path: '/gov/app', transferKB: 200, requests: 10, roundTrips: 2, fcpMs: 2000, ttiMs: 4000, vsConsole: 0.5 });
  assert.deepEqual(rows[2], { door: 'kiosk', path: '/gov/kiosk', transferKB: null, requests: null, roundTrips: null, fcpMs: null, ttiMs: null, vsConsole: null });
  const o = { command: 'npm run bench -- web', runs: 3, ...SLOW_3G, cpu: 4, targetMs: 5000, citizenDoor: 'citizen' };
  const text = formatTable(rows, o);
  assert.match(text, /\| citizen \| \/gov\/app \| 200 KB \| 10 \| 2 \| 2\.00 s \| 4\.00 s \| 0\.5× \|/);
  assert.match(text, /2000 ms latency, 400 kbit\/s down and up/);
  assert.match(text, /no door is interactive before round trips × 2000 ms/);
  assert.match(text, /target: the citizen app interactive in under 5\.00 s — met \(4\.00 s\)/);
  assert.match(formatTable(summarise([{ ...results[0]!, runs: [run(200, 6000)] }]), o), /NOT met \(6\.00 s\)/);
});

test('the timeline lists each request from the document start, an open one as open', () => {
  const text = formatTimeline({
    transferBytes: 0,
    requests: 2,
    fcpMs: null,
    ttiMs: 4300,
    readyMs: 4100,
    timeline: [
      { path: '/', startMs: 0, endMs: 2010.4, bytes: 900 },
      { path: '/api/events', startMs: 4000, endMs: null, bytes: 0 },
    ],
  });
  assert.equal(text.split('\n')[0], '     0 →   2010 ms     0.9 KB  /');
  assert.match(text, /4000 → open ms/);
  assert.match(text, /control on screen at 4100 ms, interactive at 4300 ms, after 1 round trips in a row$/);
});

test('round trips: requests that waited for another answer chain; parallel ones do not; later ones do not count', () => {
  const e = (startMs: number, endMs: number | null) => ({ path: '/x', startMs, endMs, bytes: 0 });
  // The document, then three requests side by side: two trips.
  assert.equal(roundTrips([e(0, 2000), e(2100, 4000), e(2100, 4500), e(2200, 4200)], 5000), 2);
  // The document, the scripts, the session check, the page's calls: four.
  assert.equal(roundTrips([e(0, 2000), e(2100, 4000), e(4100, 6000), e(6100, 8000)], 8000), 4);
  // A request still open, or ending after the moment asked about, is not on the way there.
  assert.equal(roundTrips([e(0, 2000), e(2100, 4000), e(4100, null), e(4100, 9000)], 8000), 2);
  assert.equal(roundTrips([], 1000), 0);
});
