import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEFAULT_JOB_USER } from './config.ts';
import { SlurmError, SlurmJobUserError } from './errors.ts';
import { lookupUser } from './job-user.ts';
import type { UnixUser } from './job-user.ts';
// The one free-port helper, shared with the simulators.
import { freePort } from '../../../../../sim/free-port.ts';

/**
 * Debian packages that provide what a local cluster runs. For `rest: true`: slurmrestd, and
 * slurm-wlm-jwt-plugin for auth/jwt (slurmctld will not start with AuthAltTypes=auth/jwt without it).
 */
export const SLURM_PACKAGES = 'slurm-wlm munge slurmrestd slurm-wlm-jwt-plugin';
const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
type Daemon = (typeof DAEMONS)[number] | 'slurmrestd';
/**
 * The unprivileged account slurmrestd drops to (`-u`, setuid after opening its socket): it refuses to
 * run as root. 22.05 has no `-g`: `-u` also takes the user's group (seen: nobody/nogroup, no supplementary
 * groups). It needs no file of ours but the world-readable slurm.conf.
 */
const REST_RUN_AS = 'nobody';
/** `scontrol token` lifespan of the test token, in seconds. */
const REST_TOKEN_LIFESPAN_S = 3600;
const CLIENTS = ['sbatch', 'squeue', 'sacct', 'scancel', 'sinfo', 'scontrol'] as const;
const READY_TIMEOUT_MS = 30_000;

export class SlurmNotInstalledError extends SlurmError {
  constructor(readonly missing: string[]) {
    super(
      'SLURM_NOT_INSTALLED',
      `Slurm is not installed here (missing: ${missing.join(', ')}). Install the Debian packages: apt-get install ${SLURM_PACKAGES}`,
    );
    this.name = 'SlurmNotInstalledError';
  }
}

export class SlurmStartError extends SlurmError {
  constructor(message: string, readonly output: string) {
    super('SLURM_START_FAILED', `${message}\n${output}`);
    this.name = 'SlurmStartError';
  }
}

export interface LocalSlurm {
  /** slurm.conf of this cluster. */
  conf: string;
  /** Environment for Slurm's commands: SLURM_CONF. */
  env: Record<string, string>;
  partition: string;
  nodeName: string;
  /** Temp dir holding config, state, logs. */
  dir: string;
  /**
   * `<dir>/jobs` (root's, 0711): a root for job directories (SlurmSiteConfig.jobRoot) that the job user
   * can reach but not list.
   */
  jobDir: string;
  /** The unprivileged user jobs run as (created if missing). */
  jobUser: UnixUser;
  /** With `rest: true`: slurmrestd's base URL and a JWT for `user` (the job user: jobs run as it). */
  rest?: { url: string; user: string; token: string };
  /** Stops slurmctld (jobs keep running under slurmd). */
  stopController(): Promise<void>;
  /** Starts slurmctld again; it recovers its state and the jobs from the state dir. */
  startController(): Promise<void>;
  /** Cancels every job, stops all daemons, deletes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Finds an executable on PATH (and in sbin dirs, which a non-login root shell may lack). */
export function which(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return null;
}

/** Debian's slurm-wlm-jwt-plugin puts auth_jwt.so under /usr/lib/<multiarch>/slurm-wlm. */
function hasJwtPlugin(): boolean {
  const libDirs = ['/usr/lib', '/usr/lib64', ...(existsSync('/usr/lib') ? readdirSync('/usr/lib').map((d) => join('/usr/lib', d)) : [])];
  return libDirs.some((d) => existsSync(join(d, 'slurm-wlm', 'auth_jwt.so')) || existsSync(join(d, 'slurm', 'auth_jwt.so')));
}

export function missingSlurmBinaries(rest = false): string[] {
  const missing: string[] = [...DAEMONS, ...CLIENTS, ...(rest ? ['slurmrestd'] : [])].filter((b) => which(b) === null);
  // Without it slurmctld exits at start with "cannot find auth plugin for auth/jwt".
  if (rest && !hasJwtPlugin()) missing.push('auth_jwt.so (slurm-wlm-jwt-plugin)');
  return missing;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { output: `${stderr}${stdout}` }));
      else resolve(stdout);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The unprivileged system user jobs run as: looked up, and created when missing (`useradd --system
 * --no-create-home --user-group`, no login shell). Needs root to create. Never root itself.
 */
