// The Slurm executor's safe log reader and its job-user rules. A job owns its directory and may put
// anything under its output file's name; the server (often root) must read only the job's own regular
// files there, and never hand tenant code to Slurm as root. No Slurm needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail, openJobFile } from '../src/compute/slurm/logs.ts';
import { resolveJobIdentity } from '../src/compute/slurm/job-user.ts';
import type { UnixUser } from '../src/compute/slurm/job-user.ts';
import { SlurmCli } from '../src/compute/slurm/cli.ts';
import { SlurmRest } from '../src/compute/slurm/rest.ts';
import { SlurmJobUserError } from '../src/compute/slurm/errors.ts';
import { SlurmExecutor } from '../src/compute/slurm/executor.ts';
import type { JobSpec, SlurmBackend } from '../src/compute/slurm/backend.ts';
import { siteConfig } from '../src/compute/slurm-sites.ts';
import { SlurmSettings } from '@shuzhi/schema';
import type { SiteInput } from '@shuzhi/schema';

const SECRET = 'server-secret-do-not-forward';

describe('safe log reader', () => {
  let root: string;
  let jobDir: string;
  let secretFile: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'shuzhi-logs-'));
    jobDir = join(root, 'job');
    await mkdir(jobDir);
    secretFile = join(root, 'secret.txt');
    await writeFile(secretFile, `${SECRET}\n`);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const texts = (r: Awaited<ReturnType<LogTail['read']>>) => r?.log.text ?? '';

  test('a regular file is read from the offset on, and the offset moves only on commit', async () => {
    await writeFile(join(jobDir, 'stdout.log'), 'line 1\nline 2\n');
    const tail = new LogTail(jobDir, 'stdout.log', 'stdout');
    const first = await tail.read(false);
    assert.deepEqual(first?.log, { stream: 'stdout', text: 'line 1\nline 2\n' });
    assert.equal(texts(await tail.read(false)), 'line 1\nline 2\n', 'not committed: read again');
    first!.commit();
    assert.equal(await tail.read(false), null);
    await writeFile(join(jobDir, 'stdout.log'), 'line 1\nline 2\nline 3\n');
    assert.equal(texts(await tail.read(true)), 'line 3\n');
  });

  test('a file not there yet is no log and no error', async () => {
    assert.equal(await new LogTail(jobDir, 'not-yet.log', 'stdout').read(true), null);
    assert.deepEqual(await openJobFile(join(root, 'no-such-dir'), 'stdout.log'), { kind: 'missing' });
  });

  test('a symlink in place of the output file is refused and reported, never followed', async () => {
    await symlink(secretFile, join(jobDir, 'linked.log'));
    const f = await openJobFile(jobDir, 'linked.log');
    assert.equal(f.kind, 'refused');
    const tail = new LogTail(jobDir, 'linked.log', 'stdout');
    const r = await tail.read(true);
    assert.ok(r);
    assert.equal(r.log.stream, 'system');
    assert.match(r.log.text, /stdout not read: linked\.log is a symbolic link/);
    assert.ok(!r.log.text.includes(SECRET));
    r.commit();
    assert.equal(await tail.read(true), null, 'a refused file is reported once, then left alone');
    // A link to a directory, and a dangling link, are refused too.
    await symlink(root, join(jobDir, 'dir-link.log'));
    await symlink(join(root, 'nowhere'), join(jobDir, 'dangling.log'));
    assert.equal((await openJobFile(jobDir, 'dir-link.log')).kind, 'refused');
    assert.equal((await openJobFile(jobDir, 'dangling.log')).kind, 'refused');
  });

  test('a path outside the job directory is refused: `..`, slashes, a linked job directory', async () => {
    for (const name of ['../secret.txt', '..', '.', 'sub/stdout.log', '/etc/passwd', '']) {
      const f = await openJobFile(jobDir, name);
      assert.equal(f.kind, 'refused', name);
    }
    const r = await new LogTail(jobDir, '../secret.txt', 'stderr').read(true);
    assert.match(r?.log.text ?? '', /stderr not read: .*not a plain file name/);
    assert.ok(!(r?.log.text ?? '').includes(SECRET));
    // The job's directory itself swapped for a link to another directory.
    const linkedDir = join(root, 'linked-job');
    await symlink(root, linkedDir);
    const f = await openJobFile(linkedDir, 'secret.txt');
    assert.equal(f.kind, 'refused');
  });

  test('a FIFO is refused without blocking the reader; so is a directory', async () => {
    execFileSync('mkfifo', [join(jobDir, 'fifo.log')]);
    const started = Date.now();
    const f = await openJobFile(jobDir, 'fifo.log');
    assert.equal(f.kind, 'refused');
    assert.ok(Date.now() - started < 2000, 'opening the FIFO blocked');
    if (f.kind === 'refused') assert.match(f.why, /not a regular file/);
    await mkdir(join(jobDir, 'a-dir.log'));
    assert.equal((await openJobFile(jobDir, 'a-dir.log')).kind, 'refused');
  });

  test("a file that is not the job user's (a hard link to someone else's file) is refused", async () => {
    const mine = (await stat(secretFile)).uid;
    await link(secretFile, join(jobDir, 'hard.log'));
    const other = await openJobFile(jobDir, 'hard.log', mine + 1);
    assert.equal(other.kind, 'refused');
    if (other.kind === 'refused') assert.match(other.why, /not owned by the job's user/);
    const own = await openJobFile(jobDir, 'hard.log', mine);
    assert.equal(own.kind, 'open');
    if (own.kind === 'open') await own.fh.close();
  });

  test('at most maxBytes of a file are forwarded; a line says the rest is not', async () => {
    await writeFile(join(jobDir, 'big.log'), 'x'.repeat(25));
    const tail = new LogTail(jobDir, 'big.log', 'stdout', 0, { maxBytes: 10 });
    const first = await tail.read(false);
    assert.equal(first?.log.text, 'x'.repeat(10));
    first!.commit();
    const capped = await tail.read(false);
    assert.equal(capped?.log.stream, 'system');
    assert.match(capped?.log.text ?? '', /stdout of this job passed 10 bytes; the rest is not forwarded/);
    capped!.commit();
    assert.equal(await tail.read(true), null);
    // The cap does not wait forever on a character cut in half at the limit.
    await writeFile(join(jobDir, 'utf8.log'), '你好你好');
    const cut = new LogTail(jobDir, 'utf8.log', 'stdout', 0, { maxBytes: 4 });
    const r = await cut.read(false);
    assert.equal(Buffer.byteLength(r?.log.text.replace(/\uFFFD/g, '') ?? ''), 3);
  });
});

