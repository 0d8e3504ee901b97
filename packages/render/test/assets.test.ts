import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlobFanout, manifestId, parseManifest, JobSpecInvalidError } from '../src/index.ts';

const H = (c: string) => c.repeat(64);

test('a manifest is sorted by path and its id does not depend on the order it was sent in', () => {
  const a = parseManifest({ files: [{ path: 'b/tex.png', sha256: H('a'), size: 3 }, { path: 'a.blend', sha256: H('b'), size: 5 }] });
  const b = parseManifest({ files: [{ path: 'a.blend', sha256: H('b'), size: 5 }, { path: 'b/tex.png', sha256: H('a'), size: 3 }] });
  assert.deepEqual(a.files.map((f) => f.path), ['a.blend', 'b/tex.png']);
  assert.equal(manifestId(a), manifestId(b));
  assert.notEqual(manifestId(a), manifestId(parseManifest({ files: [{ path: 'a.blend', sha256: H('b'), size: 6 }] })));
});

test('paths leaving the folder, duplicates, bad hashes and a file that is also a folder are refused naming the field', () => {
  const bad: [unknown, string][] = [
    [{ files: [{ path: '../etc/passwd', sha256: H('a'), size: 1 }] }, 'files.0.path'],
    [{ files: [{ path: '/abs.blend', sha256: H('a'), size: 1 }] }, 'files.0.path'],
    [{ files: [{ path: 'x/.hidden', sha256: H('a'), size: 1 }] }, 'files.0.path'],
    [{ files: [{ path: 'a.blend', sha256: 'ABC', size: 1 }] }, 'files.0.sha256'],
    [{ files: [{ path: 'a', sha256: H('a'), size: 1 }, { path: 'a', sha256: H('b'), size: 1 }] }, 'files.1.path'],
    [{ files: [{ path: 'a', sha256: H('a'), size: 1 }, { path: 'a/b', sha256: H('b'), size: 1 }] }, 'files.1.path'],
    [{ files: [{ path: 'a', sha256: H('a'), size: 1 }, { path: 'b', sha256: H('a'), size: 2 }] }, 'files.1.size'],
  ];
  for (const [input, field] of bad) {
    assert.throws(() => parseManifest(input), (e: unknown) => e instanceof JobSpecInvalidError && e.issues.some((i) => i.path === field), JSON.stringify(input));
  }
});

test('fan-out: the store seeds k nodes per blob, each holder serves m at once, a failed peer sends the node to the store', () => {
  const f = new BlobFanout({ seeds: 2, perHolder: 2, assignmentMs: 60_000, retryMs: 100 });
  const sha = 'a'.repeat(64);
  const ask = (n: string) => f.source('t1', sha, n, 0);
  assert.deepEqual(ask('n1'), { from: 'store' });
  assert.deepEqual(ask('n2'), { from: 'store' });
  assert.deepEqual(ask('n3'), { from: 'wait', retryMs: 100 }, 'k store transfers live, no holder yet: wait');
  f.report('t1', sha, 'n1', { ok: true, serveUrl: 'http://n1' }, 0);
  assert.deepEqual(ask('n3'), { from: 'peer', node: 'n1', url: 'http://n1' });
  assert.deepEqual(ask('n4'), { from: 'peer', node: 'n1', url: 'http://n1' });
  assert.deepEqual(ask('n5'), { from: 'wait', retryMs: 100 }, 'n1 serves 2 already; the store made 2 seeds (1 live, 1 holder)');
  assert.equal(f.source('t2', sha, 'n5', 0).from, 'store', 'another tenant: its own holders and seeds');
  // n3's transfer from n1 fails (refused, bad bytes): n1 is no longer a holder, n3 goes to the store.
  assert.deepEqual(f.report('t1', sha, 'n3', { ok: false }, 0), { from: 'peer' });
  assert.deepEqual(f.holders('t1', sha), []);
  assert.deepEqual(ask('n3'), { from: 'store' });
  f.report('t1', sha, 'n4', { ok: true, serveUrl: 'http://n4' }, 0);
  assert.deepEqual(ask('n6'), { from: 'peer', node: 'n4', url: 'http://n4' });
  assert.deepEqual(f.counters, { store: 4, peer: 3, waits: 2, peerFailures: 1 });
  // A transfer nobody reports on stops counting once its assignment expires.
  const g = new BlobFanout({ seeds: 1, perHolder: 1, assignmentMs: 1000, retryMs: 100 });
  assert.equal(g.source('t', sha, 'a', 0).from, 'store');
  assert.equal(g.source('t', sha, 'b', 500).from, 'wait');
  assert.equal(g.source('t', sha, 'b', 1000).from, 'store');
  assert.throws(() => new BlobFanout({ seeds: 0, perHolder: 1, assignmentMs: 1, retryMs: 1 }), RangeError);
});
