import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { DataDirLock, LOCK_FILE } from '../src/lifecycle/data-dir-lock.ts';
import { StartError } from '../src/lifecycle/errors.ts';
import { Shutdown } from '../src/lifecycle/shutdown.ts';
import { createLogger } from '../src/log.ts';
import { killServe, logLines, SHUZHI_BIN, startServe } from './serve-process.ts';
import { migratedDataDir } from './pglite-template.ts';

function capture() {
  const sink = { text: '' };
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, cb) {
        sink.text += String(chunk);
        cb();
      },
    }),
  );
  return { log, sink };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'shuzhi-lifecycle-'));

/** The pid of a process that has exited (and been reaped): nothing answers to it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeLock(dir: string, o: Record<string, unknown>): void {
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(o));
}

test('data directory lock: one holder; the same process cannot open it twice; released, it can be taken again', () => {
  const dir = tempDir();
  const { log } = capture();
  try {
    const a = DataDirLock.acquire(dir, { log, version: 'test' });
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    assert.equal(held.pid, process.pid);
    assert.throws(
      () => DataDirLock.acquire(dir, { log, version: 'test' }),
      (e: unknown) => e instanceof StartError && e.code === 'DATA_DIR_LOCKED' && /this process/.test(e.message),
    );
    a.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    a.release(); // twice is fine
    const b = DataDirLock.acquire(dir, { log, version: 'test' });
    b.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data directory lock held by a live process: refused with its pid and start time and what to do', async () => {
  const dir = tempDir();
  const { log } = capture();
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    writeLock(dir, { pid: other.pid, hostname: hostname(), startedAt: '2026-01-02T03:04:05.000Z', procStart: null, version: '0.1.0' });
    assert.throws(
      () => DataDirLock.acquire(dir, { log, version: 'test' }),
      (e: unknown) =>
        e instanceof StartError &&
        e.code === 'DATA_DIR_LOCKED' &&
        e.message === `another Shuzhi (pid ${other.pid}, started 2026-01-02T03:04:05.000Z) is using ${dir}; stop it or set SHUZHI_DATA_DIR to another directory`,
    );
    // The holder's file is left alone.
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, other.pid);
  } finally {
    other.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock (its process killed, its pid reused by another process, or a file left half-written) is taken over and logged at info', () => {
  const { log, sink } = capture();
  const cases: [string, (dir: string) => void][] = [
    ['dead pid', (dir) => writeLock(dir, { pid: deadPid(), hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', procStart: '1', version: '0.1.0' })],
    // pid 1 is alive, but it started at another time than the process that wrote this lock.
    ['reused pid', (dir) => writeLock(dir, { pid: 1, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', procStart: '999999999999', version: '0.1.0' })],
    ['empty file', (dir) => writeFileSync(join(dir, LOCK_FILE), '')],
  ];
  for (const [what, make] of cases) {
    const dir = tempDir();
    try {
      make(dir);
      if (what === 'empty file') {
        // Older than the moment a concurrent start may take between its create and its write.
        const past = new Date(Date.now() - 60_000);
        spawnSync('touch', ['-d', past.toISOString(), join(dir, LOCK_FILE)]);
      }
      sink.text = '';
      const lock = DataDirLock.acquire(dir, { log, version: 'test' });
      assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid, what);
      const line = logLines(sink.text).find((l) => /taken over/.test(l.msg));
      assert.ok(line, `${what}: logged`);
      assert.equal(line.level, 30, `${what}: at info`);
      lock.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('shutdown: one stop per request (an echoed signal is the same request), a later second signal exits at once, an overrun exits 1', async () => {
  const { log, sink } = capture();
  let now = 0;
  const exits: number[] = [];
  let finish!: () => void;
  const s = new Shutdown({
    log,
    timeoutMs: 60_000,
    now: () => now,
    exit: (c) => void exits.push(c),
    stop: () => new Promise<void>((r) => (finish = r)),
  });
  const first = s.signal('SIGINT');
  now = 100;
  await s.signal('SIGINT'); // the terminal's Ctrl-C passed on by npm and start.mjs
  assert.deepEqual([...exits], []);
  finish();
  await first;
  assert.deepEqual([...exits], [0]);
  const msgs = logLines(sink.text).map((l) => l.msg);
  assert.ok(msgs.some((m) => m.startsWith('shutting down')));
  assert.ok(msgs.includes('stopped'));

  // A stop that hangs: the second signal (a person pressing Ctrl-C again) exits 130 at once.
  exits.length = 0;
  now = 0;
  const stuck = new Shutdown({ log, timeoutMs: 60_000, now: () => now, exit: (c) => void exits.push(c), stop: () => new Promise<void>(() => undefined) });
  void stuck.signal('SIGINT');
  now = 5000;
  await stuck.signal('SIGINT');
  assert.deepEqual([...exits], [130]);

  // A stop that overruns its time exits 1 and says so.
  exits.length = 0;
  sink.text = '';
  const slow = new Shutdown({ log, timeoutMs: 50, exit: (c) => void exits.push(c), stop: () => new Promise<void>(() => undefined) });
  await slow.signal('SIGTERM');
  assert.deepEqual([...exits], [1]);
  assert.match(sink.text, /did not finish within 0 s \(SHUZHI_SHUTDOWN_SECONDS\)/);

  // A stop that throws exits 1.
  exits.length = 0;
  const failing = new Shutdown({ log, timeoutMs: 60_000, exit: (c) => void exits.push(c), stop: async () => Promise.reject(new Error('disk gone')) });
  await failing.signal('SIGTERM');
  assert.deepEqual([...exits], [1]);
});

/** The last line `shuzhi serve` printed on stderr, and that it was one. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(lines.length, 1, stderr);
  return lines[0]!;
}

test('shuzhi serve: a second start on the same data dir exits 1 naming the first; a taken port exits 1; SIGTERM stops it within its bound, exit 0, lock gone', { timeout: 300_000 }, async () => {
  // Not a first start (that is the Ctrl-C test's): a migrated directory, as on any later day.
  const dataDir = await migratedDataDir();
  const first = startServe({ SHUZHI_DATA_DIR: dataDir, SHUZHI_DEMO: '0', SHUZHI_SHUTDOWN_SECONDS: '20' });
  const blocker = createServer();
  try {
    const url = await first.ready;
    assert.equal((await fetch(`${url}/api/health`)).status, 200);
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
    assert.equal(lock.pid, first.pid);

    const second = startServe({ SHUZHI_DATA_DIR: dataDir, SHUZHI_DEMO: '0' });
    const r2 = await second.exited;
    assert.equal(r2.code, 1, second.stderr());
    assert.match(errorLine(second.stderr()), new RegExp(`^error: cannot start: another Shuzhi \\(pid ${first.pid}, started ${lock.startedAt}\\) is using ${dataDir}; stop it or set SHUZHI_DATA_DIR .*\\[DATA_DIR_LOCKED\\]$`));
    // The first is untouched.
    assert.equal((await fetch(`${url}/api/health`)).status, 200);

    // A port some other program holds.
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const otherDir = await migratedDataDir();
    const third = startServe({ SHUZHI_DATA_DIR: otherDir, SHUZHI_DEMO: '0', PORT: String(port) });
    const r3 = await third.exited;
    assert.equal(r3.code, 1, third.stderr());
    assert.match(errorLine(third.stderr()), new RegExp(`^error: cannot start: port ${port} is in use .*set PORT \\[PORT_IN_USE\\]$`));
    // It closed its database and let go of its data directory.
    assert.equal(existsSync(join(otherDir, LOCK_FILE)), false);
    rmSync(otherDir, { recursive: true, force: true });

    first.signal('SIGTERM');
    const r1 = await first.exited;
    assert.equal(r1.code, 0, first.stderr());
    assert.ok(r1.afterStopMs < 30_000, `stopped in ${r1.afterStopMs} ms`);
    const msgs = logLines(first.stdout()).map((l) => l.msg);
    assert.ok(msgs.some((m) => m.startsWith('shutting down')), first.stdout());
    assert.ok(msgs.includes('stopped'), first.stdout());
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
  } finally {
    blocker.close();
    await killServe(first);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('shuzhi serve: Ctrl-C while it is still starting stops it once the start has finished — exit 0, lock gone, nothing of the demo left running', { timeout: 300_000 }, async () => {
  const dataDir = tempDir();
  // The demo: seeding every module and a Slurm cluster of its own, which a half-started server used to leave behind.
  const s = startServe({ SHUZHI_DATA_DIR: dataDir, SHUZHI_DEMO: '1', SHUZHI_DEMO_AGENTS: '1', SHUZHI_SHUTDOWN_SECONDS: '30' });
  try {
    // The first log line comes early in the start (the secrets key), long before the banner.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (s.stdout().includes('{"level"')) resolve();
        else if (s.child.exitCode !== null) reject(new Error(`exited before logging:\n${s.stdout()}\n${s.stderr()}`));
        else setTimeout(check, 20);
      };
      check();
    });
    assert.ok(!s.stdout().includes('ready in'), 'the start had already finished: the test did not signal during it');
    s.signal('SIGINT');
    const r = await s.exited;
    assert.equal(r.code, 0, `${s.stdout()}\n${s.stderr()}`);
    assert.match(s.stderr(), /SIGINT while starting: stopping as soon as the start has finished/);
    const msgs = logLines(s.stdout()).map((l) => l.msg);
    assert.ok(msgs.includes('stopped'), s.stdout());
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, 'the data directory is unlocked');
    // Nothing it started lives on in its process group (the demo's slurmctld and slurmd were left before).
    await new Promise((res) => setTimeout(res, 500));
    assert.throws(() => process.kill(-s.pid, 0), (e: NodeJS.ErrnoException) => e.code === 'ESRCH', 'a process of the server\'s group still runs');
  } finally {
    await killServe(s);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('shuzhi serve with a bad setting exits 1 with one line naming it', { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  try {
    const r = spawnSync(process.execPath, [SHUZHI_BIN, 'serve'], {
      env: { ...process.env, SHUZHI_DATA_DIR: dataDir, PORT: 'eighty', SHUZHI_SHUTDOWN_SECONDS: '0' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(errorLine(r.stderr), /^error: cannot start: Invalid configuration: PORT: .*; SHUZHI_SHUTDOWN_SECONDS: .*\(shuzhi serve --help lists the settings\)/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('shuzhi serve --help lists SHUZHI_SHUTDOWN_SECONDS', () => {
  const r = spawnSync(process.execPath, [SHUZHI_BIN, 'serve', '--help'], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /SHUZHI_SHUTDOWN_SECONDS +on SIGTERM\/SIGINT/);
});

test('Platform.open: PostgreSQL that does not answer is DATABASE_UNREACHABLE, within a bound', { timeout: 60_000 }, async () => {
  const { loadConfig } = await import('../src/config.ts');
  const { Platform } = await import('../src/platform.ts');
  // A port nothing listens on: bound and released at once.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const dataDir = tempDir();
  try {
    const config = loadConfig({
      SHUZHI_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: `postgres://shuzhi:secret@127.0.0.1:${port}/shuzhi`,
      SHUZHI_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    await assert.rejects(Platform.open({ config }), (e: unknown) => {
      assert.ok(e instanceof StartError);
      assert.equal(e.code, 'DATABASE_UNREACHABLE');
      assert.match(e.message, new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/shuzhi \\(DATABASE_URL\\): .*ECONNREFUSED`));
      assert.ok(!e.message.includes('secret'), 'no password in the message');
      return true;
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('Platform.open: a migration that fails is MIGRATION_FAILED naming the module; the data dir is unlocked and the database closed', { timeout: 120_000 }, async () => {
  const { loadConfig } = await import('../src/config.ts');
  const { Platform } = await import('../src/platform.ts');
  const { PGlite } = await import('@electric-sql/pglite');
  const dataDir = tempDir();
  try {
    // A table in the way of the workers module's first migration (as a hand edit or a broken restore leaves).
    const db = new PGlite(join(dataDir, 'pglite'));
    await db.exec('create table workers (x int)');
    await db.close();
    const config = loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await assert.rejects(Platform.open({ config }), (e: unknown) => {
      assert.ok(e instanceof StartError);
      assert.equal(e.code, 'MIGRATION_FAILED');
      assert.match(e.message, /^the workers database migration failed: .*"workers" already exists.*nothing of it was applied/);
      return true;
    });
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
    // Closed: the same process may open the directory again at once.
    const again = new PGlite(join(dataDir, 'pglite'));
    assert.equal((await again.query<{ n: number }>(`select count(*)::int as n from users`)).rows[0]!.n, 0);
    await again.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
