import { execFile, spawnSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../sim/free-port.ts';

/** Where Debian's `postgresql-15` puts its server binaries; the project targets PostgreSQL 15 only. */
export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';

const CLUSTER_USER = 'postgres';
const DEFAULT_DATABASE = 'shuzhi_test';
const START_ATTEMPTS = 3;
const COMMAND_TIMEOUT_MS = 120_000;

export interface PostgresHandle {
  /** `postgres://` URL of a database nobody else uses. */
  url: string;
  /** Stops the cluster and deletes its files; a no-op for a server given by `DATABASE_URL`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Name of the database to create in the temporary cluster. */
  database?: string;
}

export class PostgresNotInstalledError extends Error {
  readonly code = 'POSTGRES_NOT_INSTALLED';
  constructor(readonly binDir: string) {
    super(
      `PostgreSQL 15 is not installed (no ${binDir}/initdb). ` +
        'Run .ci/run or apt-get install postgresql.',
    );
    this.name = 'PostgresNotInstalledError';
  }
}

export class PostgresStartError extends Error {
  readonly code = 'POSTGRES_START_FAILED';
  constructor(message: string, readonly output: string, options?: { cause?: unknown }) {
    super(`${message}\n${output}`, options);
    this.name = 'PostgresStartError';
  }
}

/**
 * A PostgreSQL 15 database for one test file. With `DATABASE_URL` set, that server is used as is and
 * left running; otherwise a throwaway cluster is created in a temp dir and served on a free port on
 * 127.0.0.1 (trust auth: nothing outside this machine's loopback can reach it).
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const external = process.env['DATABASE_URL'];
  if (external !== undefined && external !== '') {
    return { url: external, stop: async () => {} };
  }
  if (!existsSync(join(PG_BIN_DIR, 'initdb'))) throw new PostgresNotInstalledError(PG_BIN_DIR);

  const database = options.database ?? DEFAULT_DATABASE;
  const runner = await clusterRunner();
  // As root the base must be one the postgres user can traverse; /tmp is, a root TMPDIR may not be.
  const base = await mkdtemp(join(runner.asOtherUser ? '/tmp' : tmpdir(), 'shuzhi-pg-'));
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  const logFile = join(base, 'postgres.log');

  let started = false;
  const removeOnExit = (): void => {
    // Last resort if the test process ends without calling stop(): a postmaster would otherwise outlive
    // it and keep its port and shared memory. Only synchronous calls work inside an 'exit' handler.
    if (started) runner.runSync(join(PG_BIN_DIR, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);

  try {
    await mkdir(socketDir);
    if (runner.asOtherUser) {
      await chown(base, runner.uid, runner.gid);
      await chown(socketDir, runner.uid, runner.gid);
    }
    await runner.run(join(PG_BIN_DIR, 'initdb'), [
      '-D', dataDir,
      '-U', CLUSTER_USER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]).catch((cause: unknown) => {
      throw new PostgresStartError('initdb failed', commandOutput(cause), { cause });
    });

    const port = await startOnFreePort(runner, dataDir, socketDir, logFile);
    started = true;

    await runner.run(join(PG_BIN_DIR, 'createdb'), ['-h', socketDir, '-p', String(port), '-U', CLUSTER_USER, database])
      .catch((cause: unknown) => {
        throw new PostgresStartError(`createdb ${database} failed`, commandOutput(cause), { cause });
      });

    let stopped = false;
    return {
      url: `postgres://${CLUSTER_USER}@127.0.0.1:${port}/${database}`,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await runner.run(join(PG_BIN_DIR, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
        } finally {
          started = false;
          process.removeListener('exit', removeOnExit);
          await rm(base, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    process.removeListener('exit', removeOnExit);
    removeOnExit();
    throw err;
  }
}

/** Starts the server, picking another port if the free one was taken between probe and bind. */
async function startOnFreePort(runner: Runner, dataDir: string, socketDir: string, logFile: string): Promise<number> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${socketDir}`,
      "-c listen_addresses='127.0.0.1'",
      // A throwaway cluster: durability only costs time here.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    try {
      await runner.run(join(PG_BIN_DIR, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
      return port;
    } catch (cause) {
      lastError = cause;
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (!/could not bind|address already in use/i.test(log)) {
        throw new PostgresStartError('pg_ctl start failed', `${commandOutput(cause)}\n--- ${logFile} ---\n${log}`, { cause });
      }
    }
  }
  throw new PostgresStartError(`no free port after ${START_ATTEMPTS} attempts`, commandOutput(lastError), { cause: lastError });
}

interface Runner {
  /** True when commands run as the `postgres` user because this process is root. */
  asOtherUser: boolean;
  uid: number;
  gid: number;
  run(file: string, args: string[]): Promise<void>;
  runSync(file: string, args: string[]): void;
}

// PostgreSQL refuses to run as root, so as root every cluster command goes through runuser.
async function clusterRunner(): Promise<Runner> {
  // LC_ALL=C: the server must not depend on whichever locales this machine happens to have generated.
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    return {
      asOtherUser: false,
      uid: process.getuid?.() ?? -1,
      gid: process.getgid?.() ?? -1,
      run: (file, args) => exec(file, args, env),
      runSync: (file, args) => void spawnSync(file, args, { env, stdio: 'ignore', timeout: 30_000 }),
    };
  }
  const { uid, gid } = await lookupUser(CLUSTER_USER);
  // cwd /: runuser keeps ours, which the postgres user may not be allowed to enter.
  const wrap = (file: string, args: string[]): string[] => ['-u', CLUSTER_USER, '--', file, ...args];
  return {
    asOtherUser: true,
    uid,
    gid,
    run: (file, args) => exec('runuser', wrap(file, args), env, '/'),
    runSync: (file, args) => void spawnSync('runuser', wrap(file, args), { env, cwd: '/', stdio: 'ignore', timeout: 30_000 }),
  };
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new PostgresNotInstalledError(PG_BIN_DIR);
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdio of pg_ctl start is inherited by the postmaster; execFile's pipes close when pg_ctl exits
    // because the server writes to its own log file (-l).
    execFile(file, args, { env, cwd, timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve();
    });
  });
}

function commandOutput(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { message, stdout, stderr } = err as { message?: string; stdout?: string; stderr?: string };
  return [message, stdout, stderr].filter((s) => s !== undefined && s !== '').join('\n');
}
