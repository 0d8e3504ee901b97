/**
 * An application (one 一件事 case) as pure data plus pure transitions: each constituent service is a task;
 * tasks become ready only when the services they depend on are approved (出生医学证明 before 出生登记), run
 * in parallel otherwise, and the application's results are issued once, when every task is done.
 */
import type { Item, Service } from '../catalogue/model.ts';
import type { Applicant } from '../registry/model.ts';
import { AlreadyIssuedError, GuardFailedError, NotReadyForIssuanceError, TransitionNotAllowedError, UnknownReferenceError } from '../errors.ts';
import { slaDueAt, type WorkingCalendar } from '../calendar/working-days.ts';
import { actionActors, isTerminal, nextTaskState, type ActorKind, type TaskAction, type TaskState } from './task-machine.ts';

export const channels = ['web', 'app', 'window', 'kiosk', 'hotline'] as const;
export type Channel = (typeof channels)[number];

export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
  /** Officers act for one department only. */
  readonly departmentId?: string;
}

export interface Commitment {
  /** Hash of the commitment text the applicant signed. */
  readonly statementSha256: string;
  readonly signedAt: number;
}

export interface TaskEvent {
  readonly action: TaskAction | 'create';
  readonly from: TaskState | null;
  readonly to: TaskState;
  readonly actor: Actor;
  readonly at: number;
  readonly channel?: Channel;
  readonly reason?: string;
}

export interface Task {
  readonly serviceId: string;
  readonly departmentId: string;
  readonly dependsOn: readonly string[];
  readonly results: readonly string[];
  readonly slaWorkingDays: number;
  readonly commitmentAllowed: boolean;
  readonly state: TaskState;
  /** The SLA clock starts when the task lands in the department's queue, so an untouched task still escalates. */
  readonly readyAt?: number;
  readonly dueAt?: number;
  readonly approvedOnCommitment: boolean;
  readonly verification: 'not_required' | 'pending' | 'passed' | 'failed';
  readonly history: readonly TaskEvent[];
}

export interface Issuance {
  readonly issuedAt: number;
  readonly certificates: readonly { serviceId: string; certificateType: string; certificateId: string }[];
}

export interface Application {
  readonly id: string;
  readonly itemId: string;
  readonly itemVersion: number;
  readonly applicant: Applicant;
  readonly channel: Channel;
  readonly submittedAt: number;
  readonly commitment?: Commitment;
  readonly tasks: Readonly<Record<string, Task>>;
  /** Service ids in a dependency-respecting order (the item's order). */
  readonly order: readonly string[];
  readonly issuance?: Issuance;
}

export interface CreateApplicationInput {
  id: string;
  item: Item;
  services: readonly Service[];
  applicant: Applicant;
  channel: Channel;
  submittedAt: number;
  commitment?: Commitment;
  /** Tick-to-apply (勾选即办): run only these services; dependencies on unselected services do not block. */
  selectedServiceIds?: readonly string[];
  calendar: WorkingCalendar;
}

const SYSTEM: Actor = { kind: 'system', id: 'system' };

export function createApplication(input: CreateApplicationInput): Application {
  const byId = new Map(input.services.map((s) => [s.id, s]));
  const selected = input.selectedServiceIds ?? input.item.services;
  for (const id of selected) {
    if (!input.item.services.includes(id) || !byId.has(id)) throw new UnknownReferenceError(`service of ${input.item.id}`, id);
  }
  const order = input.item.services.filter((id) => selected.includes(id));
  const tasks: Record<string, Task> = {};
  for (const id of order) {
    const s = byId.get(id)!;
    tasks[id] = {
      serviceId: id,
      departmentId: s.departmentId,
      dependsOn: s.dependsOn.filter((d) => order.includes(d)),
      results: s.results,
      slaWorkingDays: s.slaWorkingDays,
      commitmentAllowed: s.commitmentAllowed,
      state: 'pending',
      approvedOnCommitment: false,
      verification: 'not_required',
      history: [{ action: 'create', from: null, to: 'pending', actor: SYSTEM, at: input.submittedAt, channel: input.channel }],
    };
  }
  const app: Application = {
    id: input.id, itemId: input.item.id, itemVersion: input.item.version, applicant: input.applicant, channel: input.channel,
    submittedAt: input.submittedAt, ...(input.commitment ? { commitment: input.commitment } : {}), tasks, order,
  };
  return releaseReadyTasks(app, input.submittedAt, input.calendar);
}

