import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../sim/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The `shuzhi` command as installed (it loads the TypeScript through tsx itself).
const CLI = join(ROOT, 'packages/server/bin/shuzhi.mjs');

/** One `shuzhi serve` process on a shared PostgreSQL (a real replica, as an operator runs it). */
export interface ReplicaProcess {
  name: string;
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything it wrote to stdout and stderr (pino JSON lines and the banner). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
  /** kill -9: no goodbye, no lease release. */
  kill9(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export class ReplicaStartError extends Error {
  readonly code = 'REPLICA_START_FAILED';
  constructor(name: string, why: string, output: string) {
    super(`replica ${name} did not become healthy: ${why}\n--- its output ---\n${output.slice(-4000)}`);
  }
}

/** Settings every replica of one test shares: the database and the secrets key (all replicas need the same). */
export function replicaEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SHUZHI_SECRETS_KEY: randomBytes(32).toString('base64'),
    SHUZHI_DEMO: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function startReplica(
  name: string,
  env: Record<string, string>,
  opts: { port?: number; healthTimeoutMs?: number; /** Raise the soft open-file limit to the hard one (benches with thousands of sockets). */ raiseFileLimit?: boolean } = {},
): Promise<ReplicaProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), `shuzhi-replica-${name}-`));
  let out = '';
  const [cmd, argv] = opts.raiseFileLimit
    ? ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, CLI, 'serve']]
    : [process.execPath, [CLI, 'serve']];
  const proc = spawn(cmd, argv as string[], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), SHUZHI_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const r: ReplicaProcess = {
    name,
    url,
    port,
    proc,
    output: () => out,
    exited,
    kill9: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
  const end = Date.now() + (opts.healthTimeoutMs ?? 120_000);
  let gone: number | string | null = null;
  void exited.then((c) => (gone = c));
  for (;;) {
    if (gone !== null) throw new ReplicaStartError(name, `it exited (${gone})`, out);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      await r.kill9();
      throw new ReplicaStartError(name, 'no answer on /api/health in time', out);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  return r;
}

/** The leader as the lease row says (null when no live lease). */
export async function leaderRow(db: pg.Pool): Promise<{ holder: string; url: string | null; epoch: number } | null> {
  const r = await db.query(`select holder, url, epoch from leadership where name = 'leader' and expires_at > now()`);
  const row = r.rows[0] as { holder: string; url: string | null; epoch: string } | undefined;
  return row ? { holder: row.holder, url: row.url, epoch: Number(row.epoch) } : null;
}
