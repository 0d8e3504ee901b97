// shuzhi backup / restore with the embedded database: a platform with demo data, a job with a sealed
// secret, a render upload and frames, an issued certificate → backup (function and real CLI process) →
// restore into a fresh directory → a platform there finds everything, certificates verify, the env opens.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseManifest } from '../src/backup/manifest.ts';
import { backupCommand, restoreCommand, type CliIo } from '../src/cli/backup.ts';
import { VERSION } from '../src/platform.ts';
import { keyFileOf } from '../src/secrets/key-source.ts';
import { assertRestored, fileHashes, fingerprint, openRestored, seedBackupData, type Fingerprint, type Seeded } from './backup-helpers.ts';
import { login, operatorToken, startPlatform } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'shuzhi-backup-test-'));
const dataDir = join(tmp, 'data');
const archive = join(tmp, 'backup.tar.gz');
const onlineArchive = join(tmp, 'online.tar.gz');
let seeded: Seeded;
let fp: Fingerprint;
let files: Record<string, string>;

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const x: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  return { io: x, out, err, text: () => [...out, ...err].join('\n') };
}

/** The archive's manifest, read with GNU tar (the format is plain tar.gz). */
function manifestOf(file: string) {
  const r = spawnSync('tar', ['-xzOf', file, 'manifest.json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseManifest(r.stdout);
}

before(async () => {
  mkdirSync(dataDir);
  const t = await startPlatform({ dataDir });
  try {
    seeded = await seedBackupData(t);
    fp = await fingerprint(t.p);
    files = fileHashes(dataDir);
    // While the server holds the data dir, the backup refuses and says why, and what to do.
    const running = io();
    assert.equal(await backupCommand(['--out', join(tmp, 'while-running.tar.gz'), '--data-dir', dataDir], running.io), 1);
    assert.match(running.text(), /error \[BACKUP_SERVER_RUNNING\]: Cannot back up .*the embedded database is open.*shuzhi backup --online --out FILE.*or stop the server first/);
    assert.ok(!existsSync(join(tmp, 'while-running.tar.gz')));

    // …and takes it through the server: operators only.
    const tenantToken = await login(t.url, 'tenant');
    const refused = await fetch(`${t.url}/api/admin/backup`, { method: 'POST', headers: { cookie: tenantToken, origin: t.url } });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'FORBIDDEN');
    const online = io({ SHUZHI_SERVER: t.url, SHUZHI_TOKEN: await operatorToken(t.p) });
    assert.equal(await backupCommand(['--online', '--out', onlineArchive], online.io), 0, online.text());
    assert.match(online.text(), /checking the archive/);
    assert.match(online.text(), /backup written: .*online\.tar\.gz/);
    assert.equal(statSync(onlineArchive).mode & 0o777, 0o600);
    assert.deepEqual(await fingerprint(t.p), fp, 'nothing changed while the test ran (else the comparison below means nothing)');
  } finally {
    await t.close();
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('backup writes one private archive with a manifest of every file, the row counts, and no scratch', async () => {
  const c = io();
  assert.equal(await backupCommand(['--out', archive, '--data-dir', dataDir], c.io), 0, c.text());
  assert.match(c.text(), /opening the embedded database/);
  assert.match(c.text(), /backup written: .*backup\.tar\.gz .*mode 0600/);
  assert.match(c.text(), /secrets key: in the archive/);
  assert.equal(statSync(archive).mode & 0o777, 0o600);
  assert.ok(!readdirSync(tmp).some((n) => n.includes('.partial-')), 'no partial file left');

  const m = manifestOf(archive);
  assert.equal(m.shuzhiVersion, VERSION);
  assert.equal(m.database.kind, 'pglite');
  assert.equal(m.database.included, true);
  assert.equal(m.secretsKey, 'archived');
  assert.equal(m.database.tables!['public.jobs'], fp.jobs.length);
  assert.equal(m.database.tables!['public.gov_certificates'], fp.certificates.length);
  assert.equal(m.database.tables!['public.billing_charges'], fp.charges.length);
  const paths = m.files.map((f) => f.path);
  assert.ok(paths.includes('data/keys/secrets.key'));
  assert.ok(paths.includes('data/pglite/PG_VERSION'));
  assert.ok(paths.includes(`data/render/uploads/${seeded.uploadId}/scene.blend`));
  assert.ok(paths.includes('data/render/rjob_backup_test/f_0001.png'));
  assert.ok(paths.includes('data/mine-pki/own/private/private_key.pem'));
  assert.ok(!paths.some((p) => p.includes('.incoming') || p.endsWith('postmaster.pid')), 'scratch and locks stay out');
  assert.ok(m.excluded.some((e) => e.path === 'render/uploads/.incoming'));
  assert.ok(!c.text().includes(readFileSync(keyFileOf(dataDir), 'utf8').trim()), 'the key is never printed');

  // Never over an existing file without --force.
  const again = io();
  assert.equal(await backupCommand(['--out', archive, '--data-dir', dataDir], again.io), 1);
  assert.match(again.text(), /error \[BACKUP_OUT_EXISTS\]: .* exists\. Choose another --out, or pass --force/);
});

test('restore into a fresh directory: every job, bill, case and certificate is there; certificates verify; files identical; the sealed env opens', async () => {
  const target = join(tmp, 'restored');
  const c = io();
  assert.equal(await restoreCommand([archive, '--data-dir', target], c.io), 0, c.text());
  assert.match(c.text(), /archive ok: \d+ files/);
  assert.match(c.text(), new RegExp(`restored into ${target}: \\d+ files`));
  assert.match(c.text(), new RegExp(`jobs ${fp.jobs.length}, render jobs ${fp.renderJobs.length}, billing charges ${fp.charges.length}, gov applications ${fp.applications.length}, certificates ${fp.certificates.length}`));
  assert.match(c.text(), /secrets key: restored/);
  assert.equal(statSync(target).mode & 0o777, 0o700);
  assert.equal(statSync(keyFileOf(target)).mode & 0o777, 0o600);
  assert.equal(statSync(join(target, 'keys')).mode & 0o777, 0o700);
  assert.ok(!existsSync(join(target, 'render', 'uploads', '.incoming')));
  assert.ok(!readdirSync(tmp).some((n) => n.includes('.restoring-')), 'no staging dir left');

  const t = await openRestored(target);
  try {
    await assertRestored(t, fp, files, seeded);
  } finally {
    await t.close();
  }
});

test('an online backup (taken by the running server) restores like an offline one', async () => {
  const m = manifestOf(onlineArchive);
  assert.equal(m.database.kind, 'pglite');
  assert.ok(m.files.some((f) => f.path === 'data/pglite/PG_VERSION'));
  assert.ok(!m.files.some((f) => f.path.endsWith('postmaster.pid')));
  assert.equal(m.database.tables?.['public.gov_certificates'], fp.certificates.length, 'counts recorded: nothing was written during the copy');
  const target = join(tmp, 'restored-online');
  const c = io();
  assert.equal(await restoreCommand([onlineArchive, '--data-dir', target], c.io), 0, c.text());
  const t = await openRestored(target);
  try {
    await assertRestored(t, fp, files, seeded);
  } finally {
    await t.close();
  }
});

test('the real CLI process: backup and restore, exit codes and refusals', async () => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SHUZHI_') || k === 'DATABASE_URL') delete env[k];
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });

  const help = cli('backup', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: shuzhi backup --out FILE/);
  assert.match(cli('--help').stdout, /backup --out FILE/);

  const out = join(tmp, 'cli.tar.gz');
  const b = cli('backup', '--out', out, '--data-dir', dataDir);
  assert.equal(b.status, 0, b.stderr + b.stdout);
  assert.match(b.stdout, /backup written/);
  const again = cli('backup', '--out', out, '--data-dir', dataDir);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /BACKUP_OUT_EXISTS/);
  assert.equal(cli('backup', '--data-dir', dataDir).status, 2, 'missing --out is a usage error');

  const target = join(tmp, 'cli-restored');
  const r = cli('restore', out, '--data-dir', target);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /restored into/);
  // A non-empty target is refused without --force, and nothing in it changes.
  const before = readFileSync(keyFileOf(target));
  const refused = cli('restore', out, '--data-dir', target);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /error \[RESTORE_TARGET_NOT_EMPTY\]: .* is not empty\. .*--force/);
  assert.ok(readFileSync(keyFileOf(target)).equals(before));
});

