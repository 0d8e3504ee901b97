// Shared by the backup tests (PGlite here, PostgreSQL in test/system): data worth restoring, and what
// must be found again after a restore.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { Platform } from '../src/platform.ts';
import { answersFor, as, materialsFor, workUntilDone } from './gov-suite.ts';
import { client, login, type TestPlatform } from './helpers.ts';

const ALL_CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];

export interface Seeded {
  jobId: string;
  marker: string;
  uploadId: string;
  appId: string;
}

/**
 * On top of the demo: a job with a sealed env secret, a render scene upload, a frame and thumbnail as a
 * node publishes them, mine PKI files, and a one-thing application worked through to issued certificates.
 */
export async function seedBackupData(t: TestPlatform): Promise<Seeded> {
  // The modules' demos as `shuzhi serve` seeds them: billed history, the registries and linked accounts.
  for (const name of ['billing', 'gov']) await t.p.modules.find((m) => m.name === name)!.seedDemo!();
  const marker = `sk-backup-${randomBytes(8).toString('hex')}`;
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const job = await tenant.req('POST', '/api/jobs', { name: 'kept across restore', type: 'cpu', units: 1, hours: 1, command: 'true', env: { API_KEY: marker } });
  assert.equal(job.status, 201, JSON.stringify(job.body));

  const studio = await login(t.url, 'tenant2');
  const scene = Buffer.concat([Buffer.from('SCENE-MARKER-0123456789'), randomBytes(200_000)]);
  const up = await fetch(`${t.url}/api/render/uploads?fileName=scene.blend`, {
    method: 'POST',
    headers: { cookie: studio, origin: t.url, 'content-type': 'application/octet-stream' },
    body: scene,
  });
  const upBody = (await up.json()) as Record<string, any>;
  assert.equal(up.status, 201, JSON.stringify(upBody));

  // Frames are files a node uploaded and the farm published under render/<job>/: the backup copies them as they are.
  const frameDir = join(t.dataDir, 'render', 'rjob_backup_test');
  mkdirSync(join(frameDir, 'thumbs'), { recursive: true });
  writeFileSync(join(frameDir, 'f_0001.png'), randomBytes(50_000));
  writeFileSync(join(frameDir, 'thumbs', 'f_0001.jpg'), randomBytes(5_000));
  mkdirSync(join(t.dataDir, 'mine-pki', 'own', 'private'), { recursive: true });
  writeFileSync(join(t.dataDir, 'mine-pki', 'own', 'private', 'private_key.pem'), `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
  // Scratch that must stay out.
  mkdirSync(join(t.dataDir, 'render', 'uploads', '.incoming'), { recursive: true });
  writeFileSync(join(t.dataDir, 'render', 'uploads', '.incoming', 'half-an-upload'), 'partial');

  const c = await as(t, 'enterprise');
  const pre = await c.req('POST', '/api/gov/prefill', { itemId: 'item_enterprise_info_change', consent: ALL_CONSENT });
  assert.equal(pre.status, 200, JSON.stringify(pre.body));
  const body = { itemId: 'item_enterprise_info_change', idempotencyKey: `backup-${marker}`, draftId: pre.body.draftId, channel: 'app', consent: ALL_CONSENT, answers: answersFor(pre.body), materials: materialsFor(pre.body) };
  const r = await c.req('POST', '/api/gov/applications', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const appId = r.body.application.id as string;
  await workUntilDone(t, appId, ['officer-market', 'officer-tax', 'officer-hrss', 'officer-medins', 'officer-housing', 'officer-bank', 'officer-police', 'officer-health']);
  const app = await c.req('GET', `/api/gov/applications/${appId}`);
  assert.equal(app.body.status, 'issued');
  assert.ok(app.body.certificates.length > 0);
  return { jobId: job.body.id as string, marker, uploadId: upBody.uploadId as string, appId };
}

export interface Fingerprint {
  jobs: string[];
  charges: string[];
  applications: string[];
  certificates: string[];
  renderJobs: string[];
}

/** The ids of every job, bill (billing charge), case and certificate in the platform's database. */
export async function fingerprint(p: Platform): Promise<Fingerprint> {
  const ids = async (table: string, col = 'id') => {
    const r = (await p.database.db.execute(sql.raw(`select ${col}::text as id from ${table} order by 1`))) as unknown as { rows: { id: string }[] };
    return r.rows.map((x) => x.id);
  };
  return {
    jobs: await ids('jobs'),
    charges: await ids('billing_charges', 'run_id'),
    applications: await ids('gov_applications'),
    certificates: await ids('gov_certificates'),
    renderJobs: await ids('render_jobs'),
  };
}

/** sha256 of every file under `<dataDir>/render` and `<dataDir>/mine-pki` (scratch left out). */
export function fileHashes(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (n === '.incoming') continue;
      if (statSync(p).isDirectory()) visit(p);
      else out[relative(dataDir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  visit(join(dataDir, 'render'));
  visit(join(dataDir, 'mine-pki'));
  return out;
}

/**
 * A platform on a restored data dir, as `shuzhi serve` opens it: no demo seeding. It is started: on
 * PostgreSQL a server that has not joined the leader election answers leader routes with 503.
 */
export async function openRestored(dataDir: string, env: Record<string, string> = {}): Promise<TestPlatform> {
  const config = loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUZHI_DEMO: '0', ...env });
  const p = await Platform.open({ config });
  await p.start();
  const port = await p.listen(0, '127.0.0.1');
  return { p, url: `http://127.0.0.1:${port}`, port, dataDir, close: () => p.close() };
}

/** Everything seeded and fingerprinted is there again; certificates verify; the sealed env opens. */
export async function assertRestored(t: TestPlatform, before: Fingerprint, beforeFiles: Record<string, string> | null, seeded: Seeded): Promise<void> {
  const after = await fingerprint(t.p);
  assert.ok(before.jobs.length > 1 && before.charges.length > 0 && before.applications.length > 0 && before.certificates.length > 0, JSON.stringify(before).slice(0, 300));
  assert.deepEqual(after, before);
  assert.ok(after.jobs.includes(seeded.jobId));
  assert.ok(after.applications.includes(seeded.appId));

  const anon = client(t.url, {});
  for (const id of after.certificates) {
    const v = await anon.req('GET', `/api/public/gov/verify/${id}`);
    assert.equal(v.body.result, 'valid', `certificate ${id}: ${JSON.stringify(v.body)}`);
  }
  const tenant = client(t.url, { cookie: await login(t.url, 'tenant') });
  const job = await tenant.req('GET', `/api/jobs/${seeded.jobId}`);
  assert.equal(job.status, 200, JSON.stringify(job.body));
  assert.deepEqual(job.body.env, { API_KEY: seeded.marker }, 'the sealed env opens with the restored key');

  if (beforeFiles) {
    assert.ok(Object.keys(beforeFiles).some((k) => k.includes(seeded.uploadId)), 'the upload is among the files');
    assert.deepEqual(fileHashes(t.dataDir), beforeFiles);
  }
}
