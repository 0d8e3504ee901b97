import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { createWorkingCalendar } from '@shuzhi/gov';
import { govCertificates } from '../src/gov/db-schema.ts';
import type { GovServerModule } from '../src/gov/module.ts';
import { GovService } from '../src/gov/service.ts';
import type { Principal } from '../src/auth/principal.ts';
import { client, login, startPlatform, type TestPlatform } from './helpers.ts';

export const govOf = (t: TestPlatform) => t.p.modules.find((m) => m.name === 'gov') as GovServerModule;
const ALL_CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'];
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export type Client = ReturnType<typeof client>;
export async function as(t: TestPlatform, username: string): Promise<Client> {
  return client(t.url, { cookie: await login(t.url, username) });
}

/** Valid answers for whatever the form still asks, by field type. */
export function answersFor(prefill: { fields: { key: string; type: string; status: string; choices?: string[] }[] }): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const f of prefill.fields) {
    if (f.status !== 'needed') continue;
    out[f.key] = ({ phone: '13800138000', bank_account: '6222020200112233', date: '2025-06-01', number: 3, money_fen: 100000, boolean: true, choice: f.choices?.[0] ?? 'x', resident_id: '11010519491231002X', credit_code: '91350100M000100Y43' } as Record<string, string | number | boolean>)[f.type] ?? '测试';
  }
  return out;
}

export function materialsFor(prefill: { materials: { materialId: string; status: string }[] }) {
  return prefill.materials
    .filter((m) => m.status === 'upload' || m.status === 'commitment')
    .map((m) => ({ materialId: m.materialId, kind: 'upload' as const, fileName: `${m.materialId}.pdf`, sha256: sha(m.materialId) }));
}

export const NEWBORN_OFFICERS = ['officer-health', 'officer-police', 'officer-medins', 'officer-hrss', 'officer-tax'];

/** Each department's officer works its queue (accept, approve) until nothing of this application is left. */
export async function workUntilDone(t: TestPlatform, appId: string, officers: string[]): Promise<string[]> {
  const clients = await Promise.all(officers.map((o) => as(t, o)));
  const order: string[] = [];
  for (let round = 0; round < 20; round++) {
    let acted = false;
    for (const c of clients) {
      const q = await c.req('GET', '/api/gov/tasks');
      assert.equal(q.status, 200);
      for (const e of q.body.items.filter((x: { applicationId: string }) => x.applicationId === appId)) {
        if (e.state === 'ready') assert.equal((await c.req('POST', `/api/gov/applications/${appId}/tasks/${e.serviceId}/actions`, { action: 'accept' })).status, 200);
        if (e.state === 'ready' || e.state === 'accepted') {
          const r = await c.req('POST', `/api/gov/applications/${appId}/tasks/${e.serviceId}/actions`, { action: 'approve' });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          order.push(e.serviceId);
          acted = true;
        }
      }
    }
    if (!acted) break;
  }
  return order;
}

/** The storage/API suite, run on PGlite (packages/server/test) and on PostgreSQL 15 (test/system). */
export function govApiSuite(opts: { databaseUrl?: () => string } = {}) {
  describe(`gov API on ${opts.databaseUrl ? 'PostgreSQL 15' : 'PGlite'}`, () => govApiTests(opts));
}

