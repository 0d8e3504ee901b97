import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKey, SecretBox, SecretsError } from './secret-box.ts';

export const keyFileOf = (dataDir: string) => join(dataDir, 'keys', 'secrets.key');

export interface LoadedKey {
  box: SecretBox;
  /** Where the key came from: the variable, the key file (found or just generated), or a throwaway key. */
  origin: 'env' | 'file' | 'generated' | 'ephemeral';
  /** Set for `file` and `generated`. */
  path?: string;
  /** Things an operator should hear at start (never the key). */
  warnings: string[];
}

/**
 * The key that seals secrets at rest: `SHUZHI_SECRETS_KEY` (base64, 32 bytes) when set; otherwise
 * `<dataDir>/keys/secrets.key`, generated once (file 0600, directory 0700) and read on every later start.
 * A key file that exists but holds no key is an error, never silently replaced: that would orphan every
 * secret written with the old key. `ephemeral` (in-memory databases) uses a throwaway key instead of a file.
 */
export function loadSecretsKey(opts: {
  envKey?: string | undefined;
  dataDir: string;
  ephemeral?: boolean;
  sharedDatabase?: boolean;
}): LoadedKey {
  if (opts.envKey) {
    const key = parseKey(opts.envKey);
    // config.ts validates the variable first; this guards other callers.
    if (!key) throw new SecretsError('SECRETS_KEY_INVALID', 'SHUZHI_SECRETS_KEY must be 32 random bytes in base64 (`openssl rand -base64 32`).');
    return { box: new SecretBox(key, 'SHUZHI_SECRETS_KEY'), origin: 'env', warnings: [] };
  }
  if (opts.ephemeral) return { box: SecretBox.ephemeral(), origin: 'ephemeral', warnings: [] };
  const path = keyFileOf(opts.dataDir);
  const dir = join(opts.dataDir, 'keys');
  const warnings: string[] = [];
  if (opts.sharedDatabase) {
    warnings.push(
      `DATABASE_URL is set but SHUZHI_SECRETS_KEY is not: job secrets are sealed with this server's own key file (${path}). ` +
        'Every server sharing the database must use the same key: set SHUZHI_SECRETS_KEY to one key on all of them.',
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let origin: LoadedKey['origin'] = 'file';
  try {
    // `wx`: create only if absent, so two processes starting at once on one data dir agree on one key.
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    origin = 'generated';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = parseKey(readFileSync(path, 'utf8'));
  if (!key) {
    throw new SecretsError(
      'SECRETS_KEY_INVALID',
      `The secrets key file ${path} does not hold a key (base64 of 32 bytes). Restore it from a backup, ` +
        'or set SHUZHI_SECRETS_KEY to the key the data was written with. Deleting the file makes a new key, ' +
        'and job secrets written with the old one can then never be read.',
    );
  }
  // The key is only as safe as its file: keep it private to the server's user.
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    warnings.push(`the secrets key file ${path} was readable by others; its mode is now 0600`);
  }
  return { box: new SecretBox(key, path), origin, path, warnings };
}
