import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BlobCache, PeerServer, TaskApi, fetchBlob, emptyBlobCounters } from '@shuzhi/agent';
import { BlobFanout, MinHeap } from '@shuzhi/render';
import { systemClock } from '@shuzhi/schema';
import { PeerBroker } from '@shuzhi/server/testing';

/** The shared CC0 render folder, taken as one studio scene folder (scene, its frames as textures, scripts). */
const SCENE_DIR = '/work/shared/data/render';
/** The server's defaults: SHUZHI_RENDER_STORE_SLOTS and SHUZHI_RENDER_PEER_SERVES. */
const SEEDS = 32;
const PER_HOLDER = 4;

interface Blob {
  path: string;
  sha256: string;
  bytes: number;
}

function blobsOf(dir: string): Blob[] {
  const out: Blob[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...blobsOf(abs));
    else if (e.isFile()) out.push({ path: relative(SCENE_DIR, abs), sha256: createHash('sha256').update(readFileSync(abs)).digest('hex'), bytes: statSync(abs).size });
  }
  return out;
}

export interface FanoutRun {
  nodes: number;
  storeBytes: number;
  peerBytes: number;
  naiveStoreBytes: number;
  peakStoreTransfers: number;
  peerFailures: number;
  /** Every node holds the whole scene (each node verified each blob's hash: real run only). */
  complete: boolean;
  /** Simulated run: when the last node held the scene, at 1 Gbit/s per transfer (virtual seconds). */
  virtualSeconds?: number;
}

/**
 * The fan-out with real parts on `nodes` in-process nodes: each node is the agent's own fetch code
 * (TaskApi, fetchBlob, BlobCache, PeerServer on 127.0.0.1) against a small in-process store speaking
 * the worker protocol's blob routes through the server's PeerBroker (no database, no leases: the
 * broker, the grants, the bytes and the hash checks are the real ones). Counts the bytes each source served.
 */
async function realRun(nodes: number, blobs: Blob[]): Promise<FanoutRun> {
  const broker = new PeerBroker(systemClock, { seeds: SEEDS, perHolder: PER_HOLDER });
  const bySha = new Map(blobs.map((b) => [b.sha256, b]));
  let storeBytes = 0;
  let live = 0;
  let peak = 0;
  const tenant = 'ten_bench';
  const body = async (req: IncomingMessage) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
  };
  const store = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const m = /^\/api\/workers\/([^/]+)\/tasks\/[^/]+\/blobs\/([0-9a-f]{64})(\/source|\/report)?\?/.exec(req.url ?? '');
      const b = m ? bySha.get(m[2]!) : undefined;
      if (!m || !b) return void res.writeHead(404).end();
      const [, node, sha, what] = m as unknown as [string, string, string, string | undefined];
      const json = (x: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(x));
      if (what === '/source') return json(broker.source(node, tenant, sha));
      if (what === '/report') return json(broker.report(node, tenant, sha, await body(req)));
      live++;
      peak = Math.max(peak, live);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.bytes });
      const s = createReadStream(join(SCENE_DIR, b.path));
      s.on('close', () => live--);
      s.pipe(res);
      storeBytes += b.bytes;
    })();
  });
  await new Promise<void>((r) => store.listen(0, '127.0.0.1', () => r()));
  const server = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
  const root = await mkdtemp(join(tmpdir(), 'shuzhi-fanout-bench-'));
  const peers: PeerServer[] = [];
  const counters = emptyBlobCounters();
  let complete = true;
  try {
    const signal = new AbortController().signal;
    await Promise.all(
      Array.from({ length: nodes }, async (_, i) => {
        const id = `node-${i}`;
        const cache = new BlobCache(join(root, id), 1024 ** 3);
        const peer = new PeerServer({ host: '127.0.0.1', port: 0 }, cache.dir, id);
        peers.push(peer);
        await peer.start();
        const api = new TaskApi({ server, credential: 'bench', workerId: id, taskId: 'rjob_bench.0', attempt: 1, signal });
        for (const b of blobs) {
          const file = await cache.get(b.sha256, (f) => fetchBlob(api, b.sha256, f, peer, counters, signal));
          if (createHash('sha256').update(readFileSync(file)).digest('hex') !== b.sha256) complete = false;
        }
      }),
    );
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    await new Promise<void>((r) => store.close(() => r()));
    await rm(root, { recursive: true, force: true });
  }
  const jobBytes = blobs.reduce((s, b) => s + b.bytes, 0);
  return { nodes, storeBytes, peerBytes: counters.peerBytes, naiveStoreBytes: nodes * jobBytes, peakStoreTransfers: peak, peerFailures: counters.peerFailures, complete };
}

/**
 * The same fan-out at farm scale, driven through the broker's engine (BlobFanout, what PeerBroker
 * decides with) in virtual time: each node asks for its blobs one by one as the agent does, a
 * transfer takes its size at 1 Gbit/s plus 1 ms, a node told to wait asks again after the retry.
 * The bytes are the ones the broker's answers move; only the wire is simulated.
 */
