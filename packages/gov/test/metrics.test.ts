import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  applyTaskAction, caseRecord, catalogueSeed, createApplication, createWorkingCalendar, issueApplication, itemMetrics, makeCreditCode,
  prefill, registryNames, taskSlaCompliance, verifyCertificate, type Application, type CaseRecord, type GovError,
} from '../src/index.ts';
import { itemWithServices, MONDAY_0900, newbornFamily, registries } from './fixtures.ts';

const cal = createWorkingCalendar();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function completeNewborn(channel: 'app' | 'window', supplementAtWindow: boolean, dayPerTask: boolean): Application {
  const { item, services } = itemWithServices('item_newborn');
  const { father } = newbornFamily();
  let app = createApplication({ id: `app_${channel}`, item, services, applicant: { kind: 'person', residentId: father.residentId }, channel, submittedAt: MONDAY_0900, calendar: cal });
  let t = MONDAY_0900;
  let first = true;
  for (;;) {
    const ready = app.order.filter((id) => app.tasks[id]!.state === 'ready');
    if (ready.length === 0) return app;
    for (const id of ready) {
      const officer = { kind: 'officer' as const, id: 'o', departmentId: app.tasks[id]!.departmentId };
      t += dayPerTask ? DAY : HOUR;
      app = applyTaskAction(app, { serviceId: id, action: 'accept', actor: officer, at: t }, cal);
      if (first && supplementAtWindow) {
        app = applyTaskAction(app, { serviceId: id, action: 'request_supplement', actor: officer, at: t }, cal);
        app = applyTaskAction(app, { serviceId: id, action: 'submit_supplement', actor: { kind: 'applicant', id: 'a' }, at: t, channel: 'window' }, cal);
      }
      first = false;
      app = applyTaskAction(app, { serviceId: id, action: 'approve', actor: officer, at: t + HOUR }, cal);
    }
  }
}

test('case records count the applicant’s steps, trips and materials, and working days to completion', () => {
  const { item, services } = itemWithServices('item_newborn');
  const { father } = newbornFamily();
  const pf = prefill({ item, services, applicant: { kind: 'person', residentId: father.residentId }, registries, consent: { registries: registryNames, givenAt: MONDAY_0900 }, purpose: 'x' });
  const online = caseRecord(completeNewborn('app', false, false), pf, cal);
  assert.deepEqual({ steps: online.steps, trips: online.trips, materials: online.materials }, { steps: 1, trips: 0, materials: 0 });
  assert.equal(online.workingDays, 0, 'all tasks finished on the Monday it was submitted');
  const counter = caseRecord(completeNewborn('window', true, false), pf, cal);
  assert.deepEqual({ steps: counter.steps, trips: counter.trips }, { steps: 2, trips: 2 });
  const slow = caseRecord(completeNewborn('app', false, true), pf, cal);
  assert.ok(slow.workingDays! >= 5, `took ${slow.workingDays} working days`);
});

test('each figure is reported on its own against the catalogue’s before value, with SLA compliance', () => {
  const item = catalogueSeed.items.find((i) => i.id === 'item_newborn')!;
  const rec = (id: string, steps: number, materials: number, trips: number, workingDays: number | null, channel: CaseRecord['channel']): CaseRecord =>
    ({ applicationId: id, itemId: item.id, channel, steps, materials, trips, workingDays });
  const cases = [rec('a', 1, 0, 0, 2, 'app'), rec('b', 3, 2, 2, 7, 'window'), rec('c', 2, 1, 1, null, 'app'), { ...rec('d', 9, 9, 9, 9, 'app'), itemId: 'item_retirement' }];
  const m = itemMetrics(item, cases);
  assert.equal(m.cases, 3);
  assert.equal(m.completedCases, 2);
  assert.deepEqual(m.steps, { before: 16, after: 2, target: 3, reduction: (16 - 2) / 16 });
  assert.deepEqual(m.trips, { before: 4, after: 1, target: 1, reduction: 0.75 });
  assert.equal(m.materials.after, 1);
  assert.equal(m.workingDays.after, 4.5, 'open cases do not count towards working days');
  assert.equal(m.slaCompliance, 0.5, 'promise of 5 working days: 2 met, 7 missed');
  assert.deepEqual(m.byChannel, { app: 2, window: 1 });
  const retirement = itemMetrics(catalogueSeed.items.find((i) => i.id === 'item_retirement')!, cases);
  assert.equal(retirement.steps.before, null);
  assert.equal(retirement.steps.reduction, null, 'no reduction without a sourced before value');
  assert.equal(retirement.slaCompliance, null, 'no promise, no compliance figure');
});

test('task SLA compliance compares approval with each task’s due time', () => {
  const fast = taskSlaCompliance([completeNewborn('app', false, false)]);
  assert.equal(fast.rate, 1);
  const slow = taskSlaCompliance([completeNewborn('app', false, true)]);
  assert.ok(slow.rate! < 1);
  assert.equal(slow.tasks, 9);
});

test('issuing an application signs one verifiable certificate per result, and only once', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const app = completeNewborn('app', false, false);
  const issuerCodes = Object.fromEntries(catalogueSeed.departments.map((d, i) => [d.id, makeCreditCode('1', '1', '650100', String(10_000_000 + i))]));
  let serial = 0;
  const input = { catalogue: catalogueSeed, issuerCodes, holder: { kind: 'person' as const, id: 'ref_1', name: '测试居民' }, nextSerial: () => ++serial, at: MONDAY_0900 + DAY, privateKey, keyId: 'k1' };
  const { app: issued, certificates } = issueApplication({ ...input, app });
  assert.equal(certificates.length, 5);
  assert.ok(certificates.every((c) => verifyCertificate(c, publicKey) === 'valid'));
  assert.equal(new Set(certificates.map((c) => c.body.id)).size, 5);
  assert.deepEqual(issued.issuance!.certificates.map((c) => c.certificateId), certificates.map((c) => c.body.id));
  assert.throws(() => issueApplication({ ...input, app: issued }), (e: GovError) => e.code === 'ALREADY_ISSUED');
});
