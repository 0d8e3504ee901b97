// The bubblewrap sandbox, for real: every test starts bwrap and checks from inside what tenant code can
// see and do. Needs Debian `bubblewrap` and util-linux (prlimit); the suite fails (it does not skip)
// when the host cannot sandbox, because then workers on it cannot take tenant work either.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TaskLimits } from '@shuzhi/schema';
import { DEFAULT_UID_BASE, openSandbox, SandboxUnavailableError, TASK_DIR, UnsandboxedRunner, type Sandbox } from '../src/index.ts';
import { explainFailure } from '../src/sandbox/detect.ts';

const asRoot = process.getuid!() === 0;
const LIMITS: TaskLimits = { cpuSeconds: 60, memoryMB: 512, processes: 64 };
// bwrap needs to reach the task directories as the task's uid (see bubblewrap.ts): search-only root.
const root = mkdtempSync(join(tmpdir(), 'shuzhi-sandbox-test-'));
chmodSync(root, 0o711);
let sandbox: Sandbox;
let dirs = 0;

before(async () => {
  sandbox = await openSandbox();
});
after(() => rmSync(root, { recursive: true, force: true }));

async function newWorkDir(): Promise<string> {
  const dir = join(root, `task-${++dirs}`);
  await sandbox.prepareWorkDir(dir);
  return dir;
}

interface Run { code: number | null; stdout: string; stderr: string; workDir: string }

async function run(argv: string[], o: { limits?: Partial<TaskLimits>; env?: Record<string, string>; readOnly?: string[]; network?: boolean; workDir?: string } = {}): Promise<Run> {
  const workDir = o.workDir ?? (await newWorkDir());
  const child = sandbox.spawn({ argv, workDir, env: o.env ?? {}, limits: { ...LIMITS, ...o.limits }, readOnly: o.readOnly, network: o.network });
  return { workDir, ...(await collect(child)) };
}

