/**
 * The worker cannot isolate tenant code here. The message is one line: why, and what to install or
 * enable. A worker that gets this takes no tenant work (or, if allowed, runs unsandboxed as a non-root user).
 */
export class SandboxUnavailableError extends Error {
  readonly code = 'SANDBOX_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxUnavailableError';
  }
}
