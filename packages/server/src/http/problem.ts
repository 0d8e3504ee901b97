import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../errors.ts';
import { EngineError, engineErrorStatus } from './error-status.ts';
import type { Logger } from '../log.ts';
import { currentRequestId } from '../ops/request-context.ts';

/** The one place errors become RFC 9457 problem+json with our stable code. */
export function problemResponse(c: Context, err: unknown, log: Logger): Response {
  const p = problemOf(err, log, c.req);
  return new Response(p.body, { status: p.status, headers: p.headers });
}

/** An error as problem+json: status, headers and body (the worker sync lane writes it without a Response). */
export function problemOf(err: unknown, log: Logger, req: { method: string; path: string }): { status: number; headers: Record<string, string>; body: string } {
  let e: AppError;
  const engineStatus = err instanceof EngineError ? engineErrorStatus(err) : null;
  if (err instanceof AppError) e = err;
  else if (err instanceof EngineError && engineStatus !== null) {
    e = new AppError(err.code, engineStatus, err.message, { cause: err, ...(err.issues ? { errors: [...err.issues] } : {}) });
  } else if (err instanceof HTTPException) {
    e = new AppError(err.status === 400 ? 'BAD_REQUEST' : `HTTP_${err.status}`, err.status, err.message || 'Bad request');
  } else if (err instanceof SyntaxError) {
    e = new AppError('BAD_JSON', 400, `The request body is not valid JSON: ${err.message}`);
  } else {
    // Method and path only: never the body, query or headers (user data, secrets). The `err` serializer
    // (log.ts) strips the bound values of failed database queries from the error.
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    const id = currentRequestId();
    e = new AppError('INTERNAL', 500, `Something went wrong on the server; it has been logged${id ? ` under request id ${id}` : ''}. Try again.`);
  }
  const body = {
    type: `https://shuzhi.dev/problems/${e.code.toLowerCase().replaceAll('_', '-')}`,
    title: e.code,
    status: e.status,
    code: e.code,
    detail: e.message,
    ...(e.errors ? { errors: e.errors } : {}),
    // The id on the server's log lines for this request: what an operator searches for.
    ...(currentRequestId() ? { requestId: currentRequestId() } : {}),
  };
  return { status: e.status, headers: { ...e.headers, 'content-type': 'application/problem+json; charset=utf-8' }, body: JSON.stringify(body) };
}
