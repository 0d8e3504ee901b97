// Exposure: a site's Slurm connection settings are for operators only; certificate identifiers carry
// an unguessable part (old ones still verify); the public verify endpoint is rate limited per client
// address and writes no database row per anonymous call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { CERTIFICATE_ID_LENGTH, makeCertificateId, parseCertificateId, serializeCertificate, signCertificate } from '@shuzhi/gov';
import { ConfigError, configHelp, loadConfig } from '../src/config.ts';
import { govCertificates } from '../src/gov/db-schema.ts';
import { issuerCodeOf } from '../src/gov/issuer.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import { client, login, smallSite, startPlatform, type TestPlatform } from './helpers.ts';
import { answersFor, as, govOf, materialsFor, workUntilDone } from './gov-suite.ts';

const ALL_CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];
const PER_MINUTE = 8;
let t: TestPlatform;

before(async () => {
  t = await startPlatform({ fundTenants: false, env: { SHUZHI_PUBLIC_VERIFY_PER_MINUTE: String(PER_MINUTE) } });
  await govOf(t).seedDemo!();
});
after(async () => {
  await t.close();
});

test('the public verification budget is a validated setting: a bad value stops the start, naming the variable', () => {
  assert.equal(loadConfig({}).SHUZHI_PUBLIC_VERIFY_PER_MINUTE, 60);
  assert.equal(loadConfig({ SHUZHI_PUBLIC_VERIFY_PER_MINUTE: '8' }).SHUZHI_PUBLIC_VERIFY_PER_MINUTE, 8);
  for (const bad of ['0', 'lots', '2.5']) {
    assert.throws(() => loadConfig({ SHUZHI_PUBLIC_VERIFY_PER_MINUTE: bad }), (e: Error) => e instanceof ConfigError && /SHUZHI_PUBLIC_VERIFY_PER_MINUTE: /.test(e.message), bad);
  }
  assert.match(configHelp.SHUZHI_PUBLIC_VERIFY_PER_MINUTE, /per client address per minute/);
});

const eventCount = async () => {
  const r = await t.p.database.db.execute(sql`select count(*)::int as n from events`);
  return Number((Array.isArray(r) ? r : (r as { rows: { n: number }[] }).rows)[0]!.n);
};

describe('site engine settings', () => {
  test('only operators see how a Slurm site is reached; everyone else gets slurm: null and no engine error text', async () => {
    const op = client(t.url, { cookie: await login(t.url, 'operator') });
    const site = {
      ...smallSite('slurm-secret'),
      engine: 'slurm',
      slurm: { mode: 'rest', restUrl: 'http://127.0.0.1:9/slurm', restUser: 'svc_shuzhi', restTokenEnv: 'SHUZHI_SLURM_JWT_SECRET_SITE', partition: 'gpu-private', slurmConf: '/etc/slurm/other.conf', accounting: 'none' },
    };
    const created = await op.req('POST', '/api/sites', site);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const opView = await op.req('GET', '/api/sites/slurm-secret');
    assert.equal(opView.body.slurm.restUrl, 'http://127.0.0.1:9/slurm');
    assert.ok((await op.req('GET', '/api/sites')).body.items.find((s: { id: string }) => s.id === 'slurm-secret').slurm);
    for (const who of ['tenant', 'viewer', 'citizen']) {
      const c = client(t.url, { cookie: await login(t.url, who) });
      const one = await c.req('GET', '/api/sites/slurm-secret');
      assert.equal(one.status, 200, `${who}: ${JSON.stringify(one.body)}`);
      assert.equal(one.body.slurm, null, who);
      assert.equal(one.body.engine, 'slurm', 'which engine runs a site is still shown');
      const all = await c.req('GET', '/api/sites');
      for (const s of all.body.items) assert.equal(s.slurm, null, `${who} sees ${s.id}'s engine settings`);
      const text = JSON.stringify([one.body, all.body]);
      for (const secret of ['127.0.0.1:9', 'svc_shuzhi', 'SHUZHI_SLURM_JWT_SECRET_SITE', 'gpu-private', 'other.conf']) assert.doesNotMatch(text, new RegExp(secret), `${who} sees ${secret}`);
    }
  });
});

