import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mergeByName, readJson } from './results.ts';

const row = (name: string, v: number) => ({ name, v });
const order = ['small', 'medium', 'large'];

test('a run of one scenario replaces its rows and keeps the other scenarios\' rows', () => {
  const earlier = [row('small, 60-min slots', 1), row('small, 15-min slots', 2), row('large, 60-min slots', 3)];
  const merged = mergeByName(earlier, [row('medium, 60-min slots', 4), row('small, 15-min slots', 5)], order);
  assert.deepEqual(merged, [row('small, 60-min slots', 1), row('small, 15-min slots', 5), row('medium, 60-min slots', 4), row('large, 60-min slots', 3)]);
});

test('a run of no scenario (only workflow or array) keeps every earlier row', () => {
  const earlier = [row('small, 60-min slots', 1), row('medium, 15-min slots', 2)];
  assert.deepEqual(mergeByName(earlier, [], order), earlier);
});

test('a missing or unreadable results file reads as the fallback', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'planner-results-'));
  assert.deepEqual(readJson(path.join(dir, 'none.json'), []), []);
  writeFileSync(path.join(dir, 'bad.json'), '{ not json');
  assert.deepEqual(readJson(path.join(dir, 'bad.json'), { a: 1 }), { a: 1 });
});
