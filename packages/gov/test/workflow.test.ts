import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  allowedActions, applicationStatus, applyTaskAction, certificatesToRevoke, createApplication, createWorkingCalendar, GovError,
  planIssuance, readyServiceIds, recordIssuance, taskActions, taskStates, taskTransitions, TransitionNotAllowedError, workQueues,
  type Actor, type Application,
} from '../src/index.ts';
import { itemWithServices, MONDAY_0900 } from './fixtures.ts';

const cal = createWorkingCalendar();
const HOUR = 3_600_000;
const officerOf = (app: Application, serviceId: string): Actor => ({ kind: 'officer', id: `off_${serviceId}`, departmentId: app.tasks[serviceId]!.departmentId });

function newbornApp(extra: Partial<Parameters<typeof createApplication>[0]> = {}) {
  const { item, services } = itemWithServices('item_newborn');
  return createApplication({ id: 'app_nb', item, services, applicant: { kind: 'person', residentId: '650102199001011234' }, channel: 'app', submittedAt: MONDAY_0900, calendar: cal, ...extra });
}

function approve(app: Application, serviceId: string, at: number): Application {
  const accepted = applyTaskAction(app, { serviceId, action: 'accept', actor: officerOf(app, serviceId), at }, cal);
  return applyTaskAction(accepted, { serviceId, action: 'approve', actor: officerOf(app, serviceId), at: at + HOUR }, cal);
}

test('the transition table covers every state, and every pair outside it is refused', () => {
  assert.deepEqual(Object.keys(taskTransitions).sort(), [...taskStates].sort());
  const app = newbornApp();
  const id = 'svc_nb_birth_medical_certificate';
  for (const action of taskActions) {
    if (allowedActions('ready').includes(action) || action === 'cancel') continue;
    assert.throws(() => applyTaskAction(app, { serviceId: id, action, actor: officerOf(app, id), at: MONDAY_0900 }, cal), GovError, action);
  }
});

test('only services without dependencies start ready; household registration waits for the birth medical certificate', () => {
  let app = newbornApp();
  assert.deepEqual(readyServiceIds(app), []);
  const ready = app.order.filter((id) => app.tasks[id]!.state === 'ready');
  assert.deepEqual(ready.sort(), ['svc_nb_birth_medical_certificate', 'svc_nb_birth_registration_voucher']);
  assert.equal(app.tasks.svc_nb_household_registration!.state, 'pending');
  assert.throws(() => applyTaskAction(app, { serviceId: 'svc_nb_household_registration', action: 'accept', actor: officerOf(app, 'svc_nb_household_registration'), at: MONDAY_0900 }, cal), TransitionNotAllowedError);
  app = approve(app, 'svc_nb_birth_medical_certificate', MONDAY_0900 + HOUR);
  assert.equal(app.tasks.svc_nb_household_registration!.state, 'ready');
  assert.equal(app.tasks.svc_nb_household_registration!.readyAt, MONDAY_0900 + 2 * HOUR);
  assert.ok(app.tasks.svc_nb_household_registration!.dueAt! > MONDAY_0900);
});

test('an officer of another department, or an applicant, cannot approve', () => {
  const app = newbornApp();
  const id = 'svc_nb_birth_medical_certificate';
  const accepted = applyTaskAction(app, { serviceId: id, action: 'accept', actor: officerOf(app, id), at: MONDAY_0900 }, cal);
  assert.throws(() => applyTaskAction(accepted, { serviceId: id, action: 'approve', actor: { kind: 'officer', id: 'o', departmentId: 'dept_tax' }, at: MONDAY_0900 }, cal), (e: GovError) => e.code === 'WRONG_DEPARTMENT');
  assert.throws(() => applyTaskAction(accepted, { serviceId: id, action: 'approve', actor: { kind: 'applicant', id: 'a' }, at: MONDAY_0900 }, cal), TransitionNotAllowedError);
});

