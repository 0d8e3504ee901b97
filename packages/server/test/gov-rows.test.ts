// Stored gov rows are parsed once, in rows.ts: a row that does not hold what the engine expects is refused
// with a typed error naming the row, never handed on as a cast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '@shuzhi/schema';
import { applicationRecord, GovRowError, taskRecord } from '../src/gov/rows.ts';
import { GOV_ERROR_STATUS } from '../src/gov/errors.ts';
import { engineErrorStatus } from '../src/http/error-status.ts';

const at = new Date('2026-03-02T02:00:00Z');
const state = {
  id: 'app_rows_test',
  itemId: 'item_x',
  itemVersion: 1,
  applicant: { kind: 'person', residentId: '11010519491231002X' },
  channel: 'web',
  submittedAt: at.getTime(),
  tasks: {
    svc_a: { serviceId: 'svc_a', departmentId: 'dept_health', dependsOn: [], results: [], slaWorkingDays: 1, commitmentAllowed: false, state: 'ready', approvedOnCommitment: false, verification: 'not_required', history: [] },
  },
  order: ['svc_a'],
};
const form = { applicantName: '测试', consent: ['population'], consentAt: at.getTime(), prefill: { fields: [], materials: [], form: { fields: [], materials: [] } }, answers: {}, materials: [] };
const row = {
  id: 'app_rows_test', itemId: 'item_x', itemVersion: 1, subjectId: '11010519491231002X', applicantUserId: null, filedBy: null, channel: 'web', ticketId: null,
  idempotencyKey: 'k', status: 'in_progress', state: state as unknown, form: form as unknown, submittedAt: at, updatedAt: at, closedAt: null,
  steps: null, materials: null, trips: null, workingDays: null, beforeSteps: null, beforeMaterials: null, beforeTrips: null, beforeWorkingDays: null, slaMet: null,
};

test('a sound application row becomes a typed record', () => {
  const r = applicationRecord(row as Parameters<typeof applicationRecord>[0]);
  assert.equal(r.state.tasks['svc_a']!.state, 'ready');
  assert.equal(r.form.applicantName, '测试');
});

test('a corrupt state, form or supplement is GOV_ROW_CORRUPT (HTTP 500), naming the row and the bad path', () => {
  const badState = { ...row, state: { ...state, tasks: { svc_a: { ...state.tasks.svc_a, state: 'lost' } } } };
  assert.throws(
    () => applicationRecord(badState as Parameters<typeof applicationRecord>[0]),
    (e: unknown) => e instanceof GovRowError && e instanceof EngineError && e.code === 'GOV_ROW_CORRUPT' && /application app_rows_test \(state\).*tasks\.svc_a\.state/.test(e.message),
  );
  assert.throws(() => applicationRecord({ ...row, form: { answers: {} } } as Parameters<typeof applicationRecord>[0]), /application app_rows_test \(form\)/);
  const task = { applicationId: 'app_rows_test', serviceId: 'svc_a', departmentId: 'dept_health', state: 'supplement_requested', readyAt: null, dueAt: null, escalation: 'none', supplement: { fields: 'all' }, updatedAt: at };
  assert.throws(() => taskRecord(task as Parameters<typeof taskRecord>[0]), /task app_rows_test\/svc_a \(supplement\)/);
  assert.equal(engineErrorStatus(new GovRowError('GOV_ROW_CORRUPT', 'x')), GOV_ERROR_STATUS.GOV_ROW_CORRUPT);
  assert.equal(GOV_ERROR_STATUS.GOV_ROW_CORRUPT, 500);
});