/** Pending tasks whose dependencies are all approved. */
export function readyServiceIds(app: Application): string[] {
  return app.order.filter((id) => {
    const t = app.tasks[id]!;
    return t.state === 'pending' && t.dependsOn.every((d) => app.tasks[d]?.state === 'approved');
  });
}

function transition(task: Task, action: TaskAction, actor: Actor, at: number, extra: Partial<Task> = {}, reason?: string, channel?: Channel): Task {
  const to = nextTaskState(task.state, action);
  if (to === undefined) throw new TransitionNotAllowedError(task.serviceId, task.state, action);
  const event: TaskEvent = { action, from: task.state, to, actor, at, ...(reason ? { reason } : {}), ...(channel ? { channel } : {}) };
  return { ...task, ...extra, state: to, history: [...task.history, event] };
}

function releaseReadyTasks(app: Application, at: number, calendar: WorkingCalendar): Application {
  const ready = readyServiceIds(app);
  if (ready.length === 0) return app;
  const tasks = { ...app.tasks };
  for (const id of ready) {
    const t = tasks[id]!;
    tasks[id] = transition(t, 'release', SYSTEM, at, { readyAt: at, dueAt: slaDueAt(at, t.slaWorkingDays, calendar) });
  }
  return { ...app, tasks };
}

/** Every task that (transitively) depends on `serviceId`. */
export function dependentsOf(app: Application, serviceId: string): string[] {
  const out = new Set<string>();
  const visit = (id: string) => {
    for (const other of app.order) {
      if (!out.has(other) && app.tasks[other]!.dependsOn.includes(id)) { out.add(other); visit(other); }
    }
  };
  visit(serviceId);
  return app.order.filter((id) => out.has(id));
}

export interface TaskActionInput {
  serviceId: string;
  action: TaskAction;
  actor: Actor;
  at: number;
  reason?: string;
  channel?: Channel;
}

/**
 * Apply one action to one task and everything it implies: approval releases the dependants that are now
 * unblocked; rejection or revocation cancels the dependants that have not run. Throws
 * TransitionNotAllowedError (HTTP 409) on an action the table or the actor table does not allow.
 */
export function applyTaskAction(app: Application, input: TaskActionInput, calendar: WorkingCalendar): Application {
  const task = app.tasks[input.serviceId];
  if (!task) throw new UnknownReferenceError(`task of ${app.id}`, input.serviceId);
  if (input.action === 'release') throw new TransitionNotAllowedError(task.serviceId, task.state, input.action, 'tasks are released by the engine when their dependencies are approved');
  if (!(actionActors[input.action] as readonly ActorKind[]).includes(input.actor.kind)) {
    throw new TransitionNotAllowedError(task.serviceId, task.state, input.action, `a ${input.actor.kind} may not do this`);
  }
  if (input.actor.kind === 'officer' && input.actor.departmentId !== task.departmentId) {
    throw new GuardFailedError('WRONG_DEPARTMENT', `Task ${task.serviceId} belongs to ${task.departmentId}; an officer of ${input.actor.departmentId ?? 'no department'} cannot act on it.`, { serviceId: task.serviceId });
  }
  let extra: Partial<Task> = {};
  if (input.action === 'approve_on_commitment') {
    if (!task.commitmentAllowed) throw new GuardFailedError('COMMITMENT_NOT_ALLOWED', `Service ${task.serviceId} does not accept approval on commitment (承诺办); process it normally.`, { serviceId: task.serviceId });
    if (!app.commitment) throw new GuardFailedError('COMMITMENT_MISSING', `Application ${app.id} has no signed commitment; ask the applicant to sign one or process the task normally.`, { applicationId: app.id });
    extra = { approvedOnCommitment: true, verification: 'pending' };
  }
  if ((input.action === 'verify_passed' || input.action === 'verify_failed') && task.verification !== 'pending') {
    throw new TransitionNotAllowedError(task.serviceId, task.state, input.action, 'only tasks approved on commitment await verification');
  }
  if (input.action === 'verify_passed') extra = { verification: 'passed' };
  if (input.action === 'verify_failed') extra = { verification: 'failed' };

  const updated = transition(task, input.action, input.actor, input.at, extra, input.reason, input.channel);
  let next: Application = { ...app, tasks: { ...app.tasks, [task.serviceId]: updated } };
  if (updated.state === 'approved') next = releaseReadyTasks(next, input.at, calendar);
  if (updated.state === 'rejected' || updated.state === 'revoked') {
    const tasks = { ...next.tasks };
    for (const id of dependentsOf(next, task.serviceId)) {
      const t = tasks[id]!;
      if (t.state === 'pending' || t.state === 'ready') tasks[id] = transition(t, 'cancel', SYSTEM, input.at, {}, `dependency ${task.serviceId} ${updated.state}`);
    }
    next = { ...next, tasks };
  }
  return next;
}