test('restore never moves aside a directory a server has open, even with --force', async () => {
  const target = join(tmp, 'in-use');
  mkdirSync(join(target, 'pglite'), { recursive: true });
  writeFileSync(join(target, 'pglite', 'postmaster.pid'), '-42\n/pglite/data\n'); // what an open embedded database leaves
  const c = io();
  assert.equal(await restoreCommand([archive, '--data-dir', target, '--force'], c.io), 1);
  assert.match(c.text(), /error \[BACKUP_SERVER_RUNNING\]: Cannot restore into .*in-use: the embedded database is open/);
  assert.deepEqual(readdirSync(target), ['pglite']);
  assert.ok(!readdirSync(tmp).some((n) => n.startsWith('in-use.before-restore-')));
});

test('an existing empty directory (e.g. a fresh volume) is restored into in place, not replaced', async () => {
  const target = join(tmp, 'empty-volume');
  mkdirSync(target);
  const ino = statSync(target).ino;
  const c = io();
  assert.equal(await restoreCommand([archive, '--data-dir', target], c.io), 0, c.text());
  assert.equal(statSync(target).ino, ino, 'the same directory');
  assert.equal(statSync(target).mode & 0o777, 0o700);
  assert.ok(existsSync(keyFileOf(target)) && existsSync(join(target, 'pglite', 'PG_VERSION')));
  assert.ok(!readdirSync(target).some((n) => n.startsWith('.restoring-')));
});

