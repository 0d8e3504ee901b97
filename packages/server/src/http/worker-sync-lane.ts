import type { IncomingMessage, ServerResponse } from 'node:http';
import { WORKER_CREDENTIAL_PREFIX, WorkerSyncRequest } from '@shuzhi/schema';
import { HTTPException } from 'hono/http-exception';
import { errors, zodIssues } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PlatformMetrics } from '../ops/metrics.ts';
import { REQUEST_ID_HEADER, requestIdOf, withRequestId } from '../ops/request-context.ts';
import type { WorkerHub } from '../workers/hub.ts';
import { problemOf } from './problem.ts';
import { SyncTurns } from './sync-turns.ts';
import { workerOnItsPath } from './worker-credential.ts';

/** The route as the app's router names it in the metrics. */
const ROUTE = '/api/workers/:id/sync';
/** The path with the worker id the route accepts (workers/routes.ts WorkerId); anything else goes to the app. */
const PATH = /^\/api\/workers\/(wrk_[A-Za-z0-9_-]{1,64})\/sync$/;
const CREDENTIAL = /^Bearer\s+(\S+)$/i;
/** The status a request is counted with when its client closed it before the answer (nginx's 499). */
const CLIENT_GONE = 499;
/**
 * Syncs started per turn of the event loop by default (sync-turns.ts). 100 kept a saturated farm's
 * turns near 50 ms but capped the answers at 100 a turn: at 20,000 nodes and 1,000 tasks/s asked the
 * waiting syncs reached 5,872 and ask → task p99 4.6–6.2 s (render bench, stop 29). A thousand bounds
 * a turn at about 0.3–0.7 s of syncs (~0.3–0.7 ms of CPU each when saturated) and drains ten times
 * faster.
 */
export const SYNCS_PER_TURN = 1000;

export interface SyncLaneParts {
  hub: WorkerHub;
  log: Logger;
  metrics: PlatformMetrics;
  /** The sync's body budget (SHUZHI_MAX_SYNC_BYTES). */
  maxBytes: number;
  /** Syncs started per loop turn (SHUZHI_SYNCS_PER_TURN). */
  syncsPerTurn: number;
  /** The security headers every answer carries (browser-safety.ts). */
  safetyHeaders: Record<string, string>;
  /** Whether this process answers worker syncs now (with replicas, only the leader does; the app passes them on). */
  answersHere: () => boolean;
}

/**
 * A worker's sync (POST /api/workers/{id}/sync) answered beside the app, straight from Node's request:
 * 20,000 render nodes heartbeat 2,000 times a second, and the app's way (a web Request and Response per
 * call, the middleware chain, routing, the validator) cost more CPU than the sync itself. The rules are
 * the app's, in the same order with the same answers: the body budget, the worker credential
 * (workerOnItsPath, as the app's authentication), the one zod schema (WorkerSyncRequest),
 * problem+json errors, the request id, the security headers, the metrics. A call this lane does not
 * take whole from its headers (another credential, no Content-Length, a chunked or oversized body, not
 * JSON, a malformed id) goes to the app, which answers it as before.
 */
export class WorkerSyncLane {
  /** Syncs this lane took (the app answered the rest). */
  taken = 0;
  /**
   * Syncs whose node went away before they were answered (it timed out while they waited their turn):
   * not run, so no task is handed to a node no longer listening (it would sit out a lease); the node
   * sends its reports again with its next sync.
   */
  gone = 0;
  /** Bounds the syncs answered per loop turn; the rest wait their turn in arrival order. */
  readonly turns: SyncTurns;

  constructor(private readonly parts: SyncLaneParts) {
    this.turns = new SyncTurns(parts.syncsPerTurn);
  }