export async function ensureJobUser(name: string = DEFAULT_JOB_USER): Promise<UnixUser> {
  let user = await lookupUser(name);
  if (!user) {
    const useradd = which('useradd');
    if (!useradd || process.getuid?.() !== 0) {
      throw new SlurmJobUserError('SLURM_JOB_USER_UNKNOWN', `the job user ${name} does not exist and cannot be created here (needs root and useradd)`);
    }
    const nologin = ['/usr/sbin/nologin', '/sbin/nologin'].find((p) => existsSync(p)) ?? '/bin/false';
    await run(useradd, ['--system', '--no-create-home', '--user-group', '--shell', nologin, name], process.env).catch((err: { output?: string }) => {
      // Another process may have created it meanwhile (two clusters starting at once): look again below.
      if (!/already exists/.test(err.output ?? '')) throw new SlurmStartError(`useradd ${name} failed`, err.output ?? String(err));
    });
    user = await lookupUser(name);
    if (!user) throw new SlurmJobUserError('SLURM_JOB_USER_UNKNOWN', `useradd ${name} ran but the user is still unknown`);
  }
  if (user.uid === 0) throw new SlurmJobUserError('SLURM_JOB_USER_ROOT', `the job user ${name} has uid 0; jobs must not run as root`);
  return user;
}

/** `slurmd -C` prints this machine's node line; fall back to what Node sees. */
async function nodeLine(declaredCpus?: number): Promise<string> {
  if (declaredCpus) return `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${declaredCpus} RealMemory=${Math.floor((totalmem() / 2 ** 20) * 0.9)}`;
  const out = await run(which('slurmd')!, ['-C'], process.env).catch(() => '');
  const line = out.split('\n').find((l) => l.startsWith('NodeName='));
  if (line) {
    return line
      .replace(/^NodeName=\S+/, 'NodeName=localhost NodeAddr=127.0.0.1')
      .replace(/RealMemory=(\d+)/, (_, mb: string) => `RealMemory=${Math.max(1, Math.floor(Number(mb) * 0.9))}`);
  }
  return `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=${Math.floor((totalmem() / 2 ** 20) * 0.9)}`;
}

/**
 * A one-node Slurm on localhost in a temp dir, with its own munged (own key and socket), slurmctld and
 * slurmd on free ports. Needs root (slurmd). Accounting: no slurmdbd; finished jobs go to the
 * jobcomp/filetxt log, which `sacct -c` reads (the executor's `accounting: 'jobcomp'`).
 */
