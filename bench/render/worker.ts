// One bench worker process: thousands of simulated render nodes speaking the real worker protocol
// (POST /api/workers/:id/sync, each node with its own enrolled credential) over keep-alive HTTP/1.1
// connections: one undici pool per process, or (`pooled: false`) each node its own connection. Tasks are fake: a node holds a task a short random time (or, once
// the bench says `holdExcept`, a task of any other job a long time) and reports it done; while it
// holds one it heartbeats every third of the lease its task came with (the farm's lease for its size:
// 20 s at 20,000 nodes and the defaults), as the agent does, so a task longer than the lease keeps it. Its waits are the agent's
// own (packages/agent pacing.ts): a task's first heartbeat at a random phase of the interval's last three
// quarters, the second at that point of the next interval's whole, later ones every interval less up to
// 2 %; a failed call retried after a jittered, doubling wait. With `lockstep` (the bench's baseline) a
// node heartbeats every interval from its task's start instead, as the agent did before pacing.ts.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { heartbeatWait, retryWait } from '@shuzhi/agent';
import { Agent, Client, request, type Dispatcher } from 'undici';

const cfg = JSON.parse(process.argv[2]!) as { url: string; credentialsFile: string; first: number; count: number; connections: number; taskMs: [number, number]; holdMs: number; seed: number; connectPerSec: number; lockstep: boolean; pooled?: boolean };
const credentials = (JSON.parse(readFileSync(cfg.credentialsFile, 'utf8')) as string[]).slice(cfg.first, cfg.first + cfg.count);
const idOf = (credential: string) => credential.split('.')[1]!;
// No keepAliveTimeout of our own: as the agent's fetch, undici keeps an idle socket until 2 s before the
// timeout the server announces (Keep-Alive: timeout=30 at the default lease), so the node, not the
// server, closes it (http/keep-alive.ts in the server).
const http = { pipelining: 1, headersTimeout: 120_000, bodyTimeout: 120_000 };
// One pool for all nodes (`pooled`) hands each call the first free connection: the pool's far end idles
// while load is light, the server closes it at its keep-alive timeout, and the next burst reopens
// thousands at once (the accept queue overflows). Without it each node keeps its own connection (node n
// the n-th, shared only when the open-file cap leaves fewer connections than nodes), as a real agent does:
// a node calls at least every heartbeat interval, so its connection does not idle to that timeout.
const pool = cfg.pooled !== false ? new Agent({ connections: cfg.connections, ...http }) : null;
const own: Dispatcher[] = pool ? [] : Array.from({ length: Math.min(cfg.connections, credentials.length) }, () => new Client(cfg.url, http));
const dispatcherOf = (n: number): Dispatcher => pool ?? own[n % own.length]!;
// Connections opened and closed as undici saw them, and why they closed ('socket idle timeout' is
// undici's own keep-alive timeout; 'other side closed' the server's; a connect error never opened).
const conn = { connects: 0, disconnects: {} as Record<string, number>, connectErrors: {} as Record<string, number> };
const reasonOf = (err: unknown) => { const e = err as Error & { code?: string }; return `${e?.code ?? e?.name ?? 'unknown'}: ${e?.message ?? ''}`.slice(0, 80); };
for (const d of pool ? [pool] : own) {
  d.on('connect', () => conn.connects++);
  d.on('disconnect', (_o, _t, err) => (conn.disconnects[reasonOf(err)] = (conn.disconnects[reasonOf(err)] ?? 0) + 1));
  d.on('connectionError', (_o, _t, err) => (conn.connectErrors[reasonOf(err)] = (conn.connectErrors[reasonOf(err)] ?? 0) + 1));
}
/**
 * Set by the bench before it submits the hold job: a task of any job but this one is held. Named before
 * the submission, because the server hands the hold job's tasks to parked nodes before the bench has
 * read the new job's id.
 */
let holdExcept = '';
// When the measured job was queued (epoch ms): an ask that began before is timed from then, since
// a node that asked while there was nothing to do did not wait for queued work.
let queuedAt = 0;
const nowMs = () => performance.timeOrigin + performance.now();
let stopping = false;
/**
 * Settled (and replaced) when the bench names new task lengths: a node holding a task wakes then and
 * ends it within the new length, so the saturated phase starts with every node asking, not with the
 * paced phase's long holds (10–30 s at 20,000 nodes) still running out while it is timed.
 */
