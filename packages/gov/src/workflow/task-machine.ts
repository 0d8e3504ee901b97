/** The life of one service task inside an application, as a typed transition table. */

export const taskStates = ['pending', 'ready', 'accepted', 'supplement_requested', 'approved', 'rejected', 'cancelled', 'revoked'] as const;
export type TaskState = (typeof taskStates)[number];

export const taskActions = [
  'release', 'accept', 'request_supplement', 'submit_supplement', 'approve', 'reject',
  'approve_on_commitment', 'verify_passed', 'verify_failed', 'cancel',
] as const;
export type TaskAction = (typeof taskActions)[number];

export type ActorKind = 'system' | 'officer' | 'applicant' | 'window';

/**
 * pending → ready when every dependency is approved (system);
 * ready → accepted (officer takes it from the department queue) or → approved on a signed commitment (承诺办);
 * accepted ↔ supplement_requested; accepted → approved | rejected;
 * approved stays approved when after-the-fact verification passes, becomes revoked when it fails.
 */
export const taskTransitions = {
  pending: { release: 'ready', cancel: 'cancelled' },
  ready: { accept: 'accepted', approve_on_commitment: 'approved', cancel: 'cancelled' },
  accepted: { request_supplement: 'supplement_requested', approve: 'approved', reject: 'rejected', cancel: 'cancelled' },
  supplement_requested: { submit_supplement: 'accepted', reject: 'rejected', cancel: 'cancelled' },
  approved: { verify_passed: 'approved', verify_failed: 'revoked' },
  rejected: {},
  cancelled: {},
  revoked: {},
} as const satisfies Record<TaskState, Partial<Record<TaskAction, TaskState>>>;

/** Who may take each action; checked together with the state table. */
export const actionActors = {
  release: ['system'],
  accept: ['officer'],
  request_supplement: ['officer'],
  submit_supplement: ['applicant', 'window'],
  approve: ['officer'],
  reject: ['officer'],
  approve_on_commitment: ['officer', 'system'],
  verify_passed: ['officer', 'system'],
  verify_failed: ['officer', 'system'],
  cancel: ['system', 'applicant'],
} as const satisfies Record<TaskAction, readonly ActorKind[]>;

/** States after which the task needs nothing more from the workflow (verification may still revoke approval). */
export const terminalStates = ['approved', 'rejected', 'cancelled', 'revoked'] as const satisfies readonly TaskState[];

export function nextTaskState(state: TaskState, action: TaskAction): TaskState | undefined {
  const row: Partial<Record<TaskAction, TaskState>> = taskTransitions[state];
  return row[action];
}

export function allowedActions(state: TaskState): TaskAction[] {
  return Object.keys(taskTransitions[state]) as TaskAction[];
}

export function isTerminal(state: TaskState): boolean {
  return (terminalStates as readonly TaskState[]).includes(state);
}
