import type { Logger } from '../log.ts';

/** The same signal again within this long is the same request (a terminal's Ctrl-C also reaches npm and scripts/start.mjs, which pass it on). */
export const DUPLICATE_SIGNAL_MS = 1000;

const EXIT_ON_SIGNAL: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface ShutdownOptions {
  log: Logger;
  /** The whole stop must end within this long, else the process exits 1 anyway. */
  timeoutMs: number;
  /** Stops everything: stop taking work, hand back leases, flush, close the database. */
  stop: () => Promise<void>;
  /** process.exit, replaceable in tests. */
  exit?: (code: number) => void;
  now?: () => number;
}

/**
 * Graceful stop on SIGTERM/SIGINT: logs "shutting down", runs `stop` bounded by `timeoutMs`, logs
 * "stopped" and exits 0. The exit is explicit, so no timer or socket left open keeps the process up.
 * A second signal (not the echo of the first) exits at once; so does a stop that overruns its time (1).
 */
export class Shutdown {
  private first: { signal: StopSignal; at: number } | null = null;
  private readonly exit: (code: number) => void;
  private readonly now: () => number;
  private readonly handlers = new Map<StopSignal, () => void>();

  constructor(private readonly opts: ShutdownOptions) {
    this.exit = opts.exit ?? ((code) => process.exit(code));
    this.now = opts.now ?? Date.now;
  }

  /** Installs the SIGINT and SIGTERM handlers. */
  install(): this {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const h = () => void this.signal(signal);
      this.handlers.set(signal, h);
      process.on(signal, h);
    }
    return this;
  }

  uninstall(): void {
    for (const [signal, h] of this.handlers) process.removeListener(signal, h);
    this.handlers.clear();
  }

  /** What a received signal does; resolves when the stop has ended (and exit was called). */
  async signal(signal: StopSignal): Promise<void> {
    const at = this.now();
    if (this.first) {
      if (signal === this.first.signal && at - this.first.at < DUPLICATE_SIGNAL_MS) return;
      this.opts.log.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      this.exit(EXIT_ON_SIGNAL[signal]);
      return;
    }
    this.first = { signal, at };
    const seconds = Math.round(this.opts.timeoutMs / 1000);
    this.opts.log.info({ signal, timeoutSeconds: seconds }, 'shutting down: no new work; finishing or handing back what runs, flushing writes');
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.opts.timeoutMs);
    });
    try {
      const r = await Promise.race([this.opts.stop().then(() => 'done' as const), overrun]);
      if (r === 'timeout') {
        this.opts.log.error({ timeoutSeconds: seconds }, `shutdown did not finish within ${seconds} s (SHUZHI_SHUTDOWN_SECONDS); exiting anyway`);
        this.exit(1);
        return;
      }
      this.opts.log.info({ ms: this.now() - at }, 'stopped');
      this.exit(0);
    } catch (err) {
      this.opts.log.error({ err }, 'shutdown failed; exiting');
      this.exit(1);
    } finally {
      clearTimeout(timer);
    }
  }
}
