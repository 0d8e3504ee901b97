// Content-addressed scene assets: a blob is stored only when its bytes hash to its name; jobs that
// share files upload and fetch each blob once (counted at the server and at a real node's cache);
// a tenant sees only its own blobs, whatever hashes it knows.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RenderRunner, type Worker } from '@shuzhi/agent';
import { client, enrolledWorker, login, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { renderCommand } from '../src/cli/render.ts';
import { FAKE_RENDERER, farmOf } from './render-helpers.ts';

let t: TestPlatform;
let studio: string;
let other: string;
let worker: Worker | null = null;

before(async () => {
  t = await startPlatform({ leaseMs: 5000 });
  studio = await login(t.url, 'tenant2');
  other = await login(t.url, 'tenant');
});
after(async () => {
  await worker?.stop({ kill: true });
  await t.close();
});

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const file = (path: string, body: string) => ({ path, sha256: sha(body), size: Buffer.byteLength(body), body });

async function putBlob(cookie: string, hash: string, body: string | Buffer) {
  const res = await fetch(`${t.url}/api/render/blobs/${hash}`, {
    method: 'PUT',
    headers: { cookie, origin: t.url, 'content-type': 'application/octet-stream' },
    body: typeof body === 'string' ? Buffer.from(body) : body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function sendManifest(cookie: string, files: ReturnType<typeof file>[]) {
  const r = await client(t.url, { cookie }).req('POST', '/api/render/manifests', { files: files.map(({ path, sha256, size }) => ({ path, sha256, size })) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { manifest: string; missing: string[]; missingBytes: number; files: number; blobs: number };
}

const storedBlobs = () => {
  const dir = join(t.dataDir, 'render', 'assets', 'blobs');
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

test('bytes that do not hash to the blob name are refused and nothing is stored', async () => {
  const before = storedBlobs();
  const claimed = sha('the real scene');
  const r = await putBlob(studio, claimed, 'something else entirely');
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.code, 'BLOB_HASH_MISMATCH');
  assert.equal(storedBlobs(), before);
  assert.deepEqual(readdirSync(join(t.dataDir, 'render', 'assets', '.incoming')), [], 'no scratch file left');
  const m = await sendManifest(studio, [file('x.blend', 'the real scene')]);
  assert.deepEqual(m.missing, [claimed], 'the refused blob is still missing');
  const bad = await putBlob(studio, 'not-a-hash', 'x');
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /sha256/);
});

test('two jobs sharing assets upload and fetch each blob once; another tenant can neither fetch nor learn of them', async () => {
  const farm = farmOf(t);
  const tex = file('textures/wood.png', 'WOOD TEXTURE BYTES '.repeat(200));
  const a = [file('shot_a.blend', 'FAKE BLEND shot a'), tex];
  const b = [file('shot_b.blend', 'FAKE BLEND shot b'), tex];
  const storedBefore = farm.blobs.counters.stored;

  const ma = await sendManifest(studio, a);
  assert.deepEqual(new Set(ma.missing), new Set([a[0]!.sha256, tex.sha256]));
  for (const f of a) assert.equal((await putBlob(studio, f.sha256, f.body)).status, 201);
  const mb = await sendManifest(studio, b);
  assert.deepEqual(mb.missing, [b[0]!.sha256], 'the shared texture is not asked for again');
  assert.equal(mb.missingBytes, b[0]!.size);
  assert.equal((await putBlob(studio, b[0]!.sha256, b[0]!.body)).status, 201);
  assert.equal((await putBlob(studio, tex.sha256, tex.body)).status, 200, 'a blob already held is not stored again');
  assert.equal(farm.blobs.counters.stored - storedBefore, 3, 'three distinct blobs stored, each once');

  // Another tenant: the hash is "missing" for it, its download is 404 as for an unknown hash, and it
  // cannot run a job on the studio's manifest.
  const theirs = await sendManifest(other, [tex]);
  assert.deepEqual(theirs.missing, [tex.sha256]);
  const stolen = await fetch(`${t.url}/api/render/blobs/${tex.sha256}`, { headers: { cookie: other } });
  const unknown = await fetch(`${t.url}/api/render/blobs/${sha('nobody has this')}`, { headers: { cookie: other } });
  assert.equal(stolen.status, 404);
  assert.equal(unknown.status, 404);
  const own = await fetch(`${t.url}/api/render/blobs/${tex.sha256}`, { headers: { cookie: studio } });
  assert.equal(own.status, 200);
  assert.equal(await own.text(), tex.body);
  const hijack = await client(t.url, { cookie: other }).req('POST', '/api/render/jobs', { scene: { kind: 'manifest', manifest: ma.manifest, main: 'shot_a.blend' }, frames: '1-2', renderer: 'blender' });
  assert.equal(hijack.status, 400);
  assert.match(JSON.stringify(hijack.body), /scene\.manifest/);

  // Both jobs on one real node: every blob crosses the wire once, the texture shared by the jobs.
  const servedBefore = farm.blobs.counters.served;
  const ids: string[] = [];
  for (const [m, main] of [[ma, 'shot_a.blend'], [mb, 'shot_b.blend']] as const) {
    const r = await client(t.url, { cookie: studio }).req('POST', '/api/render/jobs', { scene: { kind: 'manifest', manifest: m.manifest, main }, frames: '1-4', chunkSize: 2, renderer: 'blender' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.waiting, null);
    ids.push(r.body.id);
  }
  const runner = new RenderRunner({ renderers: ['blender'], blenderPath: FAKE_RENDERER, ffmpegPath: FAKE_RENDERER });
  worker = (await enrolledWorker(t, 'karamay', 'asset-node', { runners: [runner] })).worker;
  worker.start();
  for (const id of ids) {
    const done = await waitUntil(`job ${id} to settle`, async () => {
      const r = await client(t.url, { cookie: studio }).req('GET', `/api/render/jobs/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
    }, 90_000);
    assert.equal(done.state, 'completed', JSON.stringify(done.failureMessage));
  }
  assert.equal(runner.blobsFetched, 3, 'the node fetched each of the three blobs once');
  assert.equal(farm.blobs.counters.served - servedBefore, 3, 'the server served each blob once');
  // The node's work is done: stopped here, so it cannot take (and fetch for) the jobs of the tests below.
  await worker.stop({ kill: true });
  worker = null;
});

test('blobs count toward the upload quota once per tenant', async () => {
  const farm = farmOf(t);
  const f = file('q.blend', 'QUOTA '.repeat(1000));
  const tenant = (await client(t.url, { cookie: studio }).req('GET', '/api/auth/me')).body as { tenantId?: string; user?: { tenantId?: string } };
  const tenantId = tenant.tenantId ?? tenant.user?.tenantId;
  assert.ok(tenantId, JSON.stringify(tenant));
  const start = await farm.uploads.used(tenantId);
  assert.equal((await putBlob(studio, f.sha256, f.body)).status, 201);
  assert.equal((await putBlob(studio, f.sha256, f.body)).status, 200);
  assert.equal((await farm.uploads.used(tenantId)) - start, f.size);
});

test('the CLI uploads a scene folder by manifest: only the files the farm lacks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shuzhi-scene-'));
  const put = (path: string, body: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  };
  // Three files the studio uploaded in the test above, two new ones, and a hidden file left out.
  put('shot_a.blend', 'FAKE BLEND shot a');
  put('shot_b.blend', 'FAKE BLEND shot b');
  put('textures/wood.png', 'WOOD TEXTURE BYTES '.repeat(200));
  put('notes.txt', 'lighting notes');
  put('cache/sim.bin', 'x'.repeat(3 * 1024 * 1024));
  put('.DS_Store', 'junk');
  const created = await client(t.url, { cookie: studio }).req('POST', '/api/tokens', { name: 'cli-assets' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const secret = (created.body as { token: string }).token;
  const lines: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  let code: number;
  try {
    code = await renderCommand(['submit', dir, '--main', 'shot_a.blend', '--frames', '1-2', '--server', t.url, '--token', secret]);
  } finally {
    console.log = log;
    console.error = err;
  }
  assert.equal(code, 0, lines.join('\n'));
  assert.ok(lines.includes('3 of 5 files already on the farm, uploaded 2 (3.0 MB)'), lines.join('\n'));
  assert.match(lines.join('\n'), /submitted rjob_/);
  const ambiguous = renderCommand(['submit', dir, '--frames', '1-2', '--server', t.url, '--token', secret]);
  await assert.rejects(ambiguous, /--main/);
});