test('--force moves a non-empty target aside, never deletes it', async () => {
  const target = join(tmp, 'occupied');
  mkdirSync(target);
  writeFileSync(join(target, 'precious.txt'), 'keep me');
  const refused = io();
  assert.equal(await restoreCommand([archive, '--data-dir', target], refused.io), 1);
  assert.match(refused.text(), /RESTORE_TARGET_NOT_EMPTY/);
  assert.equal(readFileSync(join(target, 'precious.txt'), 'utf8'), 'keep me');

  const c = io();
  assert.equal(await restoreCommand([archive, '--data-dir', target, '--force'], c.io), 0, c.text());
  const aside = readdirSync(tmp).find((n) => n.startsWith('occupied.before-restore-'));
  assert.ok(aside, c.text());
  assert.equal(readFileSync(join(tmp, aside, 'precious.txt'), 'utf8'), 'keep me');
  assert.match(c.text(), new RegExp(`previous contents are in .*${aside}`));
  assert.ok(!existsSync(join(target, 'precious.txt')));
  assert.ok(existsSync(keyFileOf(target)));
});

test('a tampered archive (one byte of a file changed, gzip made anew) is refused and nothing is written', async () => {
  const tar = gunzipSync(readFileSync(archive));
  const at = tar.indexOf(Buffer.from('SCENE-MARKER-0123456789'));
  assert.ok(at > 0);
  tar[at] = tar[at]! ^ 0x01;
  const bad = join(tmp, 'tampered.tar.gz');
  writeFileSync(bad, gzipSync(tar));
  const target = join(tmp, 'from-tampered');
  const c = io();
  assert.equal(await restoreCommand([bad, '--data-dir', target], c.io), 1);
  assert.match(c.text(), new RegExp(`error \\[BACKUP_CHECKSUM_MISMATCH\\]: The archive does not match its manifest: data/render/uploads/${seeded.uploadId}/scene.blend: sha256 differs`));
  assert.ok(!existsSync(target), 'nothing written');
  assert.ok(!readdirSync(tmp).some((n) => n.includes('.restoring-')));
});

test('an archive with path traversal is refused and nothing is written outside or inside the target', async () => {
  // A real backup with one more entry appended: ../../escaped.txt (tar's own layout, recomputed checksum).
  const tar = gunzipSync(readFileSync(archive));
  const end = tar.length - 1024; // the two zero blocks
  const { entryHeader } = await import('../src/backup/archive.ts');
  const body = Buffer.from('owned');
  const evil = Buffer.concat([entryHeader({ name: 'data/../../escaped.txt', size: body.length, mode: 0o644, mtimeSec: 0, type: 'file' }), body, Buffer.alloc(512 - body.length)]);
  const bad = join(tmp, 'traversal.tar.gz');
  writeFileSync(bad, gzipSync(Buffer.concat([tar.subarray(0, end), evil, Buffer.alloc(1024)])));
  const target = join(tmp, 'deep', 'from-traversal');
  const c = io();
  assert.equal(await restoreCommand([bad, '--data-dir', target], c.io), 1);
  assert.match(c.text(), /error \[BACKUP_ARCHIVE_UNSAFE\]: The archive holds an unsafe path "data\/\.\.\/\.\.\/escaped\.txt"/);
  assert.ok(!existsSync(join(tmp, 'escaped.txt')) && !existsSync(join(tmp, 'deep')), 'nothing written');
});
