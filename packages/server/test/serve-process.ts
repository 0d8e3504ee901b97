import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SHUZHI_BIN = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** The base URL once the banner says the server is ready; rejects if it exits first or after `readyMs`. */
  ready: Promise<string>;
  /** Exit code and signal, and how long after `stop()` (or the start, without one) it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterStopMs: number }>;
  /** Sends a signal to the server's process group, as a terminal's Ctrl-C or a service manager does. */
  signal(sig: NodeJS.Signals): void;
}

/**
 * `shuzhi serve` as a real process (the bin that `npm start` runs through scripts/start.mjs), in a
 * process group of its own, so a test can signal or kill it and whatever it started (Slurm daemons,
 * simulators) as a service manager would.
 */
export function startServe(env: Record<string, string>, opts: { readyMs?: number } = {}): ServeProcess {
  const child = spawn(process.execPath, [SHUZHI_BIN, 'serve'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let stopAt = Date.now();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterStopMs: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, afterStopMs: Date.now() - stopAt }));
  });
  const readyMs = opts.readyMs ?? 180_000;
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after ${readyMs / 1000} s:\n${out}\n${err}`)), readyMs);
    timer.unref();
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m && out.includes('ready in')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    ready,
    exited,
    signal(sig) {
      stopAt = Date.now();
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    },
  };
}

/** Kills a server and its process group if it still runs (test clean-up). */
export async function killServe(s: ServeProcess): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.signal('SIGKILL');
  await s.exited;
  // Whatever it started in its group (daemons, sandboxes) goes with it.
  try {
    process.kill(-s.pid, 'SIGKILL');
  } catch {
    // none left
  }
}

/** The pino lines a server printed, parsed (the banner and other plain lines skipped). */
export function logLines(text: string): { level: number; msg: string; [k: string]: unknown }[] {
  const out: { level: number; msg: string }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as { level: number; msg: string });
    } catch {
      // a line cut by the kill
    }
  }
  return out;
}
