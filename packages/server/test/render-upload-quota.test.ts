// Render scene uploads have a per-tenant byte quota (SHUZHI_RENDER_UPLOAD_QUOTA_MB): one studio cannot
// fill the farm's disk. Declared sizes are refused before reading; streamed bodies are cut off; what was
// stored before a restart still counts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { UploadQuota } from '../src/render/uploads.ts';
import { login, startPlatform, type TestPlatform } from './helpers.ts';

const MiB = 1024 * 1024;
let t: TestPlatform;
let studio: string;
let other: string;
let operator: string;

before(async () => {
  t = await startPlatform({ fundTenants: false, env: { SHUZHI_RENDER_UPLOAD_QUOTA_MB: '1' } });
  studio = await login(t.url, 'tenant2');
  other = await login(t.url, 'tenant');
  operator = await login(t.url, 'operator');
});
after(async () => {
  await t.close();
});

async function upload(cookie: string, bytes: number, opts: { stream?: boolean; tenantId?: string } = {}) {
  const data = Buffer.alloc(bytes, 7);
  const qs = `fileName=scene.blend${opts.tenantId ? `&tenantId=${opts.tenantId}` : ''}`;
  const body = opts.stream
    ? new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < data.length; i += 64 * 1024) c.enqueue(data.subarray(i, i + 64 * 1024));
          c.close();
        },
      })
    : data;
  const res = await fetch(`${t.url}/api/render/uploads?${qs}`, {
    method: 'POST',
    headers: { cookie, origin: t.url, 'content-type': 'application/octet-stream' },
    body,
    ...(opts.stream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, any> };
}

const uploadDirs = () => {
  const dir = join(t.dataDir, 'render', 'uploads');
  return existsSync(dir) ? readdirSync(dir).length : 0;
};

test('a tenant uploads up to its quota; past it the upload is refused with a problem naming used and limit', async () => {
  const first = await upload(studio, 600 * 1024);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const dirs = uploadDirs();

  const declared = await upload(studio, 600 * 1024);
  assert.equal(declared.status, 413, JSON.stringify(declared.body));
  assert.match(declared.type, /application\/problem\+json/);
  assert.equal(declared.body.code, 'UPLOAD_QUOTA_EXCEEDED');
  assert.match(declared.body.detail, new RegExp(`${600 * 1024} bytes`), 'names what is used');
  assert.match(declared.body.detail, new RegExp(`${MiB} bytes`), 'names the limit');

  // A body without a declared length is counted as it streams and cut off at the quota.
  const streamed = await upload(studio, 600 * 1024, { stream: true });
  assert.equal(streamed.status, 413, JSON.stringify(streamed.body));
  assert.equal(streamed.body.code, 'UPLOAD_QUOTA_EXCEEDED');
  assert.equal(uploadDirs(), dirs, 'nothing of a refused upload is kept');

  // What is left still fits.
  assert.equal((await upload(studio, 300 * 1024, { stream: true })).status, 201);
  assert.equal((await upload(studio, 200 * 1024)).status, 413);
});

test('the quota is per tenant, and an operator uploading for a tenant uses that tenant\'s quota', async () => {
  const tenantOf = async (cookie: string) => ((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.json())) as { tenantId: string }).tenantId;
  const studioId = await tenantOf(studio);
  const otherId = await tenantOf(other);
  assert.notEqual(studioId, otherId);
  assert.equal((await upload(other, 900 * 1024)).status, 201, 'another tenant is not affected');
  const forStudio = await upload(operator, 300 * 1024, { tenantId: studioId });
  assert.equal(forStudio.status, 413, JSON.stringify(forStudio.body));
  assert.match(forStudio.body.detail, new RegExp(`Tenant ${studioId} `));
  assert.equal((await upload(operator, 100 * 1024, { tenantId: otherId })).status, 201);
});

test('uploads stored before a restart still count: usage is read from the stored files', async () => {
  const fresh = new UploadQuota(join(t.dataDir, 'render', 'uploads'), join(t.dataDir, 'render', 'assets'), MiB);
  const studioId = ((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: studio } }).then((r) => r.json())) as { tenantId: string }).tenantId;
  assert.equal(await fresh.used(studioId), 900 * 1024);
  await assert.rejects(fresh.check(studioId, 200 * 1024), (e: Error & { code?: string }) => e.code === 'UPLOAD_QUOTA_EXCEEDED');
});

test('the render settings are validated in the one config, a bad value refused naming its variable', () => {
  const quota = (v: string | undefined) => loadConfig({ SHUZHI_RENDER_UPLOAD_QUOTA_MB: v }).SHUZHI_RENDER_UPLOAD_QUOTA_MB;
  assert.equal(quota(undefined), 10_240);
  assert.equal(quota(''), 10_240);
  assert.equal(quota('5'), 5);
  assert.throws(() => quota('lots'), /SHUZHI_RENDER_UPLOAD_QUOTA_MB/);
  assert.throws(() => quota('-1'), /SHUZHI_RENDER_UPLOAD_QUOTA_MB/);
  assert.throws(() => loadConfig({ SHUZHI_RENDER_DEMO_NODES: 'many' }), /SHUZHI_RENDER_DEMO_NODES/);
  assert.throws(() => loadConfig({ SHUZHI_RENDER_VERIFY_FRAMES: 'no' }), /SHUZHI_RENDER_VERIFY_FRAMES/);
  assert.throws(() => loadConfig({ SHUZHI_RENDER_SHARED_ROOTS: 'scenes:/mnt/nfs' }), /SHUZHI_RENDER_SHARED_ROOTS/);
  assert.throws(() => loadConfig({ SHUZHI_RENDER_SITE: '../x' }), /SHUZHI_RENDER_SITE/);
  const c = loadConfig({});
  assert.deepEqual([c.SHUZHI_RENDER_SITE, c.SHUZHI_RENDER_SHARED_ROOTS, c.SHUZHI_RENDER_DEMO_NODES, c.SHUZHI_RENDER_VERIFY_FRAMES], ['karamay', '', 3, '1']);
});