  /** The answer to this request under way, or null when the app must take it. */
  take(req: IncomingMessage, res: ServerResponse): Promise<void> | null {
    if (req.method !== 'POST' || !this.parts.answersHere()) return null;
    const path = PATH.exec(req.url ?? '');
    if (!path) return null;
    const h = req.headers;
    const credential = CREDENTIAL.exec(h.authorization ?? '')?.[1];
    if (!credential?.startsWith(WORKER_CREDENTIAL_PREFIX)) return null;
    if (!h['content-type']?.toLowerCase().startsWith('application/json') || h['transfer-encoding'] !== undefined) return null;
    const length = h['content-length'];
    if (length === undefined || !/^\d+$/.test(length) || Number(length) > this.parts.maxBytes) return null;
    const requestId = requestIdOf(h[REQUEST_ID_HEADER] as string | undefined);
    this.taken++;
    const start = process.hrtime.bigint();
    // The body is read before the sync waits for its turn: whether it asks for work decides which wait.
    const admit = (body: SyncBody) => this.turns.admit(() => {
      if (clientGone(req, res)) return this.leftUnanswered();
      return withRequestId(requestId, () => this.answer(req, res, path[1]!, credential, requestId, body, start));
    }, !('json' in body) || asksForWork(body.json));
    return readBody(req).then((text) => admit({ json: parseJson(text) }), (readError: unknown) => admit({ readError }));
  }

  private async answer(req: IncomingMessage, res: ServerResponse, pathId: string, credential: string, requestId: string, body: SyncBody, start: bigint): Promise<void> {
    let status = 500;
    try {
      if ('readError' in body) throw body.readError;
      const w = await workerOnItsPath(this.parts.hub.registry, credential, req.url!);
      if (body.json === MALFORMED) throw new HTTPException(400, { message: 'Malformed JSON in request body' });
      const parsed = WorkerSyncRequest.safeParse(body.json);
      if (!parsed.success) throw errors.validation(zodIssues(parsed.error.issues));
      // Only a long poll waits for the node's going away.
      const signal = parsed.data.waitMs > 0 ? abortOnClose(res) : undefined;
      const out = JSON.stringify(await this.parts.hub.sync(w, pathId, parsed.data, signal));
      status = 200;
      this.write(res, 200, { 'content-type': 'application/json' }, out, requestId);
    } catch (err) {
      // The node left while its body was read or its answer made: nobody to answer, nothing to log.
      if (clientGone(req, res)) {
        status = CLIENT_GONE;
        this.gone++;
        return;
      }
      const p = problemOf(err, this.parts.log, { method: 'POST', path: req.url ?? '' });
      status = p.status;
      this.write(res, p.status, p.headers, p.body, requestId);
    } finally {
      this.parts.metrics.countRequest('POST', ROUTE, status, start);
    }
  }

  private leftUnanswered(): Promise<void> {
    this.gone++;
    this.parts.metrics.countRequest('POST', ROUTE, CLIENT_GONE, process.hrtime.bigint());
    return Promise.resolve();
  }

  private write(res: ServerResponse, status: number, headers: Record<string, string>, body: string, requestId: string): void {
    if (res.destroyed) return;
    res.writeHead(status, { ...headers, ...this.parts.safetyHeaders, 'x-request-id': requestId, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** A body that is not JSON: refused as the app's validator refuses it, once the credential is checked. */
const MALFORMED = Symbol('malformed JSON');
type SyncBody = { json: unknown } | { readError: unknown };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return MALFORMED;
  }
}

/** The sync asks for work or reports work done (anything else only renews leases: SyncTurns lets it wait). */
function asksForWork(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return true;
  const o = json as { free?: unknown; completed?: unknown; leaving?: unknown };
  // A body the schema will refuse is answered (refused) without waiting behind heartbeats.
  return typeof o.free !== 'number' || o.free > 0 || (Array.isArray(o.completed) && o.completed.length > 0) || o.leaving === true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // A client that goes away mid-body ends neither with 'end' nor always with 'error'.
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the request before its body arrived'));
    });
  });
}

/** The client closed the connection (a request read to its end is destroyed too: that is no sign). */
function clientGone(req: IncomingMessage, res: ServerResponse): boolean {
  return res.destroyed || (req.destroyed && !req.complete);
}

/** Aborted when the client goes away before its answer was written (as the app's request signal is). */
function abortOnClose(res: ServerResponse): AbortSignal {
  const ctl = new AbortController();
  // Gone while the sync waited for its turn: 'close' has been and will not come again.
  if (res.destroyed) ctl.abort();
  res.once('close', () => {
    if (!res.writableFinished) ctl.abort();
  });
  return ctl.signal;
}