function collect(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('error', rej);
    child.once('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Host pids whose command line is exactly `argv`. */
function pidsRunning(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8') === want;
    } catch {
      return false;
    }
  }).map(Number);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bubblewrap sandbox', () => {
  test('is the real sandbox on this host', () => {
    assert.equal(sandbox.isolation, 'bubblewrap');
    assert.match(sandbox.description, /^bubblewrap \d+\.\d+/);
  });

  test('tenant code never runs as root', async () => {
    const r = await run(['sh', '-c', 'id -u; id -g; id -G']);
    assert.equal(r.code, 0, r.stderr);
    const [uid, gid, groups] = r.stdout.trim().split('\n');
    assert.notEqual(uid, '0');
    assert.notEqual(gid, '0');
    assert.ok(!groups!.split(' ').includes('0'), `supplementary groups ${groups}`);
    // Under root each task gets its own uid from the base, and its directory belongs to it.
    if (asRoot) {
      assert.ok(Number(uid) >= DEFAULT_UID_BASE, `uid ${uid}`);
      assert.equal(statSync(r.workDir).uid, Number(uid));
    } else {
      assert.equal(uid, String(process.getuid!()));
    }
  });

  test('the task writes its own directory, which is its cwd and HOME', async () => {
    const r = await run(['sh', '-c', 'echo hello > out.txt && pwd && echo "$HOME"']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [TASK_DIR, TASK_DIR]);
    assert.equal(readFileSync(join(r.workDir, 'out.txt'), 'utf8'), 'hello\n');
    assert.equal(statSync(r.workDir).mode & 0o777, 0o700);
  });

  test("a server's data directory is not there, even world-readable", async () => {
    const serverData = mkdtempSync(join(tmpdir(), 'shuzhi-fake-server-'));
    try {
      chmodSync(serverData, 0o755);
      writeFileSync(join(serverData, 'secrets.env'), 'DATABASE_PASSWORD=hunter2\n', { mode: 0o644 });
      const r = await run(['sh', '-c', `cat ${serverData}/secrets.env; ls -A ${serverData}; ls -A /tmp; ls -A ${root}`]);
      assert.ok(!r.stdout.includes('hunter2'), r.stdout);
      assert.ok(!r.stdout.includes('secrets.env'), r.stdout);
      assert.equal(r.stdout, '', 'the sandbox /tmp is empty and the host paths do not exist');
      assert.match(r.stderr, /No such file or directory/);
    } finally {
      rmSync(serverData, { recursive: true, force: true });
    }
  });

  test("another task's directory is not there", async () => {
    const a = await run(['sh', '-c', 'echo task-a-secret > mine.txt && chmod 644 mine.txt']);
    assert.equal(a.code, 0, a.stderr);
    const b = await run(['sh', '-c', `cat ${a.workDir}/mine.txt; cat ${TASK_DIR}/mine.txt; ls -A ${TASK_DIR}`]);
    assert.ok(!b.stdout.includes('task-a-secret'), b.stdout);
    assert.equal(b.stdout, '');
    assert.match(b.stderr, /No such file or directory/);
  });

  test('read-only paths can be read and not written', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'shuzhi-fake-scenes-'));
    try {
      chmodSync(shared, 0o755);
      writeFileSync(join(shared, 'scene.txt'), 'a scene\n', { mode: 0o644 });
      const r = await run(['sh', '-c', `cat ${shared}/scene.txt; touch ${shared}/new 2>/dev/null && echo wrote; echo x >> ${shared}/scene.txt 2>/dev/null && echo appended; true`], { readOnly: [shared] });
      assert.equal(r.stdout, 'a scene\n');
      assert.equal(readFileSync(join(shared, 'scene.txt'), 'utf8'), 'a scene\n');
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  test('the environment is exactly what the task was given, plus PATH, HOME, PWD and LANG', async () => {
    process.env.SHUZHI_TEST_WORKER_SECRET = 'worker-only';
    try {
      const r = await run(['env'], { env: { JOB_TOKEN: 'job-secret', LANG: 'zh_CN.UTF-8' } });
      assert.equal(r.code, 0, r.stderr);
      const env = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      // PWD is bwrap's, from --chdir.
      assert.deepEqual(env, { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: TASK_DIR, PWD: TASK_DIR, LANG: 'zh_CN.UTF-8', JOB_TOKEN: 'job-secret' });
    } finally {
      delete process.env.SHUZHI_TEST_WORKER_SECRET;
    }
  });

  test('no network unless asked for', async () => {
    const ifaces = (s: string) => s.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    const off = await run(['cat', '/proc/net/dev']);
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(ifaces(off.stdout), ['lo']);
    const host = ifaces(readFileSync('/proc/net/dev', 'utf8'));
    const on = await run(['cat', '/proc/net/dev'], { network: true });
    assert.deepEqual(ifaces(on.stdout).sort(), host.sort());
  });

  test('CPU seconds: a spinning task is stopped by SIGXCPU or SIGKILL', async () => {
    const r = await run(['sh', '-c', 'while :; do :; done'], { limits: { cpuSeconds: 1 } });
    // bwrap exits with 128 + the signal that ended the task: 152 is SIGXCPU, 137 SIGKILL.
    assert.ok(r.code === 128 + 24 || r.code === 128 + 9, `exit ${r.code}`);
  });

  test('memory: an allocation over the limit fails, one under it succeeds', async () => {
    const alloc = (mb: number) => ['perl', '-e', `my $x = "a" x (${mb} * 1024 * 1024); print "allocated\\n"`];
    const over = await run(alloc(300), { limits: { memoryMB: 100 } });
    assert.notEqual(over.code, 0);
    assert.ok(!over.stdout.includes('allocated'));
    assert.match(over.stderr, /Out of memory/);
    const under = await run(alloc(30), { limits: { memoryMB: 100 } });
    assert.equal(under.code, 0, under.stderr);
    assert.equal(under.stdout, 'allocated\n');
  });

  test('memory: /tmp is capped at the memory limit too', async () => {
    const r = await run(['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>&1; echo "dd exit $?"'], { limits: { memoryMB: 100 } });
    assert.match(r.stdout, /No space left on device/);
    assert.match(r.stdout, /dd exit [1-9]/);
  });

  test('processes: forks stop at the limit', async () => {
    // One parent forks until it cannot; the children wait and die with the sandbox when the parent ends.
    const script = 'my $n = 0; for (1..100) { my $p = fork; if (!defined $p) { print "refused: $!\\n"; last } if ($p == 0) { sleep 1000; exit 0 } $n++ } print "forked $n\\n"';
    const r = await run(['perl', '-e', script], { limits: { processes: 10 } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /refused: Resource temporarily unavailable/);
    const forked = Number(/forked (\d+)/.exec(r.stdout)?.[1]);
    // The limit counts the task's own process: 9 more at most.
    assert.ok(forked >= 1 && forked <= 9, `forked ${forked}`);
  });

  test('processes: a fork bomb is capped', async () => {
    // Every process forks ten times (2^10 processes uncapped), says "x" and waits; the first one
    // counts for a second, then ends, which ends the sandbox.
    const script = 'my $root = $$; for (1..10) { my $p = fork; last unless defined $p } print "x\\n"; if ($$ == $root) { sleep 1; exit 0 } sleep 1000';
    const r = await run(['perl', '-e', `$| = 1; ${script}`], { limits: { processes: 16 } });
    const alive = r.stdout.split('\n').filter((l) => l === 'x').length;
    assert.ok(alive >= 2 && alive <= 16, `${alive} processes`);
  });

  test('killing the process group stops everything in the sandbox', async () => {
    const marks = [`${100000 + Math.floor(Math.random() * 800000)}`, `${900001 + Math.floor(Math.random() * 90000)}`];
    const workDir = await newWorkDir();
    const child = sandbox.spawn({ argv: ['sh', '-c', `sleep ${marks[0]} & sleep ${marks[1]} & echo started; wait`], workDir, env: {}, limits: LIMITS });
    const exited = new Promise((r) => child.once('exit', r));
    const running = () => marks.flatMap((m) => pidsRunning(['sleep', m]));
    try {
      // `echo started` can come before the backgrounded shells have exec'd sleep: wait for both.
      await new Promise<void>((res) => child.stdout!.on('data', (d) => String(d).includes('started') && res()));
      for (let i = 0; i < 50 && running().length < 2; i++) await sleep(100);
      assert.equal(running().length, 2, 'both sleeps are running before the kill');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    await exited;
    // The pid namespace is torn down right after bwrap dies; allow it a moment, then they must be gone.
    for (let i = 0; i < 50 && running().length; i++) await sleep(100);
    assert.deepEqual(running(), []);
  });
});

describe('opening a sandbox', () => {
  test('without bwrap: a typed error that says what to install', async () => {
    await assert.rejects(openSandbox({ bwrapPath: '/nonexistent/bwrap' }), (err: unknown) => {
      assert.ok(err instanceof SandboxUnavailableError);
      assert.equal(err.code, 'SANDBOX_UNAVAILABLE');
      assert.equal(err.message, 'bubblewrap is not installed (no /nonexistent/bwrap): apt-get install bubblewrap');
      return true;
    });
  });

  test('allowUnsandboxed falls back to the worker user, but never as root', async () => {
    const opened = openSandbox({ bwrapPath: '/nonexistent/bwrap', allowUnsandboxed: true });
    if (asRoot) {
      await assert.rejects(opened, (err: unknown) => err instanceof SandboxUnavailableError && /never runs unsandboxed as root/.test(err.message) && !err.message.includes('\n'));
      assert.throws(() => new UnsandboxedRunner(), SandboxUnavailableError);
    } else {
      const runner = await opened;
      assert.equal(runner.isolation, 'none');
      assert.ok(runner instanceof UnsandboxedRunner);
    }
  });

  test('bwrap failures are explained in one line naming the switch', () => {
    const noNs = 'bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.\n';
    const sysctls = (values: Record<string, string>) => (name: string) => values[name];
    assert.equal(
      explainFailure(noNs, 1, sysctls({ 'kernel/unprivileged_userns_clone': '0' })),
      'user namespaces are disabled (kernel.unprivileged_userns_clone=0): sysctl -w kernel.unprivileged_userns_clone=1',
    );
    assert.match(explainFailure('bwrap: Creating new namespace failed: No space left on device', 1, sysctls({ 'user/max_user_namespaces': '0' })), /^user namespaces are disabled \(user\.max_user_namespaces=0\)/);
    assert.match(explainFailure('bwrap: setting up uid map: Permission denied', 1, sysctls({ 'kernel/apparmor_restrict_unprivileged_userns': '1' })), /^AppArmor blocks/);
    assert.match(explainFailure('bwrap: Creating new namespace failed: Operation not permitted', 1, sysctls({})), /^bubblewrap cannot create user namespaces/);
    assert.equal(explainFailure('', 1, sysctls({})), 'bubblewrap cannot start a sandbox: exit code 1');
  });
});
