import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

interface RequestContext {
  requestId: string;
}

/**
 * The request a piece of work is being done for. Held in async-local storage so every log line
 * written while serving a request carries its id (log.ts mixes it in), in every module, without
 * passing a logger through each call.
 */
const storage = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = 'x-request-id';
/** An id a client or proxy may hand us: short and plain, so it cannot forge a log line. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The caller's X-Request-Id when it is plain, else a new one. */
export function requestIdOf(offered: string | undefined): string {
  return offered && CLIENT_ID.test(offered) ? offered : randomUUID();
}

/** Runs `fn` as the work of request `requestId` (its log lines carry the id). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/** Takes the caller's X-Request-Id when it is plain, else makes one; echoes it on the answer. */
export function requestIds(): MiddlewareHandler {
  return async (c, next) => {
    const requestId = requestIdOf(c.req.header(REQUEST_ID_HEADER));
    c.header('X-Request-Id', requestId);
    await withRequestId(requestId, next);
    // Handlers may replace the response (errors, static files): the id goes on whatever leaves.
    if (!c.res.headers.has('X-Request-Id')) c.res.headers.set('X-Request-Id', requestId);
  };
}
