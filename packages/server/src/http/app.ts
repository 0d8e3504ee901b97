import { serveStatic } from '@hono/node-server/serve-static';
import { compress } from 'hono/compress';
import { getCookie } from 'hono/cookie';
import type { AuthStore } from '../auth/store.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PlatformMetrics } from '../ops/metrics.ts';
import { requestIds } from '../ops/request-context.ts';
import type { WorkerHub } from '../workers/hub.ts';
import type { WorkerRegistry } from '../workers/registry.ts';
import { WORKER_CREDENTIAL_PREFIX } from '@shuzhi/schema';
import { DOCS_PATHS, mountApiDocs } from './api-docs.ts';
import { bodyLimits, type BodyLimits } from './body-limits.ts';
import { compressApi } from './compression.ts';
import { browserSafety, fixedSafetyHeaders } from './browser-safety.ts';
import type { ProxyTrust } from './client-address.ts';
import { router, type Env } from './context.ts';
import type { Context, MiddlewareHandler } from 'hono';
import { OPENAPI_CONFIG, registerComponents } from './openapi.ts';
import { problemResponse } from './problem.ts';
import { SESSION_COOKIE, toUser } from './routes/auth.ts';
import { DOOR_START_DATA, loadWebShell } from './web-shell.ts';
import { SYNCS_PER_TURN, WorkerSyncLane } from './worker-sync-lane.ts';
import { workerOnItsPath } from './worker-credential.ts';

export interface AppParts {
  auth: AuthStore;
  workers: WorkerRegistry;
  log: Logger;
  health: () => Promise<Record<string, unknown>>;
  /** Counts and times every request (Prometheus, at /metrics). */
  metrics: PlatformMetrics;
  /** Module routers, mounted in order. */
  routers: ReturnType<typeof router>[];
  webDist?: string | undefined;
  /** What the edge believes and allows: trusted proxies, the public URL, body budgets. */
  edge: { proxies: ProxyTrust; publicUrl?: string | undefined; limits: BodyLimits };
  /** Run after the edge checks and before authentication (a follower replica passes leader-only calls on). */
  beforeAuth?: MiddlewareHandler<Env>[];
  /** The worker protocol's hub: its sync gets a lane of its own beside the app (worker-sync-lane.ts). */
  syncHub?: WorkerHub;
  /** Worker syncs the sync lane starts per loop turn (SHUZHI_SYNCS_PER_TURN, sync-turns.ts). */
  syncsPerTurn?: number;
  /**
   * With replicas: whether this process is the leader now, which answers the worker protocol itself (a
   * follower's `beforeAuth` passes it on to the leader, so the sync lane leaves it to the app then).
   */
  leaderHere?: () => boolean;
}

const PUBLIC = new Set(['/api/health', '/api/ready', '/api/auth/login', '/api/openapi.json', ...DOCS_PATHS]);

export function isPublic(path: string): boolean {
  return PUBLIC.has(path) || path.startsWith('/api/public/') || !path.startsWith('/api/');
}

