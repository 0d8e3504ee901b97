import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.ts';

/** Request body budgets in bytes, per kind of route. */
export interface BodyLimits {
  /** JSON API routes. */
  json: number;
  /** Login: a username and a password. */
  login: number;
  /** The other unauthenticated routes, /api/public/* (a presented certificate's text: up to 20,000 characters). */
  public: number;
  /** Render scene uploads (streamed to disk). */
  upload: number;
  /** Frames, thumbnails and previews a worker uploads (streamed to disk). */
  frame: number;
  /** A worker's sync: reports and the logs since the last one. */
  sync: number;
}

export const LOGIN_BODY_BYTES = 16 * 1024;
export const PUBLIC_BODY_BYTES = 64 * 1024;
/** A data product's CSV (PUT /api/data/products/{id}/dataset), read whole to be checked; larger sets go in as files (CLI, seed). */
export const DATASET_BODY_BYTES = 32 * 1024 * 1024;

const FRAME_ROUTE = /^\/api\/workers\/[^/]+\/tasks\/[^/]+\/(frames\/[^/]+(\/thumb)?|preview)$/;
const SYNC_ROUTE = /^\/api\/workers\/[^/]+\/sync$/;
const DATASET_ROUTE = /^\/api\/data\/products\/[^/]+\/dataset$/;
/** A preempted task's checkpoint archive (compute/checkpoints.ts CHECKPOINT_MAX_BYTES). */
const CHECKPOINT_ROUTE = /^\/api\/workers\/[^/]+\/tasks\/[^/]+\/checkpoint$/;
export const CHECKPOINT_BODY_BYTES = 64 * 1024 * 1024;

/** Which budget a route gets; streamed routes are the ones whose handlers never hold the body in memory. */
export function limitFor(path: string, limits: BodyLimits): { max: number; streamed: boolean } {
  if (path === '/api/auth/login') return { max: limits.login, streamed: false };
  if (path.startsWith('/api/public/')) return { max: limits.public, streamed: false };
  if (path === '/api/render/uploads' || path.startsWith('/api/render/blobs/')) return { max: limits.upload, streamed: true };
  if (FRAME_ROUTE.test(path)) return { max: limits.frame, streamed: true };
  if (SYNC_ROUTE.test(path)) return { max: limits.sync, streamed: false };
  if (DATASET_ROUTE.test(path)) return { max: DATASET_BODY_BYTES, streamed: false };
  if (CHECKPOINT_ROUTE.test(path)) return { max: CHECKPOINT_BODY_BYTES, streamed: false };
  return { max: limits.json, streamed: false };
}

const human = (n: number) =>
  n >= 1024 ** 3 && n % 1024 ** 3 === 0 ? `${n / 1024 ** 3} GiB` : n >= 1024 ** 2 && n % 1024 ** 2 === 0 ? `${n / 1024 ** 2} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

/**
 * The rest of the body is never read, so the connection is closed after the answer (Connection:
 * close) rather than left for the client to reuse while it is still sending.
 */
export const bodyTooLarge = (max: number) =>
  new AppError('BODY_TOO_LARGE', 413, `The request body is larger than ${human(max)} (${max} bytes), the limit for this route; nothing of it was used.`, {
    headers: { connection: 'close' },
  });

/**
 * Refuses oversized bodies before any handler parses them. A declared Content-Length over the limit
 * is refused without reading a byte; a chunked body is counted as it arrives — buffered up to the
 * (small) limit for JSON routes, passed through as a stream that fails past the limit for uploads.
 */
export function bodyLimits(limits: BodyLimits): MiddlewareHandler {
  return async (c, next) => {
    // Whether there is a body, from the headers (HTTP/1.1: a body has a length or is chunked): asking
    // the request for its body stream would build a web stream and take the node adapter off its
    // direct read of the body — a cost on every one of a farm's thousands of syncs a second.
    const declared = c.req.header('content-length');
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || (declared === undefined && !c.req.header('transfer-encoding'))) return next();
    const { max, streamed } = limitFor(c.req.path, limits);
    if (declared !== undefined && !c.req.header('transfer-encoding')) {
      if (!/^\d+$/.test(declared)) throw new AppError('BAD_REQUEST', 400, 'Content-Length must be a number of bytes.');
      if (Number(declared) > max) throw bodyTooLarge(max);
      return next();
    }
    if (!streamed) {
      return bodyLimit({
        maxSize: max,
        onError: () => {
          throw bodyTooLarge(max);
        },
      })(c, next);
    }
    const body = c.req.raw.body;
    if (!body) return next();
    let seen = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          seen += chunk.byteLength;
          if (seen > max) ctl.error(bodyTooLarge(max));
          else ctl.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    return next();
  };
}
