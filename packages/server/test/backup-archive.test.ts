// The archive format and the pure rules of backup/restore: tar round trip (and GNU tar agrees), unsafe
// entries refused, what stays out of a backup, and whether an archive matches its manifest.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TarGzWriter, entryHeader, readTarGz, unsafePathReason } from '../src/backup/archive.ts';
import { BackupError } from '../src/backup/errors.ts';
import { ALLOWED, checkAgainstManifest, excludeReason, parseManifest, type Manifest } from '../src/backup/manifest.ts';
import { pgEnv, serverInUse } from '../src/backup/backup.ts';
import { verifyArchive } from '../src/backup/restore.ts';
import { UsageError } from '../src/cli/args.ts';
import { backupCommand } from '../src/cli/backup.ts';

const dir = mkdtempSync(join(tmpdir(), 'shuzhi-archive-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A .tar.gz made of raw entries, as an attacker (or a damaged copy) would have it. */
function craft(name: string, entries: { path: string; data?: Buffer; type?: 'file' | 'dir'; typeflag?: string }[]): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    let h = entryHeader({ name: e.path, size: e.type === 'dir' ? 0 : data.length, mode: 0o644, mtimeSec: 0, type: e.type ?? 'file' });
    if (e.typeflag) {
      h = Buffer.from(h);
      h.write(e.typeflag, 156, 'ascii');
      h.write('        ', 148, 'ascii');
      let sum = 0;
      for (const b of h.subarray(0, 512)) sum += b;
      h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    }
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const p = join(dir, name);
  writeFileSync(p, gzipSync(Buffer.concat(parts)));
  return p;
}

async function entries(p: string) {
  const out: { path: string; type: string; data: Buffer }[] = [];
  for await (const e of readTarGz(p, ALLOWED)) {
    const bufs: Buffer[] = [];
    for await (const b of e.body) bufs.push(b);
    out.push({ path: e.path, type: e.type, data: Buffer.concat(bufs) });
  }
  return out;
}

async function refusal(p: string): Promise<BackupError> {
  try {
    await entries(p);
  } catch (err) {
    assert.ok(err instanceof BackupError, String(err));
    return err;
  }
  assert.fail('the archive was read');
}

test('unsafe archive paths are named; the ones a backup writes pass', () => {
  const ok = ['manifest.json', 'data/keys/secrets.key', 'data/render/uploads/up_1/scene.blend', 'db/postgres.dump', 'data/pglite/'];
  for (const p of ok) assert.equal(unsafePathReason(p, ALLOWED), null, p);
  const bad: [string, RegExp][] = [
    ['../etc/passwd', /\.\./],
    ['data/../../etc/cron.d/x', /\.\./],
    ['data/render/..', /\.\./],
    ['/etc/passwd', /absolute/],
    ['data//x', /empty/],
    ['data/./x', /empty or "\."/],
    ['data\\..\\x', /backslash/],
    ['C:/x', /drive/],
    ['elsewhere/x', /outside/],
    ['data', /outside/],
    ['data/x\0y', /NUL/],
    ['', /empty/],
  ];
  for (const [p, re] of bad) assert.match(unsafePathReason(p, ALLOWED) ?? 'null', re, p);
});

test('the writer round-trips files, empty files, directories and long names; GNU tar reads it the same', async () => {
  const src = join(dir, 'src.bin');
  const big = randomBytes(3 * 1024 * 1024 + 17);
  writeFileSync(src, big);
  const out = join(dir, 'round.tar.gz');
  const w = await TarGzWriter.create(out);
  const longName = `data/render/${'a'.repeat(60)}/${'b'.repeat(60)}/frame_0001.png`;
  await w.addDir('data/render');
  const st = statSync(src);
  const added = await w.addFile('data/render/big.bin', src, st);
  await w.addBuffer('data/empty', Buffer.alloc(0));
  await w.addBuffer(longName, Buffer.from('long'));
  await w.addBuffer('manifest.json', Buffer.from('{}'));
  await w.finish();
  assert.equal(statSync(out).mode & 0o777, 0o600, 'a backup is private');
  assert.deepEqual(added, { size: big.length, sha256: sha(big) });

  const got = await entries(out);
  assert.deepEqual(got.map((e) => [e.path, e.type]), [['data/render', 'dir'], ['data/render/big.bin', 'file'], ['data/empty', 'file'], [longName, 'file'], ['manifest.json', 'file']]);
  assert.ok(got[1]!.data.equals(big));
  assert.equal(got[3]!.data.toString(), 'long');

  const list = spawnSync('tar', ['-tzf', out], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n'), ['data/render/', 'data/render/big.bin', 'data/empty', longName, 'manifest.json']);
  const x = join(dir, 'x');
  mkdirSync(x);
  assert.equal(spawnSync('tar', ['-xzf', out, '-C', x]).status, 0);
  assert.ok(readFileSync(join(x, 'data/render/big.bin')).equals(big));
  assert.equal(readFileSync(join(x, longName), 'utf8'), 'long');

  // A file that is not the size it was when listed (it changed meanwhile) is not archived.
  const w2 = await TarGzWriter.create(join(dir, 'changed.tar.gz'));
  await assert.rejects(w2.addFile('data/render/big.bin', src, { ...st, size: st.size - 1 }), (e: BackupError) => e.code === 'BACKUP_FILE_CHANGED' && /changed while it was being copied/.test(e.message));
  await assert.rejects(w2.addFile('data/render/big.bin', src, { ...st, size: st.size + 1 }), { code: 'BACKUP_FILE_CHANGED' });
  await w2.abort();
  assert.ok(!existsSync(join(dir, 'changed.tar.gz')), 'abort removes the partial archive');

  // An existing file is never overwritten by the writer.
  await assert.rejects(TarGzWriter.create(out), /EEXIST/);
});

test('a reader that skips bodies still lands on the next entry', async () => {
  const p = craft('skip.tar.gz', [
    { path: 'data/a', data: randomBytes(3 * 1024 * 1024 + 5) },
    { path: 'data/b', data: Buffer.from('second') },
  ]);
  const seen: string[] = [];
  for await (const e of readTarGz(p, ALLOWED)) {
    if (e.path === 'data/a') {
      for await (const _ of e.body) break; // reads one piece, leaves the rest
      continue;
    }
    const bufs: Buffer[] = [];
    for await (const b of e.body) bufs.push(b);
    seen.push(Buffer.concat(bufs).toString());
  }
  assert.deepEqual(seen, ['second']);
});

test('path traversal, absolute paths, links and devices are refused before anything is yielded for them', async () => {
  const cases: [string, Parameters<typeof craft>[1], RegExp][] = [
    ['dotdot', [{ path: 'data/../../evil', data: Buffer.from('x') }], /unsafe path "data\/\.\.\/\.\.\/evil".*parent-directory/],
    ['absolute', [{ path: '/tmp/evil', data: Buffer.from('x') }], /absolute path/],
    ['outside', [{ path: 'evil.sh', data: Buffer.from('x') }], /outside/],
    ['symlink', [{ path: 'data/link', typeflag: '2' }], /symbolic link/],
    ['hardlink', [{ path: 'data/hl', typeflag: '1' }], /hard link/],
    ['device', [{ path: 'data/dev', typeflag: '3' }], /character device/],
    ['long-dotdot', [{ path: `data/${'x'.repeat(120)}/../../../evil`, data: Buffer.from('x') }], /parent-directory/],
  ];
  for (const [name, ents, re] of cases) {
    const e = await refusal(craft(`${name}.tar.gz`, ents));
    assert.equal(e.code, 'BACKUP_ARCHIVE_UNSAFE', name);
    assert.match(e.message, re, name);
  }
  // A symlink made by GNU tar from a real directory, too.
  const d = join(dir, 'gnu');
  mkdirSync(join(d, 'data'), { recursive: true });
  symlinkSync('/etc/passwd', join(d, 'data', 'passwd'));
  const p = join(dir, 'gnu.tar.gz');
  assert.equal(spawnSync('tar', ['-czf', p, '-C', d, 'data']).status, 0);
  assert.equal((await refusal(p)).code, 'BACKUP_ARCHIVE_UNSAFE');
});

test('damaged archives: not gzip, cut short, bad header checksum', async () => {
  const notGz = join(dir, 'not.tar.gz');
  writeFileSync(notGz, 'hello, not a backup');
  assert.equal((await refusal(notGz)).code, 'BACKUP_ARCHIVE_UNREADABLE');

  const good = craft('good.tar.gz', [{ path: 'data/a', data: randomBytes(5000) }]);
  const raw = spawnSync('gzip', ['-dc', good]).stdout as Buffer;
  const cut = join(dir, 'cut.tar.gz');
  writeFileSync(cut, gzipSync(raw.subarray(0, 2048)));
  const c = await refusal(cut);
  assert.equal(c.code, 'BACKUP_ARCHIVE_UNREADABLE');
  assert.match(c.message, /cut short/);

  const bad = Buffer.from(raw);
  bad[10] = bad[10]! ^ 0xff; // in the name field: the header checksum no longer matches
  const badP = join(dir, 'badsum.tar.gz');
  writeFileSync(badP, gzipSync(bad));
  assert.match((await refusal(badP)).message, /checksum/);
});

test('what stays out of a backup', () => {
  const o = { workRel: 'work', dbKind: 'pglite' as const };
  assert.equal(excludeReason('keys/secrets.key', o), null);
  assert.equal(excludeReason('pglite/base/1/1234', o), null);
  assert.equal(excludeReason('render/uploads/up_1/scene.blend', o), null);
  assert.equal(excludeReason('mine-pki/own/certs/cert.pem', o), null);
  assert.equal(excludeReason('slurm/hpc/a_1/job.sh', o), null);
  assert.match(excludeReason('work/t1/out.txt', o)!, /scratch/);
  assert.equal(excludeReason('workbench', o), null);
  assert.match(excludeReason('render/uploads/.incoming/ab12', o)!, /in progress/);
  assert.match(excludeReason('render/job_1/.incoming/x', o)!, /in progress/);
  assert.match(excludeReason('pglite/postmaster.pid', o)!, /lock/);
  assert.match(excludeReason('server.lock', o)!, /lock/);
  assert.match(excludeReason('shuzhi.lock', o)!, /lock/);
  assert.match(excludeReason('shuzhi.lock.takeover', o)!, /lock/);
  assert.equal(excludeReason('render/job_1/server.lock', o), null, 'only top-level lock files');
  assert.match(excludeReason('slurm/hpc/jobs/a_1/out.txt', o)!, /Slurm job/);
  assert.match(excludeReason('.restoring-0a1b2c', o)!, /unfinished restore/);
  assert.match(excludeReason('pglite/base/1/1234', { workRel: null, dbKind: 'postgres' })!, /not in use/);
});

const m = (files: Manifest['files'], dirs: string[] = []): Manifest => ({
  format: 'shuzhi-backup', formatVersion: 1, shuzhiVersion: '0.1.0', createdAt: '2026-01-01T00:00:00Z',
  database: { kind: 'pglite', pgVersion: '17', included: true, tables: {} }, secretsKey: 'archived', files, dirs, excluded: [],
});

test('an archive matches its manifest only when every file is there with its size and sha256, and nothing else is', () => {
  const a = sha(Buffer.from('a'));
  const seen = new Map([
    ['data/a', { type: 'file' as const, size: 1, sha256: a }],
    ['data/d', { type: 'dir' as const, size: 0, sha256: null }],
  ]);
  assert.deepEqual(checkAgainstManifest(m([{ path: 'data/a', size: 1, sha256: a }], ['data/d']), seen), []);
  assert.match(checkAgainstManifest(m([{ path: 'data/a', size: 1, sha256: sha(Buffer.from('b')) }], ['data/d']), seen).join(), /sha256 differs/);
  assert.match(checkAgainstManifest(m([{ path: 'data/a', size: 2, sha256: a }], ['data/d']), seen).join(), /1 bytes, the manifest says 2/);
  assert.match(checkAgainstManifest(m([{ path: 'data/a', size: 1, sha256: a }, { path: 'data/gone', size: 1, sha256: a }], ['data/d']), seen).join(), /data\/gone: missing/);
  assert.match(checkAgainstManifest(m([{ path: 'data/a', size: 1, sha256: a }]), seen).join(), /data\/d: in the archive but not in the manifest/);
});

test('manifests: a newer format is named, a damaged one refused', async () => {
  assert.throws(() => parseManifest('{'), { code: 'BACKUP_MANIFEST_INVALID' });
  assert.throws(() => parseManifest('{"format":"shuzhi-backup","formatVersion":99}'), (e: BackupError) => e.code === 'BACKUP_VERSION_UNSUPPORTED' && /format version 99/.test(e.message));
  assert.throws(() => parseManifest('{"format":"shuzhi-backup","formatVersion":1}'), { code: 'BACKUP_MANIFEST_INVALID' });
  assert.deepEqual(parseManifest(JSON.stringify(m([]))), m([]));
  // An archive without a manifest is not a backup.
  const p = craft('nomanifest.tar.gz', [{ path: 'data/a', data: Buffer.from('a') }]);
  await assert.rejects(verifyArchive(p), { code: 'BACKUP_MANIFEST_INVALID' });
  // A file the manifest does not list.
  const q = craft('extra.tar.gz', [{ path: 'data/a', data: Buffer.from('a') }, { path: 'manifest.json', data: Buffer.from(JSON.stringify(m([]))) }]);
  await assert.rejects(verifyArchive(q), (e: BackupError) => e.code === 'BACKUP_CHECKSUM_MISMATCH' && /data\/a: in the archive but not in the manifest/.test(e.message));
});

test('pg tools get the connection as environment, never a password on the command line', () => {
  assert.deepEqual(pgEnv('postgres://shuzhi:p%40ss@db.example:6543/shuzhi_prod?sslmode=require'), {
    PGHOST: 'db.example', PGPORT: '6543', PGUSER: 'shuzhi', PGPASSWORD: 'p@ss', PGDATABASE: 'shuzhi_prod', PGSSLMODE: 'require',
  });
});

test('a data-dir lock file naming a live process (shuzhi.lock, JSON) means a server runs there; a dead one does not', async () => {
  const d = join(dir, 'locked');
  mkdirSync(d);
  assert.equal(await serverInUse(d, 'pglite'), null);
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await once(child, 'spawn');
  try {
    writeFileSync(join(d, 'shuzhi.lock'), JSON.stringify({ pid: child.pid, hostname: 'h', startedAt: new Date().toISOString(), procStart: null, version: '0.1.0' }));
    assert.match((await serverInUse(d, 'pglite'))!, new RegExp(`process ${child.pid} holds .*shuzhi\\.lock`));
  } finally {
    child.kill();
    await once(child, 'exit');
  }
  assert.equal(await serverInUse(d, 'pglite'), null, 'a stale lock (its process is gone) does not block');
  mkdirSync(join(d, 'pglite'));
  writeFileSync(join(d, 'pglite', 'postmaster.pid'), '-42\n');
  assert.match((await serverInUse(d, 'pglite'))!, /the embedded database is open/);
  assert.equal(await serverInUse(d, 'postgres'), null, 'with PostgreSQL the embedded database is not in use');
});

test('backup --online: no token is a usage error; an unreachable server a coded error, and no file is left', async () => {
  const lines: string[] = [];
  const io = (env: Record<string, string>) => ({ out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env });
  const out = join(dir, 'online-none.tar.gz');
  await assert.rejects(backupCommand(['--online', '--out', out], io({})), (e: Error) => e instanceof UsageError && /operator's API token/.test(e.message));
  assert.equal(await backupCommand(['--online', '--out', out], io({ SHUZHI_SERVER: 'http://127.0.0.1:1', SHUZHI_TOKEN: 'sz_test' })), 1);
  assert.match(lines.join('\n'), /error \[BACKUP_SERVER_UNREACHABLE\]: cannot reach http:\/\/127\.0\.0\.1:1/);
  assert.ok(!existsSync(out));
  assert.ok(!lines.join('\n').includes('sz_test'), 'the token is never printed');
});