function govApiTests(opts: { databaseUrl?: () => string }) {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform(opts.databaseUrl ? { databaseUrl: opts.databaseUrl() } : {});
    await govOf(t).seedDemo!();
  });
  after(async () => {
    await t?.close();
  });

  describe('gov: catalogue as data', () => {
    test('the 13 national items and the regional ones are served, with services, departments and SLAs', async () => {
      const c = await as(t, 'citizen');
      const r = await c.req('GET', '/api/gov/catalogue');
      assert.equal(r.status, 200);
      const national = r.body.items.filter((i: { scope: string }) => i.scope === 'national');
      assert.equal(national.length, 13);
      assert.ok(r.body.items.some((i: { scope: string }) => i.scope === 'regional'));
      const newborn = r.body.items.find((i: { id: string }) => i.id === 'item_newborn');
      const household = newborn.services.find((s: { id: string }) => s.id === 'svc_nb_household_registration');
      assert.deepEqual(household.dependsOn, ['svc_nb_birth_medical_certificate']);
      assert.ok(household.materials.every((m: { trustLevel: string }) => ['A', 'B', 'C', 'D'].includes(m.trustLevel)));
    });

    test('an operator adds an item through the API; bad items name the bad field; others may not', async () => {
      const op = await as(t, 'operator');
      const item = {
        id: 'item_test_pet_licence', version: 1, name: { zh: '养犬登记', en: 'Dog licence' }, subject: 'individual', scope: 'regional', region: '65',
        list: { kind: 'local_feature', region: '65' }, lifecycleStage: '生活', sourceStatus: 'unverified', leadDepartmentId: 'dept_public_security',
        services: ['svc_test_dog_registration'], baseline: { steps: { before: 3, after: 1 }, materials: { before: 4, after: 1 }, workingDays: { before: 10, after: 3 }, trips: { before: 2, after: 0 } },
      };
      const service = { id: 'svc_test_dog_registration', name: { zh: '犬只登记', en: 'Dog registration' }, departmentId: 'dept_public_security', slaWorkingDays: 3,
        fields: [{ key: 'applicant.name', label: { zh: '姓名', en: 'Name' }, type: 'text', sources: ['population.applicant.name'] }, { key: 'dog.breed', label: { zh: '犬种', en: 'Breed' }, type: 'text' }] };
      const bad = await op.req('POST', '/api/gov/catalogue/items', { item: { ...item, leadDepartmentId: 'dept_nowhere' }, services: [service] });
      assert.equal(bad.status, 400);
      assert.ok(bad.body.errors.some((e: { path: string }) => e.path === 'item.leadDepartmentId'), JSON.stringify(bad.body.errors));
      const denied = await (await as(t, 'citizen')).req('POST', '/api/gov/catalogue/items', { item, services: [service] });
      assert.equal(denied.status, 403);
      const ok = await op.req('POST', '/api/gov/catalogue/items', { item, services: [service] });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const cat = await op.req('GET', '/api/gov/catalogue');
      assert.ok(cat.body.items.some((i: { id: string }) => i.id === 'item_test_pet_licence'));
      // The new item works end to end without code: its form asks only the breed.
      const pre = await (await as(t, 'citizen')).req('POST', '/api/gov/prefill', { itemId: 'item_test_pet_licence', consent: ALL_CONSENT });
      assert.equal(pre.status, 200);
      assert.deepEqual(pre.body.ask.fields, ['dog.breed']);
    });
  });

  describe('gov: 新生儿出生 end to end', () => {
    let appId = '';
    let prefill: any;

    test('the form is mostly prefilled, shows where each value came from, and asks only the rest', async () => {
      const c = await as(t, 'citizen');
      const r = await c.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL_CONSENT });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      prefill = r.body;
      const filled = prefill.fields.filter((f: { status: string }) => f.status === 'filled');
      assert.ok(filled.length > prefill.ask.fields.length, `filled ${filled.length}, asked ${prefill.ask.fields.length}`);
      assert.ok(filled.every((f: { source: string; sourceLabel: { zh: string } }) => f.source && f.sourceLabel.zh));
      assert.ok(prefill.fields.find((f: { key: string }) => f.key === 'child.name').status === 'filled');
      // Without consent to the library, the newborn's data is not read and has to be asked.
      const none = await c.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ['population'] });
      assert.equal(none.body.fields.find((f: { key: string }) => f.key === 'child.name').status, 'needed');
    });

    test('invalid input gets field-level messages and writes nothing', async () => {
      const c = await as(t, 'citizen');
      const answers = answersFor(prefill);
      const noPhone = { ...answers };
      delete noPhone['contact.phone'];
      const r = await c.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: 'bad-input-1', consent: ALL_CONSENT, answers: noPhone, materials: materialsFor(prefill) });
      assert.equal(r.status, 400);
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === 'answers.contact.phone'), JSON.stringify(r.body));
      const badPhone = await c.req('POST', '/api/gov/applications', { itemId: 'item_newborn', idempotencyKey: 'bad-input-2', consent: ALL_CONSENT, answers: { ...answers, 'contact.phone': '12' }, materials: materialsFor(prefill) });
      assert.equal(badPhone.status, 400);
      assert.match(badPhone.body.errors.find((e: { path: string }) => e.path === 'answers.contact.phone').message, /11/);
      // A window filing with a mistyped resident ID: the checksum is named on the field.
      const w = await as(t, 'window');
      const id = '65010219800101001'; // 17 digits: append a wrong check character
      const wrong = id + (id.endsWith('1') ? '5' : '1');
      const win = await w.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL_CONSENT, applicant: { residentId: '110105194912310021' } });
      assert.equal(win.status, 400);
      assert.equal(win.body.errors[0].path, 'applicant.residentId');
      assert.match(win.body.errors[0].message, /校验位|check character/);
      const win2 = await w.req('POST', '/api/gov/prefill', { itemId: 'item_newborn', consent: ALL_CONSENT, applicant: { residentId: wrong } });
      assert.equal(win2.status, 400);
      const list = await c.req('GET', '/api/gov/applications');
      assert.equal(list.body.total, 0);
    });

    test('a missing material is named', async () => {
      const c = await as(t, 'enterprise');
      const pre = await c.req('POST', '/api/gov/prefill', { itemId: 'item_open_transport_enterprise', consent: ALL_CONSENT });
      assert.equal(pre.status, 200, JSON.stringify(pre.body));
      const mats = materialsFor(pre.body);
      assert.ok(mats.length > 0);
      const r = await c.req('POST', '/api/gov/applications', { itemId: 'item_open_transport_enterprise', idempotencyKey: 'missing-mat-1', consent: ALL_CONSENT, answers: answersFor(pre.body), materials: mats.slice(1) });
      assert.equal(r.status, 400);
      assert.ok(r.body.errors.some((e: { path: string }) => e.path === `materials.${mats[0]!.materialId}`), JSON.stringify(r.body.errors));
    });

    test('a duplicate submission (same idempotency key) creates one application', async () => {
      const c = await as(t, 'citizen');
      const body = { itemId: 'item_newborn', idempotencyKey: 'newborn-once-0001', draftId: prefill.draftId, channel: 'app', consent: ALL_CONSENT, answers: answersFor(prefill), materials: materialsFor(prefill) };
      const [a, b] = await Promise.all([c.req('POST', '/api/gov/applications', body), c.req('POST', '/api/gov/applications', body)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 201], JSON.stringify([a.body, b.body]));
      assert.equal(a.body.application.id, b.body.application.id);
      const again = await c.req('POST', '/api/gov/applications', body);
      assert.equal(again.status, 200);
      assert.equal(again.body.created, false);
      appId = a.body.application.id;
      const list = await c.req('GET', '/api/gov/applications');
      assert.equal(list.body.items.filter((x: { itemId: string }) => x.itemId === 'item_newborn').length, 1);
    });

    test('household registration cannot run before the birth medical certificate', async () => {
      const police = await as(t, 'officer-police');
      const q = await police.req('GET', '/api/gov/tasks');
      assert.ok(!q.body.items.some((e: { applicationId: string }) => e.applicationId === appId), 'a pending task is not in the queue');
      const r = await police.req('POST', `/api/gov/applications/${appId}/tasks/svc_nb_household_registration/actions`, { action: 'accept' });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'TRANSITION_NOT_ALLOWED');
    });

    test("an officer cannot see or act on another department's task: 403, audited", async () => {
      const police = await as(t, 'officer-police');
      const act = await police.req('POST', `/api/gov/applications/${appId}/tasks/svc_nb_birth_medical_certificate/actions`, { action: 'accept' });
      assert.equal(act.status, 403);
      const view = await police.req('GET', `/api/gov/applications/${appId}`);
      assert.equal(view.status, 200);
      assert.ok(view.body.tasks.every((x: { departmentId: string }) => x.departmentId === 'dept_public_security'));
      const market = await as(t, 'officer-market');
      const seen = await market.req('GET', `/api/gov/applications/${appId}`);
      assert.equal(seen.status, 403);
      assert.equal((await market.req('GET', '/api/gov/applications')).body.total, 0);
      const log = await (await as(t, 'citizen')).req('GET', '/api/gov/access-log');
      const refused = log.body.items.filter((e: { allowed: boolean; applicationId: string }) => !e.allowed && e.applicationId === appId);
      assert.ok(refused.length >= 2, JSON.stringify(refused));
      assert.ok(refused.some((e: { actorRole: string; departmentId: string }) => e.departmentId === 'dept_market'));
    });

    test('a citizen sees only their own applications', async () => {
      const other = await as(t, 'citizen2');
      assert.equal((await other.req('GET', `/api/gov/applications/${appId}`)).status, 404);
      assert.equal((await other.req('GET', '/api/gov/applications')).body.total, 0);
    });

    test('a supplement request tells the applicant exactly what; the answer puts the task back to work', async () => {
      const health = await as(t, 'officer-health');
      assert.equal((await health.req('POST', `/api/gov/applications/${appId}/tasks/svc_nb_birth_registration_voucher/actions`, { action: 'accept' })).status, 200);
      const ask = await health.req('POST', `/api/gov/applications/${appId}/tasks/svc_nb_birth_registration_voucher/actions`, { action: 'request_supplement', supplement: { message: '请补充联系电话', fields: ['contact.phone'] } });
      assert.equal(ask.status, 200, JSON.stringify(ask.body));
      const c = await as(t, 'citizen');
      const mine = await c.req('GET', `/api/gov/applications/${appId}`);
      assert.equal(mine.body.status, 'supplement_needed');
      const task = mine.body.tasks.find((x: { serviceId: string }) => x.serviceId === 'svc_nb_birth_registration_voucher');
      assert.deepEqual(task.supplement.fields, ['contact.phone']);
      assert.equal(task.supplement.message, '请补充联系电话');
      const missing = await c.req('POST', `/api/gov/applications/${appId}/supplement`, { answers: {} });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.errors[0].path, 'answers.contact.phone');
      const ok = await c.req('POST', `/api/gov/applications/${appId}/supplement`, { answers: { 'contact.phone': '13900139000' } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.tasks.find((x: { serviceId: string }) => x.serviceId === 'svc_nb_birth_registration_voucher').state, 'accepted');
    });

    test('officers of every department approve; results are issued once; the applicant is told once', async () => {
      const order = await workUntilDone(t, appId, NEWBORN_OFFICERS);
      assert.ok(order.indexOf('svc_nb_birth_medical_certificate') < order.indexOf('svc_nb_household_registration'));
      const c = await as(t, 'citizen');
      const app = await c.req('GET', `/api/gov/applications/${appId}`);
      assert.equal(app.body.status, 'issued');
      const types = app.body.certificates.map((x: { type: string }) => x.type).sort();
      assert.deepEqual(types, ['BIRTH_MEDICAL_CERT', 'BIRTH_REGISTRATION_VOUCHER', 'HOUSEHOLD_REGISTER', 'SOCIAL_SECURITY_CARD', 'VACCINATION_RECORD']);
      const hist = (id: string) => app.body.tasks.find((x: { serviceId: string }) => x.serviceId === id).history.find((h: { to: string }) => h.to === 'approved').at;
      assert.ok(hist('svc_nb_birth_medical_certificate') <= hist('svc_nb_household_registration'));
      const n = await c.req('GET', '/api/gov/notifications');
      assert.equal(n.body.items.filter((x: { kind: string; applicationId: string }) => x.kind === 'ready' && x.applicationId === appId).length, 1);
      // Nothing more to issue: a late action is refused and the certificates stay as they were.
      const health = await as(t, 'officer-health');
      const late = await health.req('POST', `/api/gov/applications/${appId}/tasks/svc_nb_birth_medical_certificate/actions`, { action: 'approve' });
      assert.equal(late.status, 409);
      const [row] = await govOf(t).deps.db.select({ n: sql<number>`count(*)::int` }).from(govCertificates).where(eq(govCertificates.applicationId, appId));
      assert.equal(row!.n, 5);
    });

    test('免申办: the registered birth granted entitlements without an application and the family was told', async () => {
      const c = await as(t, 'citizen');
      const g = await c.req('GET', '/api/gov/grants');
      assert.ok(g.body.items.length >= 1, JSON.stringify(g.body));
      const n = await c.req('GET', '/api/gov/notifications');
      assert.ok(n.body.items.some((x: { kind: string }) => x.kind.startsWith('entitlements:')));
    });

    test('verification: valid, then tampered when the stored record is altered; the public key is public', async () => {
      const c = await as(t, 'citizen');
      const app = await c.req('GET', `/api/gov/applications/${appId}`);
      const cert = app.body.certificates[0];
      assert.match(cert.qrSvg, /<svg/);
      const anon = client(t.url, {});
      const ok = await anon.req('GET', `/api/public/gov/verify/${cert.id}`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.result, 'valid');
      assert.equal((await anon.req('GET', '/api/public/gov/keys')).body.alg, 'Ed25519');
      const forged = cert.text.replace(cert.holderName, '冒名顶替');
      assert.notEqual(forged, cert.text);
      assert.equal((await anon.req('POST', '/api/public/gov/verify', { certificateId: cert.id, text: forged })).body.result, 'tampered');
      assert.equal((await anon.req('POST', '/api/public/gov/verify', { certificateId: cert.id, text: cert.text })).body.result, 'valid');
      assert.equal((await anon.req('GET', '/api/public/gov/verify/NOSUCHCERT')).body.result, 'not_found');
      await govOf(t).deps.db.update(govCertificates).set({ text: forged }).where(eq(govCertificates.id, cert.id));
      assert.equal((await anon.req('GET', `/api/public/gov/verify/${cert.id}`)).body.result, 'tampered');
      await govOf(t).deps.db.update(govCertificates).set({ text: cert.text }).where(eq(govCertificates.id, cert.id));
    });

    test('company change: the enterprise applies prefilled, the departments approve, results are issued once and verify', async () => {
      const c = await as(t, 'enterprise');
      const pre = await c.req('POST', '/api/gov/prefill', { itemId: 'item_enterprise_info_change', consent: ALL_CONSENT });
      assert.equal(pre.status, 200, JSON.stringify(pre.body));
      assert.ok(pre.body.fields.some((f: { status: string }) => f.status === 'filled'), 'the enterprise registry fills part of the form');
      const body = { itemId: 'item_enterprise_info_change', idempotencyKey: 'company-change-0001', draftId: pre.body.draftId, channel: 'app', consent: ALL_CONSENT, answers: answersFor(pre.body), materials: materialsFor(pre.body) };
      const r = await c.req('POST', '/api/gov/applications', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = r.body.application.id as string;
      const order = await workUntilDone(t, id, ['officer-market', 'officer-tax', 'officer-hrss', 'officer-medins', 'officer-housing', 'officer-bank', 'officer-police', 'officer-health']);
      assert.ok(order.length >= 2, `approved: ${order.join(', ')}`);
      const app = await c.req('GET', `/api/gov/applications/${id}`);
      assert.equal(app.body.status, 'issued', JSON.stringify(app.body.tasks?.map((x: { serviceId: string; state: string }) => [x.serviceId, x.state])));
      assert.ok(app.body.certificates.length > 0);
      const anon = client(t.url, {});
      for (const cert of app.body.certificates) assert.equal((await anon.req('GET', `/api/public/gov/verify/${cert.id}`)).body.result, 'valid');
      const [row] = await govOf(t).deps.db.select({ n: sql<number>`count(*)::int` }).from(govCertificates).where(eq(govCertificates.applicationId, id));
      assert.equal(row!.n, app.body.certificates.length, 'issued once');
      // Another enterprise user's view: the citizen cannot read it.
      assert.equal((await (await as(t, 'citizen')).req('GET', `/api/gov/applications/${id}`)).status, 404);
    });

    test('the citizen sees who looked at their data, for which application and when', async () => {
      const log = await (await as(t, 'citizen')).req('GET', '/api/gov/access-log');
      const entries = log.body.items.filter((e: { applicationId: string; allowed: boolean }) => e.applicationId === appId && e.allowed);
      assert.ok(entries.some((e: { actorRole: string }) => e.actorRole === 'officer'));
      assert.ok(entries.some((e: { registry: string }) => e.registry === 'certificates'));
      assert.ok(entries.every((e: { at: string }) => !Number.isNaN(Date.parse(e.at))));
    });
  });

  describe('gov: privacy', () => {
    test('the event log (what operators and logs see) carries no personal data', async () => {
      const db = govOf(t).deps.db;
      const link = await db.execute(sql`select resident_id from gov_user_links l join users u on u.id = l.user_id where u.username = 'citizen'`);
      const residentId = (link as unknown as { rows: { resident_id: string }[] }).rows[0]!.resident_id;
      const person = await govOf(t).registry.person(residentId);
      const rows = await db.execute(sql`select kind, data::text as d from events where kind like 'gov.%'`);
      const list = (rows as unknown as { rows: { kind: string; d: string }[] }).rows;
      assert.ok(list.length > 5);
      const all = list.map((r) => r.d).join('\n');
      assert.ok(!all.includes(residentId));
      assert.ok(!all.includes(person!.name));
    });
  });

  describe('gov: 承诺办, window, metrics, SLA', () => {
    test('承诺办: approve on commitment, issue, then revoke on failed verification', async () => {
      const c = await as(t, 'citizen2');
      const pre = await c.req('POST', '/api/gov/prefill', { itemId: 'item_retirement', consent: ALL_CONSENT });
      assert.equal(pre.status, 200, JSON.stringify(pre.body));
      const materials = pre.body.materials
        .filter((m: { status: string }) => m.status === 'commitment' || m.status === 'upload')
        .map((m: { materialId: string; status: string }) => (m.status === 'commitment' ? { materialId: m.materialId, kind: 'commitment' } : { materialId: m.materialId, kind: 'upload', fileName: 'x.pdf', sha256: sha(m.materialId) }));
      const sub = await c.req('POST', '/api/gov/applications', { itemId: 'item_retirement', idempotencyKey: 'retire-0001', consent: ALL_CONSENT, answers: answersFor(pre.body), materials, commitment: { statement: '本人承诺所填信息真实有效，如有不实愿承担责任。', signed: true } });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      const id = sub.body.application.id;
      const hrss = await as(t, 'officer-hrss');
      const q = (await hrss.req('GET', '/api/gov/tasks')).body.items.find((e: { applicationId: string }) => e.applicationId === id);
      assert.ok(q.allowedActions.includes('approve_on_commitment'));
      assert.equal((await hrss.req('POST', `/api/gov/applications/${id}/tasks/svc_rt_pension_claim/actions`, { action: 'approve_on_commitment' })).status, 200);
      await workUntilDone(t, id, ['officer-housing', 'officer-medins', 'officer-hrss']);
      const issued = await c.req('GET', `/api/gov/applications/${id}`);
      assert.equal(issued.body.status, 'issued');
      const cert = issued.body.certificates.find((x: { serviceId: string }) => x.serviceId === 'svc_rt_pension_claim');
      assert.equal((await client(t.url, {}).req('GET', `/api/public/gov/verify/${cert.id}`)).body.result, 'valid');
      const noReason = await hrss.req('POST', `/api/gov/applications/${id}/tasks/svc_rt_pension_claim/actions`, { action: 'verify_failed' });
      assert.equal(noReason.status, 400);
      const fail = await hrss.req('POST', `/api/gov/applications/${id}/tasks/svc_rt_pension_claim/actions`, { action: 'verify_failed', reason: '缴费记录与承诺不符' });
      assert.equal(fail.status, 200, JSON.stringify(fail.body));
      assert.equal(fail.body.status, 'revoked');
      assert.equal((await client(t.url, {}).req('GET', `/api/public/gov/verify/${cert.id}`)).body.result, 'revoked');
    });

    test('window: take a ticket, call it, file any item for a person; the citizen sees it', async () => {
      const w = await as(t, 'window');
      const ticket = await w.req('POST', '/api/gov/tickets');
      assert.equal(ticket.status, 201);
      const called = await w.req('POST', '/api/gov/tickets/next');
      assert.ok(called.body.ticket);
      const me = await (await as(t, 'citizen')).req('GET', '/api/gov/me');
      assert.ok(me.body.person);
      // The window looks the person up by the number the citizen shows; the citizen's own link gives it here.
      const link = await govOf(t).deps.db.execute(sql`select resident_id from gov_user_links l join users u on u.id = l.user_id where u.username = 'citizen'`);
      const residentId = (link as unknown as { rows: { resident_id: string }[] }).rows[0]!.resident_id;
      const pre = await w.req('POST', '/api/gov/prefill', { itemId: 'item_social_security_card', consent: ALL_CONSENT, applicant: { residentId } });
      assert.equal(pre.status, 200, JSON.stringify(pre.body));
      const sub = await w.req('POST', '/api/gov/applications', { itemId: 'item_social_security_card', idempotencyKey: 'window-ssc-0001', consent: ALL_CONSENT, applicant: { residentId }, answers: answersFor(pre.body), materials: materialsFor(pre.body), ticketId: called.body.ticket.id });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      assert.equal(sub.body.application.channel, 'window');
      const seen = await (await as(t, 'citizen')).req('GET', `/api/gov/applications/${sub.body.application.id}`);
      assert.equal(seen.status, 200);
    });

    test('roles are checked at the route: a role an action is not for gets 403 before any case is read', async () => {
      const citizen = await as(t, 'citizen');
      const officer = await as(t, 'officer-health');
      for (const [who, method, path, body] of [
        [await as(t, 'operator'), 'POST', '/api/gov/tickets/next', undefined],
        [officer, 'POST', '/api/gov/tickets', undefined],
        [citizen, 'GET', '/api/gov/tasks', undefined],
        [citizen, 'GET', '/api/gov/tickets', undefined],
        // No such case: a 404 would mean the service ran before the role was checked.
        [citizen, 'POST', '/api/gov/applications/app_nosuchcase/tasks/svc_nb_household_registration/actions', { action: 'accept' }],
        [officer, 'POST', '/api/gov/applications/app_nosuchcase/supplement', { answers: {}, materials: [] }],
        [officer, 'GET', '/api/gov/notifications', undefined],
      ] as const) {
        const r = await who.req(method, path, body);
        assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'FORBIDDEN');
      }
    });

    test('metrics report each figure on its own, measured from closed cases, with SLA compliance', async () => {
      const s = await as(t, 'supervisor');
      const m = await s.req('GET', '/api/gov/metrics');
      assert.equal(m.status, 200);
      const nb = m.body.items.find((i: { itemId: string }) => i.itemId === 'item_newborn');
      assert.equal(nb.closedCases, 1);
      assert.equal(nb.steps.after, 2); // submit + one supplement
      assert.equal(nb.steps.before, 9 + 1); // nine separate applications + the supplement
      assert.equal(nb.steps.published.before, 16);
      assert.ok(nb.materials.before > nb.materials.after);
      assert.equal(nb.slaCompliance, 1);
      assert.equal((await (await as(t, 'citizen')).req('GET', '/api/gov/metrics')).status, 403);
    });

    test('SLA clocks run in working days and escalate to the supervisor', async () => {
      const gov = govOf(t);
      const later = new GovService({ ...gov.deps, calendar: createWorkingCalendar(), clock: { now: () => Date.now() + 30 * 86_400_000 } });
      const r = await later.sweepSla();
      assert.ok(r.changed >= 1);
      const s = await as(t, 'supervisor');
      const q = await s.req('GET', '/api/gov/tasks?escalated=true');
      assert.ok(q.body.items.length >= 1);
      assert.ok(q.body.items.every((e: { escalation: string }) => e.escalation === 'supervisor'));
      const sup: Principal = { userId: 'x', username: 'x', displayName: 'x', role: 'supervisor', tenantId: null, department: null, via: 'session' };
      assert.ok((await later.queue(sup, { escalated: true })).length >= 1);
    });
  });
}
