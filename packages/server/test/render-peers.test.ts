// Render nodes serving each other scene blobs: real workers (several in this process) over real HTTP.
// N nodes starting one job read each blob from the store at most k times (plus fall-backs), the rest
// from peers, and all end with the verified bytes; a peer refuses without a valid grant (none, forged,
// expired, another node's, another tenant's, used twice); a corrupt peer answer is refused and the
// node fetches the blob again from the store.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RenderRunner, type PeerServer, type Worker } from '@shuzhi/agent';
import { signPeerGrant } from '@shuzhi/render';
import { client, enrolledWorker, login, startPlatform, waitUntil, type TestPlatform } from './helpers.ts';
import { FAKE_RENDERER, farmOf } from './render-helpers.ts';
import { peerOptions } from '../src/cli/agent.ts';
import { UsageError } from '../src/cli/args.ts';

const K = 2; // SHUZHI_RENDER_STORE_SLOTS: nodes the store seeds per blob
const M = 2; // SHUZHI_RENDER_PEER_SERVES: transfers one node serves at once
const N = 6;

let t: TestPlatform;
let studio: string;
const nodes: { worker: Worker; runner: RenderRunner }[] = [];

before(async () => {
  t = await startPlatform({ leaseMs: 5000, env: { SHUZHI_RENDER_STORE_SLOTS: String(K), SHUZHI_RENDER_PEER_SERVES: String(M) } });
  studio = await login(t.url, 'tenant2');
});
after(async () => {
  for (const n of nodes) {
    await n.worker.stop({ kill: true });
    await n.runner.close();
  }
  await t.close();
});

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const file = (path: string, body: Buffer) => ({ path, sha256: sha(body), size: body.length, body });

async function upload(files: ReturnType<typeof file>[]): Promise<string> {
  const m = await client(t.url, { cookie: studio }).req('POST', '/api/render/manifests', { files: files.map(({ path, sha256, size }) => ({ path, sha256, size })) });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  for (const f of files) {
    const res = await fetch(`${t.url}/api/render/blobs/${f.sha256}`, { method: 'PUT', headers: { cookie: studio, origin: t.url, 'content-type': 'application/octet-stream' }, body: f.body });
    assert.ok(res.status === 201 || res.status === 200, String(res.status));
  }
  return (m.body as { manifest: string }).manifest;
}

