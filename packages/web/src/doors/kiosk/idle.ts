/**
 * The kiosk's idle rule, apart from timers and the DOM so it can be tested as arithmetic: after `idleMs`
 * without a touch a countdown of `countdownMs` shows; when it runs out the session ends.
 */
export interface IdleConfig {
  idleMs: number;
  countdownMs: number;
}

export const DEFAULT_IDLE: IdleConfig = { idleMs: 60_000, countdownMs: 10_000 };

/** localStorage key: "<idle seconds>,<countdown seconds>" (e.g. "2,1"), for tests and for halls that want longer. */
export const IDLE_STORAGE_KEY = 'shuzhi.kiosk.idle';

export function parseIdleConfig(raw: string | null | undefined): IdleConfig {
  const m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(raw ?? '');
  if (!m) return DEFAULT_IDLE;
  const idleMs = Number(m[1]) * 1000;
  const countdownMs = Number(m[2]) * 1000;
  return idleMs > 0 && countdownMs > 0 ? { idleMs, countdownMs } : DEFAULT_IDLE;
}

export type IdlePhase = { phase: 'active' } | { phase: 'warning'; secondsLeft: number } | { phase: 'expired' };

export function idlePhase(sinceActivityMs: number, cfg: IdleConfig): IdlePhase {
  if (sinceActivityMs < cfg.idleMs) return { phase: 'active' };
  const left = cfg.idleMs + cfg.countdownMs - sinceActivityMs;
  if (left <= 0) return { phase: 'expired' };
  return { phase: 'warning', secondsLeft: Math.ceil(left / 1000) };
}
