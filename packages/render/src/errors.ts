import { EngineError } from '@shuzhi/schema';

/** Stable codes of the render engine: the server maps each to an HTTP status (render/errors.ts there). */
export const RENDER_ERROR_CODES = [
  'FRAMES_INVALID',
  'RENDER_JOB_INVALID',
  'LEASE_STALE',
  'TRANSITION_INVALID',
  'RENDER_NOT_FOUND',
  'RENDER_DUPLICATE',
  'RENDER_COMMAND_INVALID',
  'RENDER_RESTORE_INVALID',
  'RENDER_JOB_TYPE_INVALID',
] as const;

export type RenderErrorCode = (typeof RENDER_ERROR_CODES)[number];

export class RenderError extends EngineError<RenderErrorCode> {}

export type FramesInvalidReason =
  | 'empty'
  | 'syntax'
  | 'reversed'
  | 'step'
  | 'frame-too-large'
  | 'too-long'
  | 'too-many-ranges'
  | 'too-many-frames'
  | 'overlap';

export class FramesInvalidError extends RenderError {
  readonly reason: FramesInvalidReason;
  readonly position: number | null;
  constructor(reason: FramesInvalidReason, message: string, position: number | null = null, extra: Record<string, unknown> = {}) {
    super('FRAMES_INVALID', message, { reason, position, ...extra });
    this.reason = reason;
    this.position = position;
  }
}

export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

export class JobSpecInvalidError extends RenderError {
  override readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    const first = issues[0];
    const summary = first ? `${first.path || '(root)'}: ${first.message}` : 'invalid render job';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('RENDER_JOB_INVALID', `Render job spec is invalid: ${summary}${more}`, { issues });
    this.issues = issues;
  }
}

export class JobTypeInvalidError extends RenderError {
  override readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('RENDER_JOB_TYPE_INVALID', `Render job type is invalid: ${first ? `${first.path || '(root)'}: ${first.message}` : 'invalid'}${more}`, { issues });
    this.issues = issues;
  }
}

/** A report from an attempt that no longer owns the task (HTTP 409). */
export class LeaseStaleError extends RenderError {
  constructor(taskId: string, attempt: number, reason: string, fields: Record<string, unknown> = {}) {
    super('LEASE_STALE', `Task ${taskId} attempt ${attempt} no longer holds the lease (${reason}); drop this run's results.`, {
      taskId,
      attempt,
      reason,
      ...fields,
    });
  }
}

export class TransitionInvalidError extends RenderError {
  constructor(entity: 'job' | 'task', id: string, from: string, event: string) {
    super('TRANSITION_INVALID', `Cannot ${event} ${entity} ${id} while it is ${from}.`, { entity, id, from, event });
  }
}

export class RenderNotFoundError extends RenderError {
  constructor(kind: 'job' | 'task' | 'node', id: string) {
    super('RENDER_NOT_FOUND', `No ${kind} ${id} is known to the dispatcher.`, { kind, id });
  }
}

export class RenderDuplicateError extends RenderError {
  constructor(kind: 'job', id: string) {
    super('RENDER_DUPLICATE', `A ${kind} with id ${id} already exists.`, { kind, id });
  }
}

export class CommandInvalidError extends RenderError {
  constructor(message: string, fields: Record<string, unknown> = {}) {
    super('RENDER_COMMAND_INVALID', message, fields);
  }
}

export class RestoreInvalidError extends RenderError {
  constructor(message: string, fields: Record<string, unknown> = {}) {
    super('RENDER_RESTORE_INVALID', message, fields);
  }
}