let lengthsGeneration = 0;
let lengthsChanged = () => {};
let lengthsChange = new Promise<void>((r) => (lengthsChanged = r));
/** Sleeps `ms`, or less when the task lengths change meanwhile. */
const pause = (ms: number) => Promise.race([sleep(ms), lengthsChange]);
const stats = { connected: 0, syncs: 0, assigned: 0, completed: 0, heartbeats: 0, heartbeatsOk: 0, errors: 0, latencies: [] as number[], askLatencies: [] as number[], carried: [] as number[], errorKinds: {} as Record<string, number>, loopMaxMs: 0, beatsBySec: {} as Record<string, number>, leasesGiven: {} as Record<string, number>, conn };
// This process's own event-loop delay: a late timer or a late read here is counted in a node's latency too.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
function error(kind: string): void {
  stats.errors++;
  stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
}
/** Asks begun before this time (epoch ms) are kept apart: they belong to the phase before the window. */
let measureFrom = 0;
function assigned(t0: number): void {
  const end = nowMs();
  if (t0 < measureFrom) stats.carried.push(end - Math.max(t0, queuedAt));
  else {
    stats.latencies.push(end - Math.max(t0, queuedAt));
    stats.askLatencies.push(end - t0);
  }
  stats.assigned++;
}
let rnd = cfg.seed >>> 0;
const random = () => ((rnd = (rnd * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The agent's retry waits (WorkerOptions.backoff defaults). */
const BACKOFF = { firstMs: 500, maxMs: 10_000 };
/** A failed call by kind: timeouts and other exceptions by name and code (e.g. `timeout UND_ERR_HEADERS_TIMEOUT`). */
function errorKind(err: unknown): string {
  const e = err as Error & { code?: string };
  const timeout = /timeout/i.test(`${e.name} ${e.code ?? ''}`);
  return `${timeout ? 'timeout' : e.name}${e.code ? ` ${e.code}` : ''}`;
}
const httpKind = (r: { status: number; json: any }) => `HTTP ${r.status} ${r.json?.code ?? ''}`.trim();

interface Task { taskId: string; attempt: number; jobId: string; pollMs: number }

async function sync(n: number, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  stats.syncs++;
  const credential = credentials[n]!;
  const res = await request(`${cfg.url}/api/workers/${idOf(credential)}/sync`, {
    method: 'POST',
    dispatcher: dispatcherOf(n),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ slots: 1, tags: [], runners: ['blender', 'povray', 'ffmpeg'], isolation: 'bubblewrap', ...body }),
  });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's or an overloaded server's non-JSON answer: its status is what is counted.
  }
  return { status: res.statusCode, json };
}

/** The task in a sync's answer, if any, with the heartbeat interval the answer names for it. */
function taken(answer: any, t0: number): Task | null {
  const a = answer?.assignments?.[0];
  if (!a) return null;
  assigned(t0);
  // The lease each task came with, counted by length: the bench reports the leases the farm hands out.
  const leaseKey = String(a.leaseMs ?? 'none');
  stats.leasesGiven[leaseKey] = (stats.leasesGiven[leaseKey] ?? 0) + 1;
  // The agent heartbeats a running task at the server's poll interval (lease / 3); an answer that hands
  // out work says 0 ("ask again now"), so the lease it carries sets the interval.
  return { taskId: a.taskId, attempt: a.attempt, jobId: a.jobId, pollMs: Math.max(200, Math.floor((a.leaseMs ?? 30_000) / 3)) };
}

