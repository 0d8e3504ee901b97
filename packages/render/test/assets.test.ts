import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fanoutFigures, manifestId, parseManifest, JobSpecInvalidError } from '../src/index.ts';

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

test('fan-out: the store reads every node in full when naive, k per round when limited, and only its own rounds in a tree', () => {
  // 10 nodes, 2 store slots, fan-out 1. Round 1: the store serves 2 (2 have it). Round 2: the store 2,
  // peers 2 (6). Round 3: the store 2, peers the 2 left (10). The store served 6 nodes in all.
  const f = fanoutFigures({ nodes: 10, blobBytes: [100, 50], storeSlots: 2, fanout: 1 });
  assert.equal(f.jobBytes, 150);
  assert.equal(f.naive.storeBytes, 1500);
  assert.deepEqual(f.storeLimited, { storeBytes: 1500, peakStoreTransfers: 2, rounds: 5 });
  assert.deepEqual(f.tree, { storeBytes: 6 * 150, peerBytes: 4 * 150, peakStoreTransfers: 2, rounds: 3 });
  assert.throws(() => fanoutFigures({ nodes: 0, blobBytes: [], storeSlots: 1, fanout: 1 }), RangeError);
});
