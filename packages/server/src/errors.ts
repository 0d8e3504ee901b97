/** Every error a user can see carries a stable code, an HTTP status and a message that says what to do. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: { path: string; message: string }[] | undefined;
  /** Response headers that belong to the problem, e.g. `Retry-After` on a 429. */
  readonly headers: Record<string, string> | undefined;
  constructor(
    code: string,
    status: number,
    message: string,
    opts: { errors?: { path: string; message: string }[]; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }
}

export const errors = {
  validation: (errs: { path: string; message: string }[]) =>
    new AppError(
      'VALIDATION_FAILED',
      400,
      `Invalid request: ${errs.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}`,
      { errors: errs },
    ),
  authRequired: () => new AppError('AUTH_REQUIRED', 401, 'Log in or send a bearer token (Authorization: Bearer …).'),
  authInvalid: () => new AppError('AUTH_INVALID', 401, 'Wrong username or password.'),
  forbidden: (what: string) => new AppError('FORBIDDEN', 403, `Your role may not ${what}.`),
  notFound: (kind: string, id: string) =>
    new AppError(`${kind.toUpperCase()}_NOT_FOUND`, 404, `No ${kind} with id "${id}" (or you may not see it).`),
  conflict: (code: string, message: string) => new AppError(code, 409, message),
  config: (message: string) => new AppError('CONFIG_INVALID', 500, message),
};

/** zod issues → `{path, message}` with dotted paths like `pools.0.units`. */
export function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
