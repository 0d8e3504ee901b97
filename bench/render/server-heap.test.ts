import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MAX_OLD_SPACE_MB, POSTGRES_MAX_OLD_SPACE_MB, serverHeapFlags } from '../../scripts/server-heap.mjs';

test('npm start caps the server old generation at the default unless told otherwise', () => {
  assert.deepEqual(serverHeapFlags({}), [`--max-old-space-size=${DEFAULT_MAX_OLD_SPACE_MB}`]);
  assert.deepEqual(serverHeapFlags({ SHUZHI_MAX_OLD_SPACE_MB: '' }), [`--max-old-space-size=${DEFAULT_MAX_OLD_SPACE_MB}`]);
  assert.deepEqual(serverHeapFlags({ SHUZHI_MAX_OLD_SPACE_MB: '1536' }), ['--max-old-space-size=1536']);
});

test('on PostgreSQL (DATABASE_URL set) the default cap is the lower one; a setting still wins', () => {
  const pg = { DATABASE_URL: 'postgres://shuzhi@localhost/shuzhi' };
  assert.ok(POSTGRES_MAX_OLD_SPACE_MB < DEFAULT_MAX_OLD_SPACE_MB);
  assert.deepEqual(serverHeapFlags(pg), [`--max-old-space-size=${POSTGRES_MAX_OLD_SPACE_MB}`]);
  assert.deepEqual(serverHeapFlags({ ...pg, SHUZHI_MAX_OLD_SPACE_MB: '1024' }), ['--max-old-space-size=1024']);
  assert.deepEqual(serverHeapFlags({ DATABASE_URL: '' }), [`--max-old-space-size=${DEFAULT_MAX_OLD_SPACE_MB}`]);
});

test("0 leaves V8's own size, and NODE_OPTIONS naming a size wins over the setting", () => {
  assert.deepEqual(serverHeapFlags({ SHUZHI_MAX_OLD_SPACE_MB: '0' }), []);
  assert.deepEqual(serverHeapFlags({ NODE_OPTIONS: '--enable-source-maps --max-old-space-size=4096', SHUZHI_MAX_OLD_SPACE_MB: '1536' }), []);
});

test('a setting that is not a whole number of MB is refused, naming it', () => {
  for (const bad of ['1.5', '-1', 'lots']) {
    assert.throws(() => serverHeapFlags({ SHUZHI_MAX_OLD_SPACE_MB: bad }), (err: Error) => err instanceof RangeError && err.message.includes('SHUZHI_MAX_OLD_SPACE_MB') && err.message.includes(bad));
  }
});