function simulatedRun(nodes: number, blobs: Blob[]): FanoutRun {
  const f = new BlobFanout({ seeds: SEEDS, perHolder: PER_HOLDER, assignmentMs: 600_000, retryMs: 250 });
  type Ev = { at: number; node: number; blob: number; kind: 'ask' | 'done'; from?: 'store' | 'peer' };
  const q = new MinHeap<Ev>((a, b) => a.at < b.at);
  for (let n = 0; n < nodes; n++) q.push({ at: 0, node: n, blob: 0, kind: 'ask' });
  let storeBytes = 0;
  let peerBytes = 0;
  let live = 0;
  let peak = 0;
  let last = 0;
  const ms = (bytes: number) => 1 + (bytes * 8) / 1e6; // 1 Gbit/s = 1e6 bits per ms
  for (let e = q.pop(); e; e = q.pop()) {
    const b = blobs[e.blob]!;
    if (e.kind === 'ask') {
      const s = f.source('t', b.sha256, `n${e.node}`, e.at);
      if (s.from === 'wait') q.push({ ...e, at: e.at + s.retryMs });
      else {
        if (s.from === 'store') peak = Math.max(peak, ++live);
        q.push({ ...e, kind: 'done', from: s.from, at: e.at + ms(b.bytes) });
      }
      continue;
    }
    if (e.from === 'store') {
      live--;
      storeBytes += b.bytes;
    } else peerBytes += b.bytes;
    f.report('t', b.sha256, `n${e.node}`, { ok: true, serveUrl: `http://n${e.node}` }, e.at);
    if (e.blob + 1 < blobs.length) q.push({ at: e.at, node: e.node, blob: e.blob + 1, kind: 'ask' });
    else last = Math.max(last, e.at);
  }
  const jobBytes = blobs.reduce((s, b) => s + b.bytes, 0);
  return { nodes, storeBytes, peerBytes, naiveStoreBytes: nodes * jobBytes, peakStoreTransfers: peak, peerFailures: 0, complete: storeBytes + peerBytes === nodes * jobBytes, virtualSeconds: last / 1000 };
}

const MB = (b: number) => (b / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 });

/**
 * Bytes read from the asset store when a job on the shared scene starts on `nodes` nodes, measured:
 * with the agents' real peer serving on `realNodes` in-process nodes over loopback HTTP, and through
 * the broker's engine on all `nodes` (virtual time), each against the naive per-node fetch.
 */
export async function assetFanoutSection(nodes: number, realNodes = Math.min(nodes, 100)): Promise<{ files: number; jobBytes: number; seeds: number; perHolder: number; real: FanoutRun; simulated: FanoutRun }> {
  const blobs = blobsOf(SCENE_DIR);
  const jobBytes = blobs.reduce((s, b) => s + b.bytes, 0);
  const real = await realRun(realNodes, blobs);
  const simulated = simulatedRun(nodes, blobs);
  console.log(`\n== asset fan-out: one job start, store seeds ${SEEDS} nodes per blob, each node serves ${PER_HOLDER} at once ==`);
  console.log(`scene folder ${SCENE_DIR}: ${blobs.length} files, ${MB(jobBytes)} MB`);
  console.log(`${'run'.padEnd(52)} ${'nodes'.padStart(7)} ${'from store'.padStart(11)} ${'naive'.padStart(11)} ${'store ÷ naive'.padStart(14)} ${'from peers'.padStart(11)} ${'store at once'.padStart(14)} ${'verified'.padStart(9)}`);
  const row = (name: string, r: FanoutRun) =>
    console.log(
      `${name.padEnd(52)} ${r.nodes.toLocaleString('en').padStart(7)} ${`${MB(r.storeBytes)} MB`.padStart(11)} ${`${MB(r.naiveStoreBytes)} MB`.padStart(11)} ${`${((100 * r.storeBytes) / r.naiveStoreBytes).toFixed(2)} %`.padStart(14)} ${`${MB(r.peerBytes)} MB`.padStart(11)} ${String(r.peakStoreTransfers).padStart(14)} ${(r.complete ? 'all' : 'NO').padStart(9)}`,
    );
  row('real agents + peer servers, loopback HTTP', real);
  row(`broker engine, virtual time (last node at ${simulated.virtualSeconds?.toFixed(1)} s)`, simulated);
  console.log(`naive = every node reads the whole scene from the store; a second job sharing these blobs reads nothing (node cache)`);
  return { files: blobs.length, jobBytes, seeds: SEEDS, perHolder: PER_HOLDER, real, simulated };
}

/** The side-by-side table's row: store bytes at a job start on all the nodes, against the naive fetch. */
export function assetFanoutRow(a: Awaited<ReturnType<typeof assetFanoutSection>>): string {
  const s = a.simulated;
  return `${'asset MB from store at job start'.padEnd(36)} ${`${MB(s.storeBytes)} of naive ${MB(s.naiveStoreBytes)} (${s.nodes.toLocaleString('en')} nodes, peers ${MB(s.peerBytes)})`.padStart(22)}`;
}
