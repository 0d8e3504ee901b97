/**
 * Why a server could not start (or stop). Each has a stable code and a one-line message that names the
 * cause and what to do; `shuzhi serve` prints exactly that line and exits non-zero.
 */
export type StartErrorCode =
  | 'DATA_DIR_LOCKED'
  | 'DATA_DIR_LOCK_FAILED'
  | 'PORT_IN_USE'
  | 'LISTEN_FAILED'
  | 'DATABASE_UNREACHABLE'
  | 'DATABASE_OPEN_FAILED'
  | 'MIGRATION_LOCK_TIMEOUT'
  | 'MIGRATION_FAILED';

export class StartError extends Error {
  constructor(
    readonly code: StartErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartError';
  }
}

/** One line for a terminal: newlines of multi-line messages folded, the code appended when there is one. */
export function oneLine(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const text = (typeof e?.message === 'string' && e.message ? e.message : String(err))
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join('; ');
  const code = typeof e?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e.code) ? e.code : null;
  return code && !text.includes(code) ? `${text} [${code}]` : text;
}
