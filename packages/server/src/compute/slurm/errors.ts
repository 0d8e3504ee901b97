/** Errors of the Slurm executor. Each carries a stable `code`; none of them is ever turned into a failed task. */
export class SlurmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlurmError';
  }
}

/**
 * A Slurm command (or slurmrestd call) failed or timed out. `transient` is true for outages (controller
 * unreachable, timeouts): the executor backs off and retries; otherwise Slurm refused the request.
 */
export class SlurmCommandError extends SlurmError {
  constructor(
    readonly command: string,
    readonly output: string,
    readonly transient: boolean,
    /** `code` overrides the generic SLURM_UNAVAILABLE / SLURM_COMMAND_FAILED where a more precise one helps. */
    options?: { cause?: unknown; code?: string },
  ) {
    super(
      options?.code ?? (transient ? 'SLURM_UNAVAILABLE' : 'SLURM_COMMAND_FAILED'),
      `${command} failed${transient ? ' (Slurm controller unreachable or slow; will retry)' : ''}: ${output.trim().slice(0, 500)}`,
      options,
    );
    this.name = 'SlurmCommandError';
  }
}

export class SlurmConfigError extends SlurmError {
  constructor(message: string) {
    super('SLURM_CONFIG_INVALID', message);
    this.name = 'SlurmConfigError';
  }
}

/** Why the executor will not hand tenant code to Slurm as the configured job user. */
export type SlurmJobUserCode =
  /** The job user is root (uid 0), or the server would submit as root without naming another user. */
  | 'SLURM_JOB_USER_ROOT'
  /** The job user does not exist on this machine. */
  | 'SLURM_JOB_USER_UNKNOWN'
  /** The user exists but this server cannot run jobs as it (not root, or the REST token is another user's). */
  | 'SLURM_JOB_USER_UNUSABLE';

/**
 * Tenant jobs must run as an unprivileged user. The executor refuses to submit anything while its job
 * user is root or cannot be used; the site is then degraded (takes no work) and shows this message.
 */
export class SlurmJobUserError extends SlurmError {
  constructor(
    override readonly code: SlurmJobUserCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'SlurmJobUserError';
  }
}
