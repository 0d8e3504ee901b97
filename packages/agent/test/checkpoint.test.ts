import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CheckpointTooBig, packCheckpoint, unpackCheckpoint } from '../src/worker/checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'shuzhi-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a checkpoint directory packs and unpacks to the same files; links are left out', async () => {
  const src = join(root, 'src');
  mkdirSync(join(src, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(src, 'progress'), '17\n');
  writeFileSync(join(src, 'sub', 'deeper', 'weights.bin'), Buffer.from([0, 1, 2, 255]));
  symlinkSync('/etc/passwd', join(src, 'sub', 'passwd'));
  const { archive, files, skipped } = await packCheckpoint(src);
  assert.equal(files, 2);
  assert.deepEqual(skipped, ['sub/passwd']);
  const dst = join(root, 'dst');
  mkdirSync(dst);
  assert.equal(await unpackCheckpoint(archive, dst), 2);
  assert.equal(readFileSync(join(dst, 'progress'), 'utf8'), '17\n');
  assert.deepEqual([...readFileSync(join(dst, 'sub', 'deeper', 'weights.bin'))], [0, 1, 2, 255]);
  assert.equal(existsSync(join(dst, 'sub', 'passwd')), false);
});

test('an archive naming a path outside the directory is refused before anything is written', async () => {
  for (const path of ['../escape', '/etc/evil', 'a/../../b', 'a/./b', '', 'nul\0x']) {
    const dst = mkdtempSync(join(root, 'bad-'));
    const archive = gzipSync(JSON.stringify({ version: 1, files: [{ path: 'fine', mode: 0o600, data: '' }, { path, mode: 0o600, data: 'eA==' }] }));
    await assert.rejects(unpackCheckpoint(archive, dst), /unsafe path/, JSON.stringify(path));
    assert.equal(existsSync(join(dst, 'fine')), false);
  }
  await assert.rejects(unpackCheckpoint(gzipSync('{"version":2}'), root), /not a checkpoint archive/);
});

test('a directory over the limit is not packed', async () => {
  const big = join(root, 'big');
  mkdirSync(big);
  writeFileSync(join(big, 'a'), Buffer.alloc(2048));
  await assert.rejects(packCheckpoint(big, 1024), CheckpointTooBig);
});