describe('job user', () => {
  const users: Record<string, UnixUser> = {
    'shuzhi-job': { name: 'shuzhi-job', uid: 990, gid: 990 },
    toor: { name: 'toor', uid: 0, gid: 0 },
    alice: { name: 'alice', uid: 1000, gid: 1000 },
  };
  const lookup = async (name: string) => users[name] ?? null;
  const cli = { siteId: 's', connection: { kind: 'cli' as const } };
  const rest = (user: string) => ({ siteId: 's', connection: { kind: 'rest' as const, url: 'http://127.0.0.1:6820', user, token: 't' } });
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof SlurmJobUserError ? e.code : `other: ${String(e)}`));

  test('a root server runs CLI jobs as shuzhi-job by default, through sbatch --uid/--gid', async () => {
    assert.deepEqual(await resolveJobIdentity(cli, 0, lookup), { name: 'shuzhi-job', uid: 990, gid: 990, switchUser: true });
    assert.deepEqual(await resolveJobIdentity({ ...cli, jobUser: 'alice' }, 0, lookup), { name: 'alice', uid: 1000, gid: 1000, switchUser: true });
  });

  test('root as the job user is refused with a typed error, by name or by uid', async () => {
    assert.equal(await code(resolveJobIdentity({ ...cli, jobUser: 'root' }, 0, lookup)), 'SLURM_JOB_USER_ROOT');
    assert.equal(await code(resolveJobIdentity({ ...cli, jobUser: 'toor' }, 0, lookup)), 'SLURM_JOB_USER_ROOT');
    assert.equal(await code(resolveJobIdentity(rest('root'), 0, lookup)), 'SLURM_JOB_USER_ROOT');
    assert.equal(await code(resolveJobIdentity(rest('toor'), 0, lookup)), 'SLURM_JOB_USER_ROOT');
  });

  test('an unknown or unusable job user is refused', async () => {
    assert.equal(await code(resolveJobIdentity({ ...cli, jobUser: 'nobody-here' }, 0, lookup)), 'SLURM_JOB_USER_UNKNOWN');
    assert.equal(await code(resolveJobIdentity(rest('nobody-here'), 0, lookup)), 'SLURM_JOB_USER_UNKNOWN');
    // REST jobs run as the token's user: another jobUser cannot be honoured.
    assert.equal(await code(resolveJobIdentity({ ...rest('alice'), jobUser: 'shuzhi-job' }, 0, lookup)), 'SLURM_JOB_USER_UNUSABLE');
    // Only root can submit as another user.
    assert.equal(await code(resolveJobIdentity({ ...cli, jobUser: 'alice' }, 4242, lookup)), 'SLURM_JOB_USER_UNUSABLE');
    assert.equal(await code(resolveJobIdentity(rest('alice'), 4242, lookup)), 'SLURM_JOB_USER_UNUSABLE');
  });

  test('REST jobs run as the token user; a root server hands it the job directories', async () => {
    assert.deepEqual(await resolveJobIdentity(rest('alice'), 0, lookup), { name: 'alice', uid: 1000, gid: 1000, switchUser: true });
    assert.deepEqual(await resolveJobIdentity(rest('alice'), 1000, lookup), { name: 'alice', uid: 1000, gid: 1000, switchUser: false });
  });

  test('the backends refuse to submit a job that would run as root', async () => {
    const spec: JobSpec = {
      name: 'n', comment: 'shuzhi:t:0', nodes: 1, ntasks: 1, cpusPerTask: 1, gpus: 0, timeMinutes: 1,
      workDir: '/nonexistent', stdout: '/nonexistent/o', stderr: '/nonexistent/e', scriptPath: '/nonexistent/job.sh',
    };
    // binDir points nowhere: had the check let it through, the error would be "not found" instead.
    const cliBackend = new SlurmCli({ kind: 'cli', binDir: '/nonexistent' }, { timeoutMs: 1000, accounting: 'none' });
    assert.equal(await code(cliBackend.submit({ ...spec, runAs: { uid: 0, gid: 0 } })), 'SLURM_JOB_USER_ROOT');
    if (process.getuid?.() === 0) assert.equal(await code(cliBackend.submit(spec)), 'SLURM_JOB_USER_ROOT');
    const restBackend = new SlurmRest({ kind: 'rest', url: 'http://127.0.0.1:9', user: 'root', token: 't' }, { timeoutMs: 1000, accounting: 'none' });
    assert.equal(await code(restBackend.submit(spec)), 'SLURM_JOB_USER_ROOT');
  });

  test('the executor refuses tenant work with a root job user: typed error, nothing submitted, site degraded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shuzhi-root-user-'));
    let submitted = 0;
    const backend: SlurmBackend = {
      submit: async () => String(++submitted),
      jobs: async () => [],
      accounting: async () => [],
      cancel: async () => undefined,
    };
    const host = { started: async () => true, logs: async () => true, finished: async () => true, lost: async () => true };
    const executor = new SlurmExecutor(
      { siteId: 'hpc', connection: { kind: 'rest', url: 'http://127.0.0.1:9', user: 'root', token: 't' }, workRoot: join(dir, 'state'), jobRoot: join(dir, 'jobs') },
      { host, backend },
    );
    try {
      const task = { taskId: 't1', attempt: 0, jobId: 'j1', jobName: 'x', siteId: 'hpc', type: 'cpu', units: 1, hours: 1, command: 'id -u', env: {}, tenantId: 'tianshan-ai', priority: 50, createdAtMs: 0, readyAtMs: 0 };
      assert.equal(await code(executor.submit(task)), 'SLURM_JOB_USER_ROOT');
      assert.equal(submitted, 0, 'a job reached Slurm');
      assert.equal(executor.degraded, true);
      const probe = await executor.probe();
      assert.equal(probe.ok, false);
      assert.match(probe.ok ? '' : probe.error, /never runs as root/);
      assert.match(executor.problem ?? '', /never runs as root/);
    } finally {
      await executor.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a site's slurm.jobUser and slurm.jobDir reach the executor's settings", () => {
    const site = { id: 'hpc', slurm: SlurmSettings.parse({ mode: 'cli', jobUser: 'hpc-jobs', jobDir: '/srv/slurm-jobs' }) } as SiteInput;
    const cfg = siteConfig(site, '/data/slurm/hpc');
    assert.ok(typeof cfg !== 'string', String(cfg));
    assert.equal(cfg.jobUser, 'hpc-jobs');
    assert.equal(cfg.jobRoot, '/srv/slurm-jobs/hpc');
    assert.equal(cfg.workRoot, '/data/slurm/hpc');
    assert.equal(SlurmSettings.safeParse({ jobDir: 'relative/dir' }).success, false);
    assert.equal(SlurmSettings.safeParse({ jobUser: 'bad user;' }).success, false);
  });

  test("job directories inside a private dir (the server's data dir) are refused: the job user could not reach them", async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (the server hands job directories to another user)');
    const dataDir = await mkdtemp(join(tmpdir(), 'shuzhi-private-'));
    const backend: SlurmBackend = { submit: async () => '1', jobs: async () => [], accounting: async () => [], cancel: async () => undefined };
    const host = { started: async () => true, logs: async () => true, finished: async () => true, lost: async () => true };
    // Over REST the job user is the token's: `nobody` exists on every Debian machine.
    const connection = { kind: 'rest' as const, url: 'http://127.0.0.1:9', user: 'nobody', token: 't' };
    const inside = new SlurmExecutor({ siteId: 'hpc', connection, workRoot: join(dataDir, 'slurm'), jobRoot: join(dataDir, 'jobs') }, { host, backend });
    const outside = new SlurmExecutor({ siteId: 'hpc', connection, workRoot: join(dataDir, 'slurm'), jobRoot: join(tmpdir(), `shuzhi-jobs-${process.pid}`) }, { host, backend });
    try {
      const probe = await inside.probe();
      assert.equal(probe.ok, false);
      assert.match(probe.ok ? '' : probe.error, /cannot reach the job directories .* is closed to it/);
      assert.equal(inside.degraded, true);
      assert.deepEqual(await outside.probe(), { ok: true });
    } finally {
      await inside.close();
      await outside.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