test('supplement round trip, then status and work queues follow the tasks', () => {
  let app = newbornApp();
  const id = 'svc_nb_birth_medical_certificate';
  app = applyTaskAction(app, { serviceId: id, action: 'accept', actor: officerOf(app, id), at: MONDAY_0900 }, cal);
  app = applyTaskAction(app, { serviceId: id, action: 'request_supplement', actor: officerOf(app, id), at: MONDAY_0900, reason: 'photo unreadable' }, cal);
  assert.equal(applicationStatus(app), 'supplement_needed');
  app = applyTaskAction(app, { serviceId: id, action: 'submit_supplement', actor: { kind: 'applicant', id: 'a' }, at: MONDAY_0900 + HOUR, channel: 'window' }, cal);
  assert.equal(applicationStatus(app), 'in_progress');
  const queues = workQueues([app]);
  assert.deepEqual(queues.get('dept_health')!.map((q) => q.serviceId).sort(), [id, 'svc_nb_birth_registration_voucher'].sort());
  assert.equal(queues.get('dept_public_security'), undefined, 'nothing queued where dependencies are open');
});

test('a rejection cancels the services that depend on it, and the application ends rejected', () => {
  let app = newbornApp();
  const id = 'svc_nb_birth_medical_certificate';
  app = applyTaskAction(app, { serviceId: id, action: 'accept', actor: officerOf(app, id), at: MONDAY_0900 }, cal);
  app = applyTaskAction(app, { serviceId: id, action: 'reject', actor: officerOf(app, id), at: MONDAY_0900 }, cal);
  for (const dep of ['svc_nb_household_registration', 'svc_nb_social_security_card', 'svc_nb_insurance_contribution', 'svc_nb_vaccination_record']) {
    assert.equal(app.tasks[dep]!.state, 'cancelled', dep);
  }
  app = approve(app, 'svc_nb_birth_registration_voucher', MONDAY_0900);
  assert.equal(applicationStatus(app), 'rejected');
  assert.throws(() => planIssuance(app), (e: GovError) => e.code === 'NOT_READY_FOR_ISSUANCE');
});

/** Drive an application by always acting on one of the ready tasks, chosen by fast-check. */
function runToCompletion(app: Application, picks: number[]): Application {
  let t = MONDAY_0900;
  let i = 0;
  for (;;) {
    const ready = app.order.filter((id) => app.tasks[id]!.state === 'ready');
    if (ready.length === 0) return app;
    const id = ready[(picks[i++ % Math.max(1, picks.length)] ?? 0) % ready.length]!;
    t += HOUR;
    app = approve(app, id, t);
  }
}

test('whatever order officers work in, no task is released before all its dependencies are approved', () => {
  for (const itemId of ['item_newborn', 'item_enterprise_info_change', 'item_open_transport_enterprise', 'item_retirement', 'item_credit_repair']) {
    const { item, services } = itemWithServices(itemId);
    fc.assert(fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 30 }), (picks) => {
      const start = createApplication({ id: 'a', item, services, applicant: { kind: 'person', residentId: 'x' }, channel: 'web', submittedAt: MONDAY_0900, calendar: cal });
      const done = runToCompletion(start, picks);
      assert.equal(applicationStatus(done), 'completed');
      for (const id of done.order) {
        const task = done.tasks[id]!;
        const released = task.history.find((e) => e.action === 'release')!;
        for (const dep of task.dependsOn) {
          const approvedAt = done.tasks[dep]!.history.find((e) => e.to === 'approved')!.at;
          assert.ok(approvedAt <= released.at, `${id} released before ${dep} was approved`);
        }
      }
    }), { numRuns: 40 });
  }
});

test('results are issued once, only when every task is approved', () => {
  let app = newbornApp();
  assert.throws(() => planIssuance(app), (e: GovError) => e.code === 'NOT_READY_FOR_ISSUANCE');
  app = runToCompletion(app, [0]);
  const plan = planIssuance(app);
  assert.deepEqual(plan.map((p) => p.certificateType).sort(), ['BIRTH_MEDICAL_CERT', 'BIRTH_REGISTRATION_VOUCHER', 'HOUSEHOLD_REGISTER', 'SOCIAL_SECURITY_CARD', 'VACCINATION_RECORD']);
  assert.throws(() => recordIssuance(app, plan.slice(1).map((p, i) => ({ ...p, certificateId: `c${i}` })), MONDAY_0900), (e: GovError) => e.code === 'ISSUANCE_MISMATCH');
  const issued = recordIssuance(app, plan.map((p, i) => ({ ...p, certificateId: `c${i}` })), MONDAY_0900 + 100 * HOUR);
  assert.equal(applicationStatus(issued), 'issued');
  assert.throws(() => planIssuance(issued), (e: GovError) => e.code === 'ALREADY_ISSUED');
});

