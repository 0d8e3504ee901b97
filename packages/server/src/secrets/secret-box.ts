import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * Typed failures of the secrets layer. All are the server's problem (500), and each message says what
 * an operator does next; none ever carries a secret.
 */
export type SecretsErrorCode =
  /** Sealed with another key than this server's (lost key file, servers with different keys). */
  | 'SECRETS_KEY_MISMATCH'
  /** Same key id, but authentication failed: the stored value was altered or corrupted. */
  | 'SECRETS_UNREADABLE'
  /** The key file exists but does not hold a key. */
  | 'SECRETS_KEY_INVALID'
  /** A stored value in a format this server does not know (written by a newer server?). */
  | 'SECRETS_FORMAT_UNKNOWN';

export class SecretsError extends AppError {
  declare readonly code: SecretsErrorCode;
  constructor(code: SecretsErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(code, 500, message, opts);
    this.name = 'SecretsError';
  }
}

/** AES-256-GCM output as it is stored: everything base64, plus the id of the key that sealed it. */
export interface Sealed {
  /** Key id: a keyed hash of the key (not the key), so a mismatch is named before decrypting. */
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key as `SHUZHI_SECRETS_KEY` or the key file holds it: standard base64 of exactly 32 bytes. */
export function parseKey(text: string): Buffer | null {
  const s = text.trim();
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(s)) return null;
  const key = Buffer.from(s, 'base64');
  return key.length === KEY_BYTES ? key : null;
}

export const keyIdOf = (key: Buffer) => createHmac('sha256', key).update('shuzhi secrets key id v1').digest('hex').slice(0, 16);

/**
 * Seals and opens small secrets with one AES-256-GCM key. The caller passes a context string (bound as
 * additional authenticated data), so a sealed value copied to another row does not open there.
 */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  /** `source` says where the key came from, for error messages ("SHUZHI_SECRETS_KEY" or the key file's path). */
  constructor(
    key: Buffer,
    readonly source: string,
  ) {
    if (key.length !== KEY_BYTES) throw new SecretsError('SECRETS_KEY_INVALID', `The secrets key from ${source} must be ${KEY_BYTES} bytes.`);
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(this.#key);
  }

  /** A box with a fresh random key that lives as long as the process (in-memory databases, tests). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(KEY_BYTES), 'an ephemeral in-memory key');
  }

  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    c.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return { kid: this.keyId, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Whether this box holds the key `s` was sealed with (it may still fail if the value was altered). */
  canOpen(s: Pick<Sealed, 'kid'>): boolean {
    return s.kid === this.keyId;
  }

  /** The plaintext, or a SecretsError; never garbage. `what` names the value in messages ("job job_x's env"). */
  open(s: Sealed, context: string, what: string): string {
    if (!this.canOpen(s)) {
      throw new SecretsError(
        'SECRETS_KEY_MISMATCH',
        `${what} was encrypted with secrets key ${s.kid}, but this server's key (from ${this.source}) is ${this.keyId}. ` +
          'Set SHUZHI_SECRETS_KEY to the key it was written with (every server sharing a database needs the same key) ' +
          'or restore the original key file, then restart the server.',
      );
    }
    try {
      const iv = Buffer.from(s.iv, 'base64');
      const tag = Buffer.from(s.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad iv or tag length');
      const d = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
    } catch (err) {
      throw new SecretsError(
        'SECRETS_UNREADABLE',
        `${what} could not be decrypted with secrets key ${this.keyId}: the stored value was altered or corrupted. ` +
          'It cannot be recovered; submit it again.',
        { cause: err },
      );
    }
  }

  /** Never print the key. */
  toJSON() {
    return { keyId: this.keyId, source: this.source };
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `SecretBox { keyId: '${this.keyId}', source: '${this.source}' }`;
  }
}