export async function startLocalSlurm(
  opts: {
    partition?: string;
    messageTimeoutSec?: number;
    /**
     * Declare this many CPUs instead of the machine's own (slurmd is told to trust the config). For a
     * demo site whose jobs are light shell commands; real work should keep the real count.
     */
    declaredCpus?: number;
    /**
     * Also serve the REST API: JWT auth next to munge (AuthAltTypes=auth/jwt with a random key), and
     * slurmrestd on a free 127.0.0.1 port; the result carries its URL and a token for the job user.
     */
    rest?: boolean;
    /** The unprivileged user jobs run as (default `shuzhi-job`); created when missing. */
    jobUser?: string;
  } = {},
): Promise<LocalSlurm> {
  const missing = missingSlurmBinaries(opts.rest === true);
  if (missing.length > 0) throw new SlurmNotInstalledError(missing);
  if (process.getuid?.() !== 0) throw new SlurmStartError('a local Slurm needs root (slurmd runs jobs as their users)', '');
  // Started as root, but what tenants submit runs as this user (sbatch --uid, or its REST token).
  const jobUser = await ensureJobUser(opts.jobUser ?? DEFAULT_JOB_USER);

  const partition = opts.partition ?? 'shuzhi';
  // 0755: munged insists every directory above its socket is searchable by all.
  const dir = await mkdtemp('/tmp/shuzhi-slurm-');
  await chmod(dir, 0o755);
  const mungeDir = join(dir, 'munge');
  await mkdir(mungeDir, { mode: 0o755 });
  for (const sub of ['ctld', 'spool']) await mkdir(join(dir, sub), { mode: 0o755 });
  // Job directories: jobs may walk through to their own, not list the others'.
  const jobDir = join(dir, 'jobs');
  await mkdir(jobDir, { mode: 0o711 });
  await chmod(jobDir, 0o711);
  const keyFile = join(dir, 'munge.key');
  await writeFile(keyFile, randomBytes(128), { mode: 0o600 });
  const socket = join(mungeDir, 'munge.sock');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  // JWT key: only slurmctld (root) reads it; slurmrestd passes the tokens on without checking them.
  const jwtKey = join(dir, 'jwt.key');
  if (opts.rest) await writeFile(jwtKey, randomBytes(32), { mode: 0o600 });
  const conf = join(dir, 'slurm.conf');
  await writeFile(
    conf,
    [
      'ClusterName=shuzhi',
      'SlurmctldHost=localhost(127.0.0.1)',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      ...(opts.rest ? ['AuthAltTypes=auth/jwt', `AuthAltParameters=jwt_key=${jwtKey}`] : []),
      `StateSaveLocation=${join(dir, 'ctld')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'JobAcctGatherType=jobacct_gather/linux',
      'AccountingStorageType=accounting_storage/none',
      // No slurmdbd: finished jobs are logged here and `sacct -c` reads them.
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${join(dir, 'jobcomp.log')}`,
      'MpiDefault=none',
      'MailProg=/bin/true',
      'ReturnToService=2',
      'SchedulerType=sched/backfill',
      'MinJobAge=300',
      'KillWait=2',
      'InactiveLimit=0',
      // Clients give up on a stopped controller after about this long (the default 10 s makes outages slow to test).
      `MessageTimeout=${opts.messageTimeoutSec ?? 5}`,
      'SlurmdTimeout=300',
      await nodeLine(opts.declaredCpus),
      ...(opts.declaredCpus ? ['SlurmdParameters=config_overrides'] : []),
      `PartitionName=${partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );

  const env: Record<string, string> = { SLURM_CONF: conf };
  const childEnv = { ...process.env, ...env };
  const procs: Partial<Record<Daemon, ChildProcess>> = {};
  const spawnDaemon = (name: Daemon, args: string[], extraEnv: Record<string, string> = {}): ChildProcess => {
    const out = openSync(join(dir, `${name}.out`), 'a');
    try {
      const child = spawn(which(name)!, args, { env: { ...childEnv, ...extraEnv }, stdio: ['ignore', out, out], cwd: dir });
      child.on('error', () => {});
      procs[name] = child;
      return child;
    } finally {
      closeSync(out);
    }
  };
  const logs = async (): Promise<string> => {
    const parts: string[] = [];
    for (const f of ['munged.out', 'slurmctld.out', 'slurmctld.log', 'slurmd.out', 'slurmd.log', 'slurmrestd.out']) {
      const text = await readFile(join(dir, f), 'utf8').catch(() => '');
      if (text) parts.push(`--- ${f} ---\n${text.split('\n').slice(-25).join('\n')}`);
    }
    return parts.join('\n');
  };
  const killAll = (): void => {
    for (const name of ['slurmrestd', 'slurmd', 'slurmctld', 'munged'] as const) {
      const p = procs[name];
      if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
  };
  // Last resort when the test process ends without stop(): daemons must not outlive it.
  const onExit = (): void => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stopProcess = async (name: Daemon): Promise<void> => {
    const p = procs[name];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      for (const [name, p] of Object.entries(procs)) {
        if (p && (p.exitCode !== null || p.signalCode !== null)) {
          throw new SlurmStartError(`${name} exited while waiting for ${what}`, await logs());
        }
      }
      await sleep(200);
    }
    throw new SlurmStartError(`timed out waiting for ${what}`, await logs());
  };
  const startController = async (): Promise<void> => {
    // -i: carry on past unreadable state files (there are none on the first start).
    spawnDaemon('slurmctld', ['-D', '-i']);
    await waitFor('slurmctld', async () => (await run(which('scontrol')!, ['ping'], childEnv, 5000)).includes('is UP'));
  };

  let rest: LocalSlurm['rest'];
  const startRest = async (): Promise<NonNullable<LocalSlurm['rest']>> => {
    // The token is the job user's: over REST, jobs run as the token's user.
    const out = await run(which('scontrol')!, ['token', `username=${jobUser.name}`, `lifespan=${REST_TOKEN_LIFESPAN_S}`], childEnv, 10_000);
    const token = /SLURM_JWT=(\S+)/.exec(out)?.[1];
    if (!token) throw new SlurmStartError('scontrol token printed no SLURM_JWT', out);
    const port = await freePort();
    // SLURM_JWT=daemon: slurmrestd authenticates each request with the caller's token (rest_auth/jwt).
    // Only the v0.0.38 job API: the dbv0.0.38 plugin would need slurmdbd, which this cluster has not.
    spawnDaemon('slurmrestd', ['-a', 'rest_auth/jwt', '-s', 'openapi/v0.0.38', '-u', REST_RUN_AS, `127.0.0.1:${port}`], {
      SLURM_JWT: 'daemon',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor('slurmrestd', async () => {
      const res = await fetch(`${url}/slurm/v0.0.38/ping`, {
        headers: { 'X-SLURM-USER-NAME': jobUser.name, 'X-SLURM-USER-TOKEN': token },
        signal: AbortSignal.timeout(5000),
      });
      await res.text();
      return res.ok;
    });
    return { url, user: jobUser.name, token };
  };

  let stopped = false;
  try {
    spawnDaemon('munged', [
      '-F',
      `--socket=${socket}`,
      `--key-file=${keyFile}`,
      `--pid-file=${join(mungeDir, 'munged.pid')}`,
      `--log-file=${join(dir, 'munged.log')}`,
      `--seed-file=${join(mungeDir, 'munged.seed')}`,
    ]);
    await waitFor('munged', async () => existsSync(socket));
    await startController();
    spawnDaemon('slurmd', ['-D', '-N', 'localhost']);
    await waitFor('the node to be idle', async () =>
      /^idle/.test((await run(which('sinfo')!, ['-h', '-n', 'localhost', '-o', '%T'], childEnv, 5000)).trim()),
    );
    if (opts.rest) rest = await startRest();
  } catch (err) {
    process.removeListener('exit', onExit);
    onExit();
    throw err;
  }

  return {
    conf,
    env,
    partition,
    nodeName: 'localhost',
    dir,
    jobDir,
    jobUser,
    ...(rest ? { rest } : {}),
    stopController: () => stopProcess('slurmctld'),
    startController,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        const ctld = procs.slurmctld;
        if (ctld && ctld.exitCode === null && ctld.signalCode === null) {
          // Running jobs live in slurmstepd processes that outlive slurmd: end them through Slurm first.
          // Every job of the partition, whoever it runs as.
          await run(which('scancel')!, [`--partition=${partition}`], childEnv, 10_000).catch(() => '');
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline) {
            const q = await run(which('squeue')!, ['-h', '-t', 'running,completing,pending', '-o', '%i'], childEnv, 5000).catch(() => '');
            if (q.trim() === '') break;
            await sleep(200);
          }
        }
        await stopProcess('slurmrestd');
        await stopProcess('slurmd');
        await stopProcess('slurmctld');
        await stopProcess('munged');
      } finally {
        process.removeListener('exit', onExit);
        killAll();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