describe('certificate identifiers and public verification', () => {
  let issued: { id: string; text: string }[] = [];

  before(async () => {
    const c = await as(t, 'enterprise');
    const pre = await c.req('POST', '/api/gov/prefill', { itemId: 'item_enterprise_info_change', consent: ALL_CONSENT });
    assert.equal(pre.status, 200, JSON.stringify(pre.body));
    const r = await c.req('POST', '/api/gov/applications', { itemId: 'item_enterprise_info_change', idempotencyKey: 'exposure-0001', draftId: pre.body.draftId, channel: 'app', consent: ALL_CONSENT, answers: answersFor(pre.body), materials: materialsFor(pre.body) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await workUntilDone(t, r.body.application.id, ['officer-market', 'officer-tax', 'officer-hrss', 'officer-medins', 'officer-housing', 'officer-bank', 'officer-police', 'officer-health']);
    const app = await c.req('GET', `/api/gov/applications/${r.body.application.id}`);
    assert.equal(app.body.status, 'issued');
    issued = app.body.certificates;
    assert.ok(issued.length > 0);
  });

  test('new identifiers carry 100 random bits and stay valid identifiers (check character, issuer code)', () => {
    const randoms = new Set<string>();
    for (const cert of issued) {
      assert.equal(cert.id.length, CERTIFICATE_ID_LENGTH);
      const parts = parseCertificateId(cert.id);
      assert.match(parts.random ?? '', /^[A-Z2-7]{20}$/);
      randoms.add(parts.random!);
      // The next serial of the same issuer is no longer a valid identifier to guess.
      const guess = makeCertificateId({ ...parts, serial: parts.serial + 1 });
      assert.ok(!issued.some((x) => x.id === guess));
    }
    assert.equal(randoms.size, issued.length);
  });

  test('verification writes no database row, and a certificate issued before random parts still verifies', async () => {
    const anon = client(t.url, {});
    const gov = govOf(t);
    // An old, sequential 35-character certificate, signed by the issuer key.
    const cert = JSON.parse(issued[0]!.text);
    const legacyId = makeCertificateId({ typeCode: parseCertificateId(cert.body.id).typeCode, issuerCode: issuerCodeOf(cert.body.issuer.departmentId), serial: 1, version: 1 });
    assert.equal(legacyId.length, 35);
    const legacy = signCertificate({ ...cert.body, id: legacyId }, gov.deps.key.privateKey, gov.deps.key.keyId);
    await gov.deps.db.insert(govCertificates).values({ id: legacyId, applicationId: 'app_legacy', serviceId: cert.body.metadata.serviceId, type: cert.body.type, holderId: 'legacy-holder', text: serializeCertificate(legacy), status: 'valid', issuedAt: new Date() });

    const before = await eventCount();
    const counted = { ...gov.service.verifications };
    assert.equal((await anon.req('GET', `/api/public/gov/verify/${issued[0]!.id}`)).body.result, 'valid');
    assert.equal((await anon.req('GET', `/api/public/gov/verify/${legacyId}`)).body.result, 'valid');
    assert.equal((await anon.req('GET', '/api/public/gov/verify/NOSUCHCERT')).body.result, 'not_found');
    assert.equal((await anon.req('POST', '/api/public/gov/verify', { certificateId: issued[0]!.id, text: issued[0]!.text })).body.result, 'valid');
    assert.equal(await eventCount(), before, 'no event row per anonymous verification');
    assert.equal(gov.service.verifications.valid - counted.valid, 3);
    assert.equal(gov.service.verifications.not_found - counted.not_found, 1);
  });

  test('one client address gets a budget of verifications per minute, then 429 with Retry-After', async () => {
    const anon = client(t.url, {});
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let problem: { code?: string } = {};
    for (let i = 0; i < PER_MINUTE + 4; i++) {
      const res = await fetch(`${t.url}/api/public/gov/verify/${issued[0]!.id}`);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        problem = (await res.json()) as { code?: string };
      } else await res.arrayBuffer();
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.filter((s) => s === 200).length <= PER_MINUTE, `statuses: ${statuses.join(',')}`);
    assert.equal(problem.code, 'RATE_LIMITED');
    assert.match(retryAfter ?? '', /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
    // The POST form shares the budget; signed-in pages are not affected.
    assert.equal((await anon.req('POST', '/api/public/gov/verify', { certificateId: issued[0]!.id, text: issued[0]!.text })).status, 429);
    assert.equal((await (await as(t, 'enterprise')).req('GET', '/api/gov/certificates')).status, 200);
  });
});

describe('the rate limiter', () => {
  test('a burst, then one call per refill; each key has its own budget; memory is bounded', () => {
    let now = 0;
    const rl = new RateLimiter({ perWindow: 3, windowMs: 60_000, maxKeys: 100, now: () => now });
    assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0]);
    const wait = rl.take('a');
    assert.ok(wait > 0 && wait <= 20_000, String(wait));
    assert.equal(rl.take('b'), 0, 'another address is not affected');
    now += 20_000;
    assert.equal(rl.take('a'), 0);
    assert.ok(rl.take('a') > 0);
    for (let i = 0; i < 1000; i++) rl.take(`k${i}`);
    assert.ok((rl as unknown as { buckets: Map<string, unknown> }).buckets.size <= 100);
  });
});
