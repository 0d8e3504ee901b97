/** Every error of the render engine carries a stable `code` the HTTP layer maps to problem+json. */
export class RenderError extends Error {
  readonly code: string;
  readonly fields: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, fields: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.fields = fields;
  }
}

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
  readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    const first = issues[0];
    const summary = first ? `${first.path || '(root)'}: ${first.message}` : 'invalid render job';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('RENDER_JOB_INVALID', `Render job spec is invalid: ${summary}${more}`, { issues });
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
