import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';
import { DrizzleQueryError } from 'drizzle-orm';
import { ENV_MASK, SubmitJob } from '@shuzhi/schema';
import { ConfigError, loadConfig } from '../src/config.ts';
import { isSealedEnv, JobSecrets, maskedEnv } from '../src/compute/job-env.ts';
import { problemResponse } from '../src/http/problem.ts';
import { createLogger } from '../src/log.ts';
import { keyFileOf, loadSecretsKey } from '../src/secrets/key-source.ts';
import { SecretBox, SecretsError } from '../src/secrets/secret-box.ts';

const MARKER = `sk-unit-${randomBytes(8).toString('hex')}`;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'shuzhi-secrets-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A logger writing into a string, configured exactly as the server's. */
function capturedLogger() {
  const out = { text: '' };
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out.text += String(chunk);
      cb();
    },
  });
  return { log: createLogger('trace', sink), out };
}

const errorOf = (fn: () => unknown): SecretsError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SecretsError, `expected a SecretsError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
};

describe('job env sealing', () => {
  const secrets = new JobSecrets(SecretBox.ephemeral());

  test('a sealed env holds the names, not the values, and opens back to the same object', () => {
    const env = { API_KEY: MARKER, MODE: 'fast' };
    const sealed = secrets.seal('job_1', env);
    assert.ok(isSealedEnv(sealed));
    assert.equal(sealed.v, 1);
    assert.deepEqual(sealed.keys, ['API_KEY', 'MODE']);
    assert.ok(!JSON.stringify(sealed).includes(MARKER));
    assert.ok(!JSON.stringify(sealed).includes('fast'));
    assert.deepEqual(secrets.open('job_1', sealed), env);
    assert.deepEqual(maskedEnv(sealed), { API_KEY: ENV_MASK, MODE: ENV_MASK });
  });

  test('an envelope does not open for another job, nor once edited', () => {
    const sealed = secrets.seal('job_1', { API_KEY: MARKER });
    assert.equal(errorOf(() => secrets.open('job_2', sealed)).code, 'SECRETS_UNREADABLE');
    const renamed = { ...sealed, keys: ['OTHER'] };
    assert.equal(errorOf(() => secrets.open('job_1', renamed)).code, 'SECRETS_UNREADABLE');
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    const e = errorOf(() => secrets.open('job_1', { ...sealed, data: flipped.toString('base64') }));
    assert.equal(e.code, 'SECRETS_UNREADABLE');
    assert.equal(e.status, 500);
  });

  test('a legacy plain env (rows from before encryption) is read as it is, and masked for others', () => {
    assert.deepEqual(secrets.open('job_old', { TOKEN: 'legacy' }), { TOKEN: 'legacy' });
    assert.deepEqual(maskedEnv({ B: 'x', A: 'y' }), { A: ENV_MASK, B: ENV_MASK });
    assert.ok(secrets.readable({ TOKEN: 'legacy' }));
  });

  test('an envelope of an unknown version is a clear error, not an empty env', () => {
    const e = errorOf(() => secrets.open('job_9', { v: 2, data: 'x' } as never));
    assert.equal(e.code, 'SECRETS_FORMAT_UNKNOWN');
    assert.match(e.message, /version 2/);
  });

  test('another key: a typed error naming both key ids and what to set, never garbage', () => {
    const other = new JobSecrets(SecretBox.ephemeral());
    const sealed = other.seal('job_1', { API_KEY: MARKER });
    assert.equal(secrets.readable(sealed), false);
    const e = errorOf(() => secrets.open('job_1', sealed));
    assert.equal(e.code, 'SECRETS_KEY_MISMATCH');
    assert.match(e.message, /SHUZHI_SECRETS_KEY/);
    assert.ok(e.message.includes(other.box.keyId) && e.message.includes(secrets.box.keyId));
    assert.ok(!e.message.includes(MARKER));
  });

  test('the box never prints its key', () => {
    const key = randomBytes(32);
    const box = new SecretBox(key, 'test');
    const b64 = key.toString('base64');
    assert.ok(!JSON.stringify(box).includes(b64));
    assert.ok(!inspect(box, { showHidden: true, depth: 5 }).includes(b64));
    assert.ok(!inspect(box, { showHidden: true, depth: 5 }).includes(key.toString('hex').slice(0, 16)));
  });
});

describe('the secrets key', () => {
  test('without SHUZHI_SECRETS_KEY a key file is made once (0600 in a 0700 dir) and reused', () => {
    const dataDir = tempDir();
    const first = loadSecretsKey({ dataDir });
    assert.equal(first.origin, 'generated');
    assert.equal(first.path, keyFileOf(dataDir));
    assert.equal(statSync(first.path!).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'keys')).mode & 0o777, 0o700);
    const again = loadSecretsKey({ dataDir });
    assert.equal(again.origin, 'file');
    assert.equal(again.box.keyId, first.box.keyId);
    // What one sealed, the other opens: the same key across restarts.
    const sealed = new JobSecrets(first.box).seal('job_1', { A: 'b' });
    assert.deepEqual(new JobSecrets(again.box).open('job_1', sealed), { A: 'b' });
  });

  test('SHUZHI_SECRETS_KEY wins over the key file; with DATABASE_URL and no key there is a warning', () => {
    const dataDir = tempDir();
    const key = randomBytes(32).toString('base64');
    const fromEnv = loadSecretsKey({ envKey: key, dataDir });
    assert.equal(fromEnv.origin, 'env');
    assert.equal(fromEnv.box.source, 'SHUZHI_SECRETS_KEY');
    assert.deepEqual(fromEnv.warnings, []);
    const shared = loadSecretsKey({ dataDir, sharedDatabase: true });
    assert.match(shared.warnings.join('\n'), /same key.*SHUZHI_SECRETS_KEY/);
    assert.notEqual(shared.box.keyId, fromEnv.box.keyId);
  });

  test('a key file that holds no key is an error and is left as it is (never silently replaced)', () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'keys'), { recursive: true });
    writeFileSync(keyFileOf(dataDir), 'not a key\n', { mode: 0o600 });
    assert.throws(() => loadSecretsKey({ dataDir }), (e: unknown) => e instanceof SecretsError && e.code === 'SECRETS_KEY_INVALID' && /restore/i.test(e.message));
    assert.equal(readFileSync(keyFileOf(dataDir), 'utf8'), 'not a key\n');
  });

  test('SHUZHI_SECRETS_KEY is validated at start and its value is never echoed', () => {
    const bad = `short-${MARKER}`;
    assert.throws(
      () => loadConfig({ SHUZHI_SECRETS_KEY: bad }),
      (e: unknown) => e instanceof ConfigError && /SHUZHI_SECRETS_KEY: must be 32 random bytes in base64/.test(e.message) && !e.message.includes(MARKER),
    );
    // 32 bytes, but not in base64 (hex): refused too.
    assert.throws(() => loadConfig({ SHUZHI_SECRETS_KEY: randomBytes(32).toString('hex') }), ConfigError);
    const good = randomBytes(32).toString('base64');
    assert.equal(loadConfig({ SHUZHI_SECRETS_KEY: good }).SHUZHI_SECRETS_KEY, good);
  });
});

describe('env validation', () => {
  const base = { name: 'x', type: 'cpu', units: 1, hours: 1, command: 'true' };
  const pathsOf = (env: unknown) => {
    const r = SubmitJob.safeParse({ ...base, env });
    assert.equal(r.success, false);
    return { paths: r.error!.issues.map((i) => i.path.join('.')), text: JSON.stringify(r.error!.issues.map((i) => [i.path, i.message])) };
  };

  test('a NUL in a value is refused at env.KEY, and no message repeats a value', () => {
    const r = pathsOf({ API_KEY: MARKER, BAD: `A\u0000B${MARKER}` });
    assert.deepEqual(r.paths, ['env.BAD']);
    assert.ok(!r.text.includes(MARKER));
  });

  test('names, sizes and counts are bounded', () => {
    assert.deepEqual(pathsOf({ 'bad-name': 'x' }).paths, ['env.bad-name']);
    assert.deepEqual(pathsOf({ '1ABC': 'x' }).paths, ['env.1ABC']);
    assert.deepEqual(pathsOf({ BIG: 'x'.repeat(4097) }).paths, ['env.BIG']);
    assert.deepEqual(pathsOf(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, 'x']))).paths, ['env']);
    assert.deepEqual(pathsOf(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`V${i}`, 'x'.repeat(4000)]))).paths, ['env']);
    assert.equal(SubmitJob.safeParse({ ...base, env: { GOOD_1: 'line one\nline two', _X: '' } }).success, true);
  });
});

describe('logs', () => {
  test('env, secrets, credentials, tokens and bodies are redacted at any of three levels', () => {
    const { log, out } = capturedLogger();
    log.info(
      {
        env: { A: MARKER },
        job: { env: { A: MARKER }, name: 'kept' },
        task: { job: { env: { A: MARKER } } },
        secrets: MARKER,
        credentials: { password: MARKER },
        req: { headers: { authorization: `Bearer ${MARKER}` }, body: { env: MARKER } },
        token: MARKER,
        apiKey: MARKER,
        config: { SHUZHI_SECRETS_KEY: MARKER, DATABASE_URL: `postgres://u:${MARKER}@h/db` },
      },
      'everything at once',
    );
    assert.match(out.text, /everything at once/);
    assert.match(out.text, /"name":"kept"/);
    assert.ok(!out.text.includes(MARKER), out.text);
  });

  test('a failed query logged by the HTTP error handler carries neither its bound values nor the body', async () => {
    const { log, out } = capturedLogger();
    const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    // drizzle puts the values in the message too ("Failed query: …\nparams: …").
    const err = new DrizzleQueryError('insert into "jobs" ("id", "env") values ($1, $2)', ['job_1', `A\u0000B ${MARKER}\n    at fake (x.js:1:1)`], pgError);
    const c = { req: { method: 'POST', path: '/api/jobs' } } as unknown as Parameters<typeof problemResponse>[0];
    const res = problemResponse(c, err, log);
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.ok(!body.includes(MARKER));
    assert.match(out.text, /unhandled error/);
    assert.match(out.text, /Failed query: insert into/, 'the query itself is kept for debugging');
    assert.match(out.text, /params: \[redacted\]/);
    assert.match(out.text, /invalid byte sequence/, 'the cause is kept');
    assert.ok(!out.text.includes(MARKER), out.text);
  });
});
