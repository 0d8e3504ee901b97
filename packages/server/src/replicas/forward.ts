import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { Readable } from 'node:stream';
import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError } from '../errors.ts';
import type { Env } from '../http/context.ts';

/**
 * Routes answered from the leader's memory: the worker protocol (leases and queues of the compute
 * dispatcher and the render farm), compute jobs (submit and cancel reach the dispatcher), sites and the
 * overview (live figures), the render farm, mine control (OPC UA sessions) and the planner. A follower
 * passes these to the leader; everything else (login, SSE, gov, billing, network reads, the web app) it
 * answers itself from the database.
 */
export const LEADER_ROUTES: readonly RegExp[] = [
  /^\/api\/workers(\/|$)/,
  /^\/api\/jobs(\/|$)/,
  /^\/api\/sites(\/|$)/,
  /^\/api\/overview$/,
  /^\/api\/render\//,
  /^\/api\/mine\//,
  /^\/api\/planner\//,
];

export const needsLeader = (path: string): boolean => LEADER_ROUTES.some((r) => r.test(path));

/** Set on a request one replica passes to another; a replica never passes such a request on again. */
export const FORWARDED_BY = 'x-shuzhi-forwarded-by';

export type LeaderRoute = { local: true } | { local: false; url: string | null; why: string };

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

const unavailable = (message: string, retryAfterS: number) =>
  new AppError('LEADER_UNAVAILABLE', 503, message, { headers: { 'retry-after': String(retryAfterS) } });

/**
 * On a follower, passes leader-only routes to the leader's internal URL with the original method, path,
 * headers (Host, cookies, Authorization: the leader authenticates the caller again) and streamed body,
 * and streams the answer back. Without a reachable leader: 503 LEADER_UNAVAILABLE with Retry-After
 * (workers and the CLI retry it).
 */
export function forwardToLeader(opts: { route: () => LeaderRoute; replicaId: string; retryAfterS: number }): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!needsLeader(c.req.path)) return next();
    const where = opts.route();
    if (where.local) return next();
    if (c.req.header(FORWARDED_BY)) {
      throw unavailable(`This replica is not the leader (${where.why}) and the request was already passed on by ${c.req.header(FORWARDED_BY)}; retry shortly.`, opts.retryAfterS);
    }
    if (!where.url) throw unavailable(`No leader replica answers at the moment (${where.why}); another takes over within the lease time. Retry shortly.`, opts.retryAfterS);
    return proxy(c, where.url, opts.replicaId, opts.retryAfterS);
  };
}

async function proxy(c: Parameters<MiddlewareHandler<Env>>[0], base: string, replicaId: string, retryAfterS: number): Promise<Response> {
  const target = new URL(c.req.url);
  const leader = new URL(base);
  const headers: Record<string, string | string[]> = {};
  c.req.raw.headers.forEach((v, k) => {
    if (!HOP.has(k)) headers[k] = v;
  });
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined;
  }
  if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
  headers[FORWARDED_BY] = replicaId;
  const body = c.req.raw.body;
  if (body && !c.req.header('content-length')) headers['transfer-encoding'] = 'chunked';
  const signal = c.req.raw.signal;
  return new Promise<Response>((resolve, reject) => {
    const send = leader.protocol === 'https:' ? requestTls : request;
    const req = send(
      {
        protocol: leader.protocol,
        hostname: leader.hostname,
        port: leader.port,
        method: c.req.method,
        path: target.pathname + target.search,
        headers,
      },
      (res) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined || HOP.has(k)) continue;
          if (Array.isArray(v)) for (const x of v) h.append(k, x);
          else h.set(k, v);
        }
        const status = res.statusCode ?? 502;
        const empty = status === 204 || status === 304 || c.req.method === 'HEAD';
        signal.addEventListener('abort', () => res.destroy(), { once: true });
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream), { status, headers: h }));
      },
    );
    const fail = (err: Error) =>
      reject(
        unavailable(`The leader replica at ${base} did not answer (${err.message}); if it died, another replica takes over within the lease time. Retry shortly.`, retryAfterS),
      );
    req.on('error', fail);
    signal.addEventListener('abort', () => req.destroy(), { once: true });
    if (body) {
      const from = Readable.fromWeb(body as import('node:stream/web').ReadableStream);
      from.on('error', (err) => req.destroy(err));
      from.pipe(req);
    } else req.end();
  });
}
