import { execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { BubblewrapSandbox } from './bubblewrap.ts';
import { SandboxUnavailableError } from './errors.ts';
import { PRLIMIT } from './limits.ts';
import type { Sandbox } from './types.ts';
import { UnsandboxedRunner } from './unsandboxed.ts';

export interface OpenSandboxOptions {
  /** First uid for tasks when the worker runs as root (default 80000), and how many (default 1000). */
  uidBase?: number;
  uidCount?: number;
  /** Where bwrap is; by default it is looked up on PATH. */
  bwrapPath?: string;
  /** When bubblewrap cannot be used, run tasks unsandboxed as the worker's (non-root) user instead of failing. */
  allowUnsandboxed?: boolean;
  log?: (line: string) => void;
}

/** --disable-userns and --size (for the tmpfs caps) came with bubblewrap 0.8.0 (Debian 12, Ubuntu 24.04). */
const MIN_VERSION = [0, 8, 0];

/**
 * The sandbox this host can give tenant code: bubblewrap, checked by starting one real sandbox (with the
 * same options and, under root, the same uid switch and user namespace as every task) and asking it who
 * it runs as. Otherwise a SandboxUnavailableError saying why in one line, or with `allowUnsandboxed`
 * an UnsandboxedRunner (which itself refuses root).
 */
export async function openSandbox(opts: OpenSandboxOptions = {}): Promise<Sandbox> {
  try {
    return await openBubblewrap(opts);
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError) || !opts.allowUnsandboxed) throw err;
    if (process.getuid?.() === 0) {
      throw new SandboxUnavailableError(`${err.message} (and tenant code never runs unsandboxed as root)`, { cause: err });
    }
    opts.log?.(`no sandbox: ${err.message}; running tasks unsandboxed as this user`);
    return new UnsandboxedRunner();
  }
}

async function openBubblewrap(opts: OpenSandboxOptions): Promise<BubblewrapSandbox> {
  const bwrap = opts.bwrapPath ?? onPath('bwrap');
  if (!bwrap || !executable(bwrap)) {
    throw new SandboxUnavailableError(`bubblewrap is not installed${opts.bwrapPath ? ` (no ${opts.bwrapPath})` : ''}: apt-get install bubblewrap`);
  }
  if (!executable(PRLIMIT)) throw new SandboxUnavailableError(`${PRLIMIT} is missing: apt-get install util-linux`);
  const out = await promisify(execFile)(bwrap, ['--version']).catch((err: Error) => {
    throw new SandboxUnavailableError(`${bwrap} --version failed: ${err.message.split('\n')[0]}`, { cause: err });
  });
  const version = out.stdout.trim().replace(/^bubblewrap\s*/, '');
  if (older(version, MIN_VERSION)) {
    throw new SandboxUnavailableError(`bubblewrap ${version} is too old: version ${MIN_VERSION.join('.')} or newer is needed`);
  }
  const sandbox = new BubblewrapSandbox({ bwrapPath: bwrap, version, uidBase: opts.uidBase, uidCount: opts.uidCount });
  await probe(sandbox);
  opts.log?.(`sandbox: ${sandbox.description}`);
  return sandbox;
}

/** Runs `id -u` in a sandbox like any task's: it must work, and not as root. */
async function probe(sandbox: BubblewrapSandbox): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'shuzhi-sandbox-probe-'));
  try {
    await chmod(root, 0o711);
    const workDir = join(root, 'task');
    await sandbox.prepareWorkDir(workDir);
    const r = await collect(sandbox.spawn({ argv: ['id', '-u'], workDir, env: {}, limits: { cpuSeconds: 10, memoryMB: 256, processes: 8 } }));
    if (r.code !== 0) throw new SandboxUnavailableError(explainFailure(r.stderr, r.code));
    if (r.stdout.trim() === '0') throw new SandboxUnavailableError('the sandbox probe ran as root: tasks would too');
  } catch (err) {
    if (err instanceof SandboxUnavailableError) throw err;
    throw new SandboxUnavailableError(`cannot start a sandbox: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** One line from bwrap's complaint: which switch is off and how to turn it on. */
export function explainFailure(stderr: string, code: number | null, sysctl: (name: string) => string | undefined = readSysctl): string {
  const first = stderr.trim().split('\n')[0] ?? '';
  if (/namespace|uid map|Operation not permitted|No space left on device/i.test(first)) {
    if (sysctl('kernel/unprivileged_userns_clone') === '0') {
      return 'user namespaces are disabled (kernel.unprivileged_userns_clone=0): sysctl -w kernel.unprivileged_userns_clone=1';
    }
    if (sysctl('user/max_user_namespaces') === '0') {
      return 'user namespaces are disabled (user.max_user_namespaces=0): sysctl -w user.max_user_namespaces=15000';
    }
    if (sysctl('kernel/apparmor_restrict_unprivileged_userns') === '1') {
      return 'AppArmor blocks unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1): give bwrap an AppArmor profile that allows userns, or set it to 0';
    }
    return `bubblewrap cannot create user namespaces (${first.replace(/^bwrap: /, '')}): enable unprivileged user namespaces; in a container, its seccomp profile must allow them`;
  }
  return `bubblewrap cannot start a sandbox: ${first.replace(/^bwrap: /, '') || `exit code ${code}`}`;
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
  } catch {
    return undefined;
  }
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

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).filter(Boolean).map((d) => join(d, name)).find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function older(version: string, min: number[]): boolean {
  const v = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) < min[i]!;
  return false;
}
