import { ENV_MASK } from '@shuzhi/schema';
import { SecretsError, type SecretBox, type Sealed } from '../secrets/secret-box.ts';

/**
 * A job's env as the `jobs.env` column stores it (jsonb): a versioned envelope. The variable names stay
 * readable (operators see them, masked); the values are one AES-256-GCM ciphertext of the whole object,
 * bound to the job id and the names, so an envelope copied to another job or edited does not open.
 */
export interface SealedEnv extends Sealed {
  v: 1;
  keys: string[];
}

/** Rows written before encryption hold the plain object: read as legacy, never written again. */
export type LegacyEnv = Record<string, string>;
export type StoredEnv = SealedEnv | LegacyEnv;

export function isSealedEnv(x: unknown): x is SealedEnv {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  return (
    o.v === 1 &&
    typeof o.kid === 'string' &&
    typeof o.iv === 'string' &&
    typeof o.tag === 'string' &&
    typeof o.data === 'string' &&
    Array.isArray(o.keys) &&
    o.keys.every((k) => typeof k === 'string')
  );
}

/** A legacy env holds only string values; an envelope always has a number `v`, so the two never overlap. */
function asLegacy(x: unknown, jobId: string): LegacyEnv {
  if (x && typeof x === 'object' && !Array.isArray(x) && Object.values(x).every((v) => typeof v === 'string')) {
    return x as LegacyEnv;
  }
  const v = x && typeof x === 'object' && 'v' in x ? ` (envelope version ${String((x as { v: unknown }).v)})` : '';
  throw new SecretsError(
    'SECRETS_FORMAT_UNKNOWN',
    `Job ${jobId}'s env is stored in a format this server does not know${v}; a newer server may have written it. Upgrade this server.`,
  );
}

const contextOf = (jobId: string, keys: string[]) => `shuzhi:jobs.env:v1\u0000${jobId}\u0000${JSON.stringify(keys)}`;

/** Sorted names; values never leave this module unsealed except through `open`. */
export function envKeys(stored: StoredEnv): string[] {
  return isSealedEnv(stored) ? [...stored.keys] : Object.keys(stored).sort();
}

/** The env as anyone but its owner sees it: every name, every value replaced by ENV_MASK. */
export function maskedEnv(stored: StoredEnv): Record<string, string> {
  return Object.fromEntries(envKeys(stored).map((k) => [k, ENV_MASK]));
}

/**
 * Seals and opens jobs' env with the server's secrets key. The only way to plaintext: `open`, called
 * where the env is handed to the job's owner (the API) or to the engine running its task.
 */
export class JobSecrets {
  constructor(readonly box: SecretBox) {}

  seal(jobId: string, env: Record<string, string>): SealedEnv {
    const keys = Object.keys(env).sort();
    const plain = JSON.stringify(Object.fromEntries(keys.map((k) => [k, env[k]])));
    return { v: 1, keys, ...this.box.seal(plain, contextOf(jobId, keys)) };
  }

  /** Whether `open` can work with this server's key (legacy rows always can). */
  readable(stored: StoredEnv): boolean {
    return !isSealedEnv(stored) || this.box.canOpen(stored);
  }

  /** Plaintext env (a fresh object each call), or a SecretsError naming what to do. */
  open(jobId: string, stored: StoredEnv): Record<string, string> {
    if (!isSealedEnv(stored)) return { ...asLegacy(stored, jobId) };
    const what = `Job ${jobId}'s env`;
    const text = this.box.open(stored, contextOf(jobId, stored.keys), what);
    return asLegacy(JSON.parse(text) as unknown, jobId);
  }
}