test('承诺办: approval on a signed commitment, verified afterwards; a failed check revokes the task and its certificates', () => {
  const { item, services } = itemWithServices('item_retirement');
  const base = { id: 'app_rt', item, services, applicant: { kind: 'person' as const, residentId: 'x' }, channel: 'web' as const, submittedAt: MONDAY_0900, calendar: cal };
  const claim = 'svc_rt_pension_claim';
  const system: Actor = { kind: 'system', id: 'system' };
  const unsigned = createApplication(base);
  assert.throws(() => applyTaskAction(unsigned, { serviceId: claim, action: 'approve_on_commitment', actor: system, at: MONDAY_0900 }, cal), (e: GovError) => e.code === 'COMMITMENT_MISSING');

  let app = createApplication({ ...base, commitment: { statementSha256: 'ab'.repeat(32), signedAt: MONDAY_0900 } });
  app = applyTaskAction(app, { serviceId: claim, action: 'approve_on_commitment', actor: system, at: MONDAY_0900 }, cal);
  assert.equal(app.tasks[claim]!.state, 'approved');
  assert.equal(app.tasks[claim]!.verification, 'pending');
  assert.equal(app.tasks.svc_rt_housing_fund_sealing!.state, 'ready', 'dependants run on the provisional approval');
  // A service that does not allow commitments refuses it even with a signature.
  assert.throws(() => applyTaskAction(app, { serviceId: 'svc_rt_housing_fund_sealing', action: 'approve_on_commitment', actor: system, at: MONDAY_0900 }, cal), (e: GovError) => e.code === 'COMMITMENT_NOT_ALLOWED');

  app = runToCompletion(app, [0]);
  const plan = planIssuance(app);
  app = recordIssuance(app, plan.map((p, i) => ({ ...p, certificateId: `cert_${i}` })), MONDAY_0900 + 50 * HOUR);
  const failed = applyTaskAction(app, { serviceId: claim, action: 'verify_failed', actor: officerOf(app, claim), at: MONDAY_0900 + 200 * HOUR, reason: 'commitment untrue' }, cal);
  assert.equal(failed.tasks[claim]!.state, 'revoked');
  assert.equal(applicationStatus(failed), 'revoked');
  assert.deepEqual(certificatesToRevoke(failed, claim), app.issuance!.certificates.filter((c) => c.serviceId === claim).map((c) => c.certificateId));
  assert.ok(certificatesToRevoke(failed, claim).length > 0);

  const passed = applyTaskAction(app, { serviceId: claim, action: 'verify_passed', actor: officerOf(app, claim), at: MONDAY_0900 + 200 * HOUR }, cal);
  assert.equal(passed.tasks[claim]!.verification, 'passed');
  assert.equal(applicationStatus(passed), 'issued');
  // Normally approved tasks have nothing to verify.
  assert.throws(() => applyTaskAction(app, { serviceId: 'svc_rt_housing_fund_sealing', action: 'verify_failed', actor: system, at: MONDAY_0900 }, cal), TransitionNotAllowedError);
});

test('tick to apply: only the selected services run, and unselected dependencies do not block', () => {
  const { item, services } = itemWithServices('item_credit_repair');
  const app = createApplication({ id: 'app_cr', item, services, applicant: { kind: 'enterprise', creditCode: 'x', agentResidentId: 'y' }, channel: 'web', submittedAt: MONDAY_0900, calendar: cal,
    selectedServiceIds: ['svc_credit_repair_other_penalty', 'svc_credit_repair_result_sharing'] });
  assert.deepEqual(app.order, ['svc_credit_repair_other_penalty', 'svc_credit_repair_result_sharing']);
  assert.deepEqual(app.tasks.svc_credit_repair_result_sharing!.dependsOn, ['svc_credit_repair_other_penalty']);
  const done = approve(app, 'svc_credit_repair_other_penalty', MONDAY_0900);
  assert.equal(done.tasks.svc_credit_repair_result_sharing!.state, 'ready');
  assert.throws(() => createApplication({ id: 'a', item, services, applicant: { kind: 'person', residentId: 'x' }, channel: 'web', submittedAt: MONDAY_0900, calendar: cal, selectedServiceIds: ['svc_nb_parenting_guidance'] }), (e: GovError) => e.code === 'UNKNOWN_REFERENCE');
});
