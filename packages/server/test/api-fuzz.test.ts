// Fuzz the public API with generated bad input: every route in the server's own OpenAPI document gets
// hostile bodies, query values and path parameters (NUL, lone surrogates, huge numbers, wrong types,
// deep nesting, unknown keys, invalid JSON, oversized bodies). Every error answer is a 4xx with a
// problem+json body carrying a `code`; never a 5xx; and afterwards the server still serves.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { client, login, operatorToken, startPlatform, type TestPlatform } from './helpers.ts';

// Small per route so the file stays short; FUZZ_RUNS=50 for a longer hunt.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 5);

let t: TestPlatform;
let opToken: string;
let tenantCookie: string;
let doc: { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } };

before(async () => {
  // Payment callbacks on, so their route is fuzzed rather than answering 503 "callbacks are off".
  t = await startPlatform({ leaseMs: 3000, env: { SHUZHI_PAYMENT_HMAC_KEY: 'k'.repeat(64) } });
  opToken = await operatorToken(t.p);
  tenantCookie = await login(t.url, 'tenant');
  const res = await fetch(`${t.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  doc = (await res.json()) as typeof doc;
});
after(async () => {
  await t?.close();
});

type Who = 'operator' | 'tenant';

interface Answer {
  status: number;
  type: string;
  text: string;
}

/** One raw HTTP request; a connection the server closes after answering (413) still yields the answer. */
function send(method: string, path: string, who: Who, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = {
    ...(who === 'operator' ? { authorization: `Bearer ${opToken}` } : { cookie: tenantCookie, origin: t.url }),
    ...(opts.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port: t.port, method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server may close while we are still writing an oversized body; its answer is what counts.
      if (!answered) setTimeout(() => (answered ? undefined : reject(err)), 200);
    });
    if (opts.body !== undefined) req.end(opts.body);
    else if (opts.headers?.['content-length']) req.flushHeaders(); // declared but never sent
    else req.end();
  });
}

/** Only 5xx answers and error answers without a problem+json body with a `code` fail. */
const statuses = new Map<number, number>();
function check(a: Answer, what: string): void {
  statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const where = `${what} → ${a.status} ${a.type} ${a.text.slice(0, 300)}`;
  assert.ok(a.status < 500, `server error: ${where}`);
  if (a.status < 400) return;
  assert.ok(a.status >= 400 && a.status < 500, where);
  assert.match(a.type, /^application\/problem\+json/, `not problem+json: ${where}`);
  let body: any;
  try {
    body = JSON.parse(a.text);
  } catch {
    assert.fail(`problem body is not JSON: ${where}`);
  }
  assert.equal(typeof body?.code, 'string', `problem without code: ${where}`);
}

// ---------- hostile values ----------

const LONG = 'x'.repeat(100_000);
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\uD800', 'x\uDC00y', '\uDBFF') },
  { weight: 3, arbitrary: fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '1e308', '-0', '9007199254740993', '../../etc/passwd', '%00', '%', '%zz', "'; drop table jobs; --", '<script>', '__proto__', 'constructor', '😀中文') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(LONG) },
);
const hostileNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 53 + 1), -0, 0, -1, 0.5, Number.MIN_VALUE, 1e21, 4294967296);
const hostileScalar = fc.oneof(hostileString, hostileNumber, fc.constantFrom(null, true, false));
const hostileAny: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [null], [1, 'a'], { a: { b: [1] } }, { __proto__: { x: 1 } }, { constructor: { prototype: {} } }) },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString.filter((s) => s.length < 50), hostileScalar, { maxKeys: 3 }) },
);

/** A string usable in a URL (path or query): lone surrogates become their WTF-8 bytes, which are not UTF-8. */
function urlEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const isLow = c >= 0xdc00 && c <= 0xdfff;
    const next = s.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (isHigh || isLow) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(s[i]!);
  }
  return out;
}

// URL values: the request line must stay under Node's header size limit (16 KiB), so "long" is 4,000 here.
const urlValue = fc.oneof(
  { weight: 5, arbitrary: hostileString.map((s) => (s.length > 4000 ? s.slice(0, 4000) : s)).map(urlEncode) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '..', '.', '%2F', '%2e%2e') }, // raw, malformed or tricky encodings
  { weight: 1, arbitrary: hostileNumber.map((n) => urlEncode(String(n))) },
);

// ---------- bodies shaped like the schema, with hostile leaves ----------

function resolve(schema: any): any {
  let s = schema;
  for (let i = 0; i < 10 && s?.$ref; i++) s = doc.components?.schemas?.[String(s.$ref).split('/').pop()!];
  return s ?? {};
}

function shaped(schemaIn: any, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(schemaIn);
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  let right: fc.Arbitrary<unknown>;
  if (Array.isArray(variants) && variants.length && depth < 4) right = fc.oneof(...variants.map((v: any) => shaped(v, depth + 1)));
  else if (Array.isArray(schema.enum) && schema.enum.length) right = fc.oneof(fc.constantFrom(...schema.enum), hostileString);
  else if (schema.type === 'object' || schema.properties) {
    if (depth >= 4) return hostileAny;
    const props: Record<string, any> = schema.properties ?? {};
    const keys = Object.keys(props);
    right = fc
      .tuple(
        fc.record(Object.fromEntries(keys.map((k) => [k, shaped(props[k], depth + 1)])), { requiredKeys: [] }),
        fc.option(fc.tuple(fc.constantFrom('unknownKey', '__proto__', 'x\u0000', '\uD800'), hostileAny), { nil: undefined }),
      )
      .map(([o, extra]) => (extra ? { ...o, [extra[0]]: extra[1] } : o));
  } else if (schema.type === 'array') right = depth >= 4 ? hostileAny : fc.array(shaped(schema.items ?? {}, depth + 1), { maxLength: 3 });
  else if (schema.type === 'string') right = hostileString;
  else if (schema.type === 'number' || schema.type === 'integer') right = fc.oneof(hostileNumber, fc.constantFrom('1', 'NaN', '1e308'));
  else if (schema.type === 'boolean') right = fc.constantFrom(true, false, 'true', 0, null);
  else right = hostileAny;
  // Mostly the right shape with bad leaves; sometimes an altogether wrong type.
  return fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: hostileAny });
}

/** Bodies no JSON schema describes: invalid JSON, deep nesting, wrong top-level types. */
const DEPTH = 5000;
const rawBodies: [string, string][] = [
  ['invalid JSON', '{"a":'],
  ['invalid JSON (trailing)', '{} x'],
  ['not JSON at all', 'hello \u0000'],
  ['empty body', ''],
  ['null', 'null'],
  ['array', '[1,2,3]'],
  ['string', '"\\ud800"'],
  ['number', '1e999'],
  ['escaped NUL key', '{"\\u0000":"\\u0000","a\\ud800":1}'],
  ['nested arrays', '['.repeat(DEPTH) + ']'.repeat(DEPTH)],
  ['nested objects', '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH)],
];

// ---------- the routes ----------

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const UPLOAD = (path: string, method: string) =>
  method !== 'get' &&
  (path === '/api/render/uploads' || path === '/api/render/blobs/{sha256}' || path === '/api/data/products/{id}/dataset' || /^\/api\/workers\/\{id\}\/tasks\/\{taskId\}\/(frames\/\{frame\}(\/thumb)?|preview|checkpoint)$/.test(path));
const STREAM = (path: string, method: string) => method === 'get' && path.startsWith('/api/events');
/** Sent with the tenant's cookie it would end the session the rest of the fuzzing uses: the operator (bearer) calls it. */
const ENDS_SESSION = (path: string, method: string) => method === 'post' && path === '/api/auth/logout';

interface Op {
  method: string;
  path: string;
  params: { name: string; in: string }[];
  body?: any;
}

function operations(): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve).filter((p: any) => p.in === 'path' || p.in === 'query');
      ops.push({ method, path, params, body: op.requestBody?.content?.['application/json']?.schema });
    }
  }
  return ops;
}

function buildPath(path: string, pathValues: Record<string, string>, query: [string, string][]): string {
  const p = path.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues[name] ?? 'x');
  return query.length ? `${p}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : p;
}

describe('fuzzing the API from its OpenAPI document', () => {
  test('every generated bad request is answered with a 4xx problem (or a 2xx), never a 5xx', async () => {
    const ops = operations();
    assert.ok(ops.length > 50, `the OpenAPI document lists only ${ops.length} operations`);
    let requests = 0;
    const skipped: string[] = [];
    const failures: string[] = [];
    const safely = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (e) {
        failures.push(`${what}: ${(e as Error).message}`);
      }
    };
    for (const op of ops) {
      const M = op.method.toUpperCase();
      if (STREAM(op.path, op.method)) {
        skipped.push(`${M} ${op.path} (stream)`);
        continue;
      }
      if (UPLOAD(op.path, op.method)) {
        // Binary uploads: only an oversized declared Content-Length, refused before a byte is read.
        const a = await send(M, buildPath(op.path, {}, []), 'operator', { headers: { 'content-type': 'application/octet-stream', 'content-length': String(100 * 1024 ** 3) } });
        requests++;
        safely(`${M} ${op.path}`, () => assert.equal(a.status, 413, `${M} ${op.path} with a 100 GiB Content-Length → ${a.status} ${a.text.slice(0, 200)}`));
        safely(`${M} ${op.path}`, () => check(a, `${M} ${op.path} oversized`));
        continue;
      }
      const pathParams = op.params.filter((p) => p.in === 'path').map((p) => p.name);
      const queryParams = op.params.filter((p) => p.in === 'query').map((p) => p.name);
      const hasBody = op.body !== undefined || ['post', 'put', 'patch'].includes(op.method);
      const arb = fc.record({
        who: ENDS_SESSION(op.path, op.method) ? fc.constant<Who>('operator') : fc.constantFrom<Who>('operator', 'tenant'),
        pathValues: fc.record(Object.fromEntries(pathParams.map((n) => [n, urlValue]))) as fc.Arbitrary<Record<string, string>>,
        query: fc.tuple(
          fc.subarray(queryParams).chain((names) => fc.tuple(...names.map((n) => urlValue.map((v) => [n, v] as [string, string])))),
          fc.option(fc.tuple(fc.constantFrom('unknownKey', '__proto__', 'x%00'), urlValue), { nil: undefined }),
        ),
        body: hasBody ? (op.body ? shaped(op.body) : hostileAny) : fc.constant(undefined),
      });
      const run = await fc.check(
        fc.asyncProperty(arb, async ({ who, pathValues, query: [q, extra], body }) => {
          const url = buildPath(op.path, pathValues, extra ? [...q, extra] : q);
          const a = await send(M, url, who, body === undefined ? {} : { body: JSON.stringify(body) ?? 'null' });
          requests++;
          check(a, `${M} ${url.slice(0, 300)} as ${who}`);
        }),
        { numRuns: NUM_RUNS, includeErrorInReport: true },
      );
      if (run.failed) failures.push(`${M} ${op.path}: ${fc.defaultReportMessage(run)}`);
      if (!hasBody) continue;
      // Raw bodies and an oversized body, as the operator and with plain path values.
      const url = buildPath(op.path, {}, []);
      for (const [what, raw] of rawBodies) {
        const a = await send(M, url, 'operator', { body: raw });
        requests++;
        safely(`${M} ${url}`, () => check(a, `${M} ${url} with ${what}`));
      }
      const big = op.path === '/api/auth/login' ? 100 * 1024 : op.path.startsWith('/api/public/') ? 128 * 1024 : 2 * 1024 * 1024;
      if (/\/sync$/.test(op.path)) {
        // The worker sync's budget is tens of MiB: too much to send here, so only declare it.
        const a = await send(M, url, 'operator', { headers: { 'content-type': 'application/json', 'content-length': String(100 * 1024 ** 3) } });
        requests++;
        safely(`${M} ${url}`, () => check(a, `${M} ${url} with a 100 GiB Content-Length`));
        safely(`${M} ${url}`, () => assert.equal(a.status, 413, `${M} ${url} with a 100 GiB Content-Length → ${a.status} ${a.text.slice(0, 200)}`));
      } else {
        const a = await send(M, url, 'operator', { body: JSON.stringify({ name: 'y'.repeat(big) }) });
        requests++;
        safely(`${M} ${url}`, () => check(a, `${M} ${url} with a ${big}-byte body`));
        safely(`${M} ${url}`, () => assert.equal(a.status, 413, `${M} ${url} with a ${big}-byte body → ${a.status} ${a.text.slice(0, 200)}`));
      }
    }
    assert.deepEqual(failures, [], `${failures.length} failures:\n${failures.join('\n\n')}`);
    assert.ok(requests > 300, `only ${requests} requests were sent`);
    if (skipped.length) console.log(`skipped: ${skipped.join(', ')}`);
    console.log(`${requests} requests over ${ops.length} operations; statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });

  test('the counterexamples it found are 400s naming the bad text', async () => {
    for (const path of ['/api/tokens/%00', '/api/tokens/%ED%A0%80x']) {
      const a = await send('DELETE', path, 'operator');
      check(a, `DELETE ${path}`);
      assert.ok(a.status === 400 || a.status === 404, `DELETE ${path} → ${a.status}`);
    }
    for (const path of ['/api/workers?siteId=%00', '/api/workers?siteId=%ED%A0%80']) {
      const a = await send('GET', path, 'operator');
      check(a, `GET ${path}`);
      assert.ok(a.status === 400 || a.status === 200, `GET ${path} → ${a.status}`);
    }
  });

  test('the server still serves afterwards', async () => {
    const health = await fetch(`${t.url}/api/health`);
    assert.equal(health.status, 200);
    const tenant = client(t.url, { cookie: tenantCookie });
    const op = client(t.url, { token: opToken });
    assert.equal((await tenant.req('GET', '/api/jobs')).status, 200);
    assert.equal((await op.req('GET', '/api/jobs')).status, 200);
  });
});