export function createApp(parts: AppParts) {
  const app = router();
  const shell = loadWebShell(parts.webDist);

  app.onError((err, c) => problemResponse(c, err, parts.log));

  // First: every request gets an id (on the answer and on each log line written for it) and is
  // counted, whatever the edge below decides.
  app.use('*', requestIds());
  app.use('*', parts.metrics.http());

  // The edge, before anyone is authenticated: who the client is, security headers and same-origin
  // writes for browsers, and body budgets (see SECURITY.md).
  app.use('*', async (c, next) => {
    c.set('proxies', parts.edge.proxies);
    await next();
  });
  app.use('*', ...browserSafety({ publicUrl: parts.edge.publicUrl, sessionCookie: SESSION_COOKIE, inlineScripts: shell?.scriptSources }));
  app.use('*', bodyLimits(parts.edge.limits));
  app.use('/api/*', compressApi());
  for (const m of parts.beforeAuth ?? []) app.use('*', m);

  // Authentication: bearer token for machines, session cookie for the web, a worker credential on
  // the worker protocol only. Authorisation is per route.
  app.use('*', async (c, next) => {
    c.set('principal', null);
    c.set('worker', null);
    const header = c.req.header('authorization');
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new AppError('AUTH_INVALID', 401, 'Authorization must be "Bearer <token>".');
      if (m[1]!.startsWith(WORKER_CREDENTIAL_PREFIX)) {
        c.set('worker', await workerOnItsPath(parts.workers, m[1]!, c.req.path));
        return next();
      }
      const p = await parts.auth.byToken(m[1]!);
      if (!p) throw new AppError('AUTH_INVALID', 401, 'Unknown or revoked API token.');
      c.set('principal', p);
    } else {
      const s = getCookie(c, SESSION_COOKIE);
      if (s) c.set('principal', await parts.auth.bySession(s));
    }
    if (!c.get('principal') && !isPublic(c.req.path)) {
      throw new AppError('AUTH_REQUIRED', 401, 'Log in or send a bearer token (Authorization: Bearer …).');
    }
    await next();
  });

  app.get('/api/health', async (c) => c.json({ status: 'ok', ...(await parts.health()) }));
  for (const r of parts.routers) app.route('/', r);

  app.doc31('/api/openapi.json', OPENAPI_CONFIG);
  registerComponents(app, SESSION_COOKIE);
  mountApiDocs(app);

  app.all('/api/*', (c) => {
    throw new AppError('NOT_FOUND', 404, `No API route ${c.req.method} ${c.req.path}. See /api/docs.`);
  });

  if (shell) {
    // The shell carries who is signed in (one round trip less before the first paint), so it is per user:
    // never cached, and rendered here rather than served as the static index.html.
    const page = async (c: Context<Env>) => {
      const p = c.get('principal');
      c.header('cache-control', 'no-store');
      const user = p ? toUser(p) : null;
      return c.html(shell.render(user, shell.carriesDoor(user) ? await startData(c) : undefined));
    };
    // The door's start screen's answers, asked of this app as the same session: only what the user may read,
    // only answers that succeeded (the app asks again for the rest).
    const startData = async (c: Context<Env>) => {
      const headers = { cookie: c.req.header('cookie') ?? '' };
      const answers = await Promise.all(
        DOOR_START_DATA.map(async (url) => {
          const r = await app.request(url, { headers }, c.env);
          return r.ok ? ([url, await r.json()] as const) : null;
        }),
      );
      return Object.fromEntries(answers.filter((a) => a !== null));
    };
    app.get('/', compress({ encoding: 'gzip' }), page);
    // /index.html stays the static, session-less shell: the citizen app's service worker keeps that one for offline use.
    app.use('/*', serveStatic({ root: parts.webDist!, precompressed: true }));
    // The web app routes on the client: every other path gets its shell.
    app.get('*', compress({ encoding: 'gzip' }), page);
  } else {
    app.get('/', (c) =>
      c.text('Shuzhi API is running. The web app is not built: run `npm run build` (npm start does it for you).'),
    );
  }
  // The sync's own lane, where its answer is the same for every request (no per-request HSTS) and this
  // process answers it itself: a single server, or the leader of replicas (`leaderHere`).
  const safety = fixedSafetyHeaders({ publicUrl: parts.edge.publicUrl, sessionCookie: SESSION_COOKIE, inlineScripts: shell?.scriptSources });
  const here = parts.beforeAuth?.length ? parts.leaderHere : () => true;
  const syncLane =
    parts.syncHub && here && safety
      ? new WorkerSyncLane({ hub: parts.syncHub, log: parts.log, metrics: parts.metrics, maxBytes: parts.edge.limits.sync, safetyHeaders: safety, answersHere: here, syncsPerTurn: parts.syncsPerTurn ?? SYNCS_PER_TURN })
      : null;
  return Object.assign(app, { syncLane });
}