async function node(n: number): Promise<void> {
  let task: Task | null = null;
  let first = true;
  // Failed calls in a row: the agent's retry wait grows with them.
  let failures = 0;
  while (!stopping) {
    try {
      if (!task) {
        const t0 = nowMs();
        const r = await sync(n, { free: 1, waitMs: 20_000 });
        if (first) {
          first = false;
          stats.connected++;
        }
        if (r.status !== 200) {
          error(httpKind(r));
          await sleep(retryWait(++failures, BACKOFF, random));
          continue;
        }
        failures = 0;
        task = taken(r.json, t0);
        continue;
      }
      const hold = holdExcept !== '' && task.jobId !== holdExcept;
      const length = () => cfg.taskMs[0] + random() * (cfg.taskMs[1] - cfg.taskMs[0]);
      let until = performance.now() + (hold ? cfg.holdMs : length());
      let generation = lengthsGeneration;
      let lost = false;
      // Heartbeats timed from the last one's start, as the agent keeps them (it waits its heartbeat wait
      // less the time its last sync took), so a slow answer does not thin out the offered load; the
      // first at a random phase of the interval, as the agent's (nodes handed work together do not
      // heartbeat together).
      let beat = performance.now();
      // The agent's turns (pacing.ts): the first at a random phase, the second timed from it, then steady.
      const firstWait = cfg.lockstep ? task.pollMs : heartbeatWait(task.pollMs, { turn: 'first' }, random);
      let beats = 0;
      const nextWait = () => (cfg.lockstep ? task!.pollMs : heartbeatWait(task!.pollMs, beats === 1 ? { turn: 'second', firstWaitMs: firstWait } : { turn: 'steady' }, random));
      let wait = firstWait;
      while (!stopping) {
        await pause(Math.max(0, Math.min(beat + wait, until) - performance.now()));
        if (generation !== lengthsGeneration) {
          generation = lengthsGeneration;
          if (!hold) until = Math.min(until, performance.now() + length());
        }
        if (stopping || performance.now() >= until) break;
        // Woken early by new lengths: the heartbeat is not due yet.
        if (performance.now() < beat + wait) continue;
        beat += wait;
        beats++;
        wait = nextWait();
        stats.heartbeats++;
        // Heartbeats sent per wall-clock second: how bursty the offered load is.
        const sec = Math.floor(nowMs() / 1000);
        stats.beatsBySec[sec] = (stats.beatsBySec[sec] ?? 0) + 1;
        const r = await sync(n, { free: 0, waitMs: 0, running: [{ kind: 'render', taskId: task.taskId, attempt: task.attempt }] });
        if (r.status === 200) stats.heartbeatsOk++;
        else if (r.json?.code === 'STALE_REPORT' && task.jobId === holdExcept) {
          // The bench cancelled that job (the million-frame job, to free the nodes for the hold job): not an error.
          lost = true;
          break;
        } else {
          error(`heartbeat ${httpKind(r)}`);
          lost = true;
          break;
        }
      }
      if (stopping) break;
      const t0 = nowMs();
      const r = lost ? await sync(n, { free: 1, waitMs: 0 }) : await sync(n, { free: 1, waitMs: 20_000, completed: [{ kind: 'render', taskId: task.taskId, attempt: task.attempt, result: { ok: true } }] });
      task = null;
      if (r.status === 200 && !lost) stats.completed++;
      // A completion refused as stale (the job was cancelled under it) is the bench's doing, not an error.
      else if (r.status !== 200 && r.json?.code !== 'STALE_REPORT') error(httpKind(r));
      if (r.status === 200) {
        failures = 0;
        task = taken(r.json, t0);
      }
    } catch (err) {
      error(errorKind(err));
      await sleep(retryWait(++failures, BACKOFF, random));
    }
  }
}

process.stdin.on('data', (d) => {
  for (const line of String(d).split('\n').filter(Boolean)) {
    const msg = JSON.parse(line) as { holdExcept?: string; queuedAt?: number; measureFrom?: number; taskMs?: [number, number]; stop?: boolean };
    if (msg.taskMs !== undefined) {
      cfg.taskMs = msg.taskMs;
      lengthsGeneration++;
      lengthsChanged();
      lengthsChange = new Promise<void>((r) => (lengthsChanged = r));
    }
    if (msg.holdExcept !== undefined) holdExcept = msg.holdExcept;
    if (msg.queuedAt !== undefined) queuedAt = msg.queuedAt;
    if (msg.measureFrom !== undefined) measureFrom = msg.measureFrom;
    if (msg.stop) {
      stopping = true;
      setTimeout(() => process.exit(0), 500).unref();
      void Promise.all([pool, ...own].map((d) => d?.destroy())).then(() => process.exit(0));
    }
  }
});
setInterval(() => {
  stats.loopMaxMs = Math.round(loopDelay.max / 1e6);
  loopDelay.reset();
  process.stdout.write(`${JSON.stringify(stats)}\n`);
  stats.latencies = [];
  stats.askLatencies = [];
  stats.carried = [];
  stats.beatsBySec = {};
}, 1000);
// Connect gradually, at the pace the bench names: a thundering herd of 20,000 handshakes at once
// overflows the server's accept queue and measures the kernel's SYN backoff, not the server.
const perTick = Math.max(1, Math.round(cfg.connectPerSec / 20));
for (let i = 0; i < credentials.length; i++) {
  void node(i);
  if (i % perTick === perTick - 1) await sleep(50);
}