async function submit(manifest: string, main: string, frames: string): Promise<string> {
  const r = await client(t.url, { cookie: studio }).req('POST', '/api/render/jobs', { scene: { kind: 'manifest', manifest, main }, frames, chunkSize: 1, renderer: 'blender' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (r.body as { id: string }).id;
}

async function settled(id: string): Promise<void> {
  const done = await waitUntil(`job ${id} to settle`, async () => {
    const r = await client(t.url, { cookie: studio }).req('GET', `/api/render/jobs/${id}`);
    return ['completed', 'failed', 'cancelled'].includes(r.body.state) ? r.body : null;
  }, 120_000);
  assert.equal(done.state, 'completed', JSON.stringify(done.failureMessage));
}

async function node(name: string, frameMs: number) {
  const runner = new RenderRunner({ renderers: ['blender'], blenderPath: FAKE_RENDERER, ffmpegPath: FAKE_RENDERER, env: { FAKE_FRAME_MS: String(frameMs) }, peer: { host: '127.0.0.1', port: 0 } });
  const { worker } = await enrolledWorker(t, 'karamay', name, { runners: [runner] });
  const n = { worker, runner };
  nodes.push(n);
  return n;
}

const peerOf = async (r: RenderRunner): Promise<PeerServer> => {
  const p = await r.peer();
  assert.ok(p, 'the node serves peers');
  return p;
};

const tenantOf = async (cookie: string) => {
  const me = (await client(t.url, { cookie }).req('GET', '/api/auth/me')).body as { tenantId?: string; user?: { tenantId?: string } };
  const id = me.tenantId ?? me.user?.tenantId;
  assert.ok(id, JSON.stringify(me));
  return id;
};

const scene = file('shot.blend', Buffer.from('FAKE BLEND for peers'));
const texture = file('textures/rock.exr', randomBytes(384 * 1024));
const jobBytes = scene.size + texture.size;

test(`${N} nodes starting one job: the store serves each blob at most ${K} times, peers the rest, every node verified`, async () => {
  const farm = farmOf(t);
  const manifest = await upload([scene, texture]);
  const storeBefore = farm.blobs.counters.servedBytes;
  const id = await submit(manifest, 'shot.blend', `1-${N}`);
  // Every node takes one chunk (each renders for a while), so all N start the job together.
  const fleet = await Promise.all(Array.from({ length: N }, (_, i) => node(`peer-node-${i}`, 1500)));
  for (const n of fleet) n.worker.start();
  await settled(id);

  const storeBytes = farm.blobs.counters.servedBytes - storeBefore;
  const fallbacks = farm.peers.fanout.counters.peerFailures;
  let peerReceived = 0;
  let peerServed = 0;
  for (const n of fleet) {
    assert.ok(n.worker.finished.some((f) => f.ok && f.taskId !== `${id}.${N}`), 'each node rendered a chunk (task N is the preview)');
    assert.equal(n.runner.blobsFetched, 2, 'each node fetched each blob once');
    const p = await peerOf(n.runner);
    for (const f of [scene, texture]) assert.equal(sha(readFileSync(join(p.blobDir, f.sha256))), f.sha256, 'the cached blob is the verified bytes');
    peerReceived += n.runner.blobSources.peerBytes;
    peerServed += p.counters.servedBytes;
  }
  assert.equal(fallbacks, 0, 'no peer failed');
  assert.ok(storeBytes <= K * jobBytes + fallbacks * texture.size, `store read ${storeBytes} bytes, at most ${K} × ${jobBytes}`);
  assert.ok(storeBytes >= jobBytes, 'the store seeded the first node');
  assert.equal(storeBytes + peerReceived, N * jobBytes, 'every byte came from the store or a peer');
  assert.equal(peerServed, peerReceived, 'what peers served is what nodes received from peers');
  assert.equal(farm.peers.counters.peerBytes, peerReceived, 'the server counted the peer bytes the nodes reported');
  assert.ok(peerReceived >= (N - K) * jobBytes, `peers served at least ${N - K} nodes' copies`);
  assert.equal(new Set(farm.peers.fanout.holders(await tenantOf(studio), texture.sha256)).size, N, 'every node now holds the texture');
});

test('a peer serves only with a valid grant from the server: none, forged, expired, for another node or tenant, or reused is refused', async () => {
  const farm = farmOf(t);
  const holder = nodes[0]!;
  const p = await peerOf(holder.runner);
  const self = holder.worker.id;
  const tenant = await tenantOf(studio);
  const other = await tenantOf(await login(t.url, 'tenant'));
  const exp = Date.now() + 60_000;
  const get = (grant?: string, hash = texture.sha256) => fetch(`${p.url}/blobs/${hash}`, grant ? { headers: { authorization: `Grant ${grant}` } } : {});
  const refusedBefore = p.counters.refused;

  assert.equal((await get()).status, 401, 'no grant');
  assert.equal((await get('not.a-grant')).status, 401, 'malformed');
  const foreignKey = generateKeyPairSync('ed25519').privateKey;
  assert.equal((await get(signPeerGrant(foreignKey, { sha256: texture.sha256, tenant, to: 'x', from: self, exp }))).status, 401, 'not signed by this farm');
  assert.equal((await get(farm.peers.sign({ sha256: texture.sha256, tenant: other, to: 'x', from: self, exp }))).status, 403, "another tenant's grant");
  assert.equal((await get(farm.peers.sign({ sha256: texture.sha256, tenant, to: 'x', from: nodes[1]!.worker.id, exp }))).status, 403, 'a grant for another serving node');
  assert.equal((await get(farm.peers.sign({ sha256: texture.sha256, tenant, to: 'x', from: self, exp: Date.now() - 1 }))).status, 403, 'expired');
  assert.equal((await get(farm.peers.sign({ sha256: scene.sha256, tenant, to: 'x', from: self, exp }))).status, 403, 'a grant for another blob');
  assert.equal(p.counters.refused - refusedBefore, 7);

  const grant = farm.peers.sign({ sha256: texture.sha256, tenant, to: 'x', from: self, exp });
  const ok = await get(grant);
  assert.equal(ok.status, 200);
  assert.equal(sha(Buffer.from(await ok.arrayBuffer())), texture.sha256);
  assert.equal((await get(grant)).status, 403, 'a grant serves once');
  // Knowing a hash is not access: a blob this node holds for no job of the grant's tenant.
  const stranger = sha('never fetched here');
  assert.equal((await get(farm.peers.sign({ sha256: stranger, tenant, to: 'x', from: self, exp }), stranger)).status, 403);
});

test('a corrupt peer answer is refused and the node fetches the blob again from the store', async () => {
  const farm = farmOf(t);
  for (const n of nodes) await n.worker.stop();
  const tenant = await tenantOf(studio);
  const prop = file('props/lamp.obj', randomBytes(96 * 1024));
  const manifest = await upload([scene, prop]);

  // Node A renders first: the store seeds it, and it now serves the prop.
  const a = await node('peer-corrupt-a', 20);
  a.worker.start();
  await settled(await submit(manifest, 'shot.blend', '1'));
  await a.worker.stop();
  assert.deepEqual(farm.peers.fanout.holders(tenant, prop.sha256), [a.worker.id]);
  const pa = await peerOf(a.runner);
  // Its cached copy rots (a bad disk): it still answers, with the wrong bytes.
  writeFileSync(join(pa.blobDir, prop.sha256), Buffer.alloc(prop.size, 7));

  const storeBefore = farm.blobs.counters.servedBytes;
  const failuresBefore = farm.peers.fanout.counters.peerFailures;
  const b = await node('peer-corrupt-b', 20);
  b.worker.start();
  await settled(await submit(manifest, 'shot.blend', '2'));
  assert.equal(pa.counters.served, 1, 'A answered B');
  assert.equal(b.runner.blobSources.peerFailures, 1, 'B refused the bytes that did not hash to the name');
  assert.equal(farm.peers.fanout.counters.peerFailures - failuresBefore, 1);
  assert.equal(farm.blobs.counters.servedBytes - storeBefore, prop.size, 'B fetched the prop again, from the store');
  assert.equal(sha(readFileSync(join((await peerOf(b.runner)).blobDir, prop.sha256))), prop.sha256, "B's cache holds the verified bytes");
  assert.deepEqual(farm.peers.fanout.holders(tenant, prop.sha256), [b.worker.id], 'A is no longer offered for the prop');
});

test('the worker command reads --peer-listen and --peer-advertise, and off turns peer serving off', () => {
  assert.deepEqual(peerOptions('0.0.0.0:7391', undefined), { host: '0.0.0.0', port: 7391 });
  assert.deepEqual(peerOptions('[::]:8000', 'http://node-7.farm:8000'), { host: '::', port: 8000, advertise: 'http://node-7.farm:8000' });
  assert.equal(peerOptions('off', undefined), undefined);
  assert.throws(() => peerOptions('7391', undefined), UsageError);
  assert.throws(() => peerOptions('h:70000', undefined), UsageError);
  assert.throws(() => peerOptions('h:1', 'node-7:8000/x'), /--peer-advertise/);
  assert.throws(() => peerOptions('off', 'http://n:1'), /--peer-advertise/);
});