export type ApplicationStatus = 'in_progress' | 'supplement_needed' | 'completed' | 'issued' | 'rejected' | 'revoked';

/** Status derived from the tasks, never stored, so it cannot drift from them. */
export function applicationStatus(app: Application): ApplicationStatus {
  const states = app.order.map((id) => app.tasks[id]!.state);
  if (states.includes('revoked')) return 'revoked';
  if (states.some((s) => !isTerminal(s))) return states.includes('supplement_requested') ? 'supplement_needed' : 'in_progress';
  if (states.every((s) => s === 'approved')) return app.issuance ? 'issued' : 'completed';
  return 'rejected';
}

export interface IssuancePlanEntry {
  serviceId: string;
  certificateType: string;
}

/** What to issue: every result of every task, once. Throws when tasks are open or results were issued. */
export function planIssuance(app: Application): IssuancePlanEntry[] {
  if (app.issuance) throw new AlreadyIssuedError(app.id);
  const open = app.order.filter((id) => app.tasks[id]!.state !== 'approved');
  if (open.length > 0) throw new NotReadyForIssuanceError(app.id, open);
  return app.order.flatMap((id) => app.tasks[id]!.results.map((certificateType) => ({ serviceId: id, certificateType })));
}

/** Record the issued certificates; they must match the plan exactly. */
export function recordIssuance(app: Application, certificates: Issuance['certificates'], at: number): Application {
  const plan = planIssuance(app);
  const key = (x: IssuancePlanEntry) => `${x.serviceId}|${x.certificateType}`;
  const planned = plan.map(key).sort();
  const given = certificates.map(key).sort();
  if (planned.length !== given.length || planned.some((k, i) => k !== given[i])) {
    throw new GuardFailedError('ISSUANCE_MISMATCH', `Issued certificates of ${app.id} do not match the issuance plan; issue exactly one certificate per planned result.`, { planned, given });
  }
  return { ...app, issuance: { issuedAt: at, certificates } };
}

/** Certificates to revoke after a failed verification of a commitment-approved task. */
export function certificatesToRevoke(app: Application, serviceId: string): string[] {
  if (app.tasks[serviceId]?.state !== 'revoked') return [];
  return (app.issuance?.certificates ?? []).filter((c) => c.serviceId === serviceId).map((c) => c.certificateId);
}

/** Open tasks per department: the back-office work queues. */
export function workQueues(apps: readonly Application[]): Map<string, { applicationId: string; serviceId: string; state: TaskState; dueAt?: number }[]> {
  const queues = new Map<string, { applicationId: string; serviceId: string; state: TaskState; dueAt?: number }[]>();
  for (const app of apps) {
    for (const id of app.order) {
      const t = app.tasks[id]!;
      if (t.state !== 'ready' && t.state !== 'accepted' && t.state !== 'supplement_requested') continue;
      const q = queues.get(t.departmentId) ?? [];
      q.push({ applicationId: app.id, serviceId: id, state: t.state, ...(t.dueAt !== undefined ? { dueAt: t.dueAt } : {}) });
      queues.set(t.departmentId, q);
    }
  }
  for (const q of queues.values()) q.sort((a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity));
  return queues;
}
