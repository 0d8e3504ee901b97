/**
 * The secure mine link end to end: the platform (its own PKI under the data dir) against simulated
 * PLCs over real OPC UA SignAndEncrypt. A PLC certificate the server does not trust, a PLC that does
 * not trust the server, and a PLC that offers only None each leave the face not connected, with the
 * reason in the API; the engineer's fix (trust through the API, the CLI, or at the PLC; None set for
 * the face explicitly) brings it up. Certificates are made once per simulator and once for the platform.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startMineSimulator } from '../../../sim/mine/server.ts';
import type { MineSimulator, MineSimulatorOptions } from '../../../sim/mine/server.ts';
import { freePort } from '../../../sim/free-port.ts';
import { thumbprintOf } from '../src/mine/pki.ts';
import type { MineService } from '../src/mine/service.ts';
import { client, login, operatorToken, startPlatform, waitUntil } from './helpers.ts';
import type { TestPlatform } from './helpers.ts';
import { mineServiceOf, testFace } from './mine-harness.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/shuzhi.mjs', import.meta.url));

type Client = ReturnType<typeof client>;
let t: TestPlatform;
let svc: MineService;
let pki: string;
let eng: Client;
let viewer: Client;
let mineOp: Client;
const sims: MineSimulator[] = [];

before(async () => {
  t = await startPlatform();
  svc = mineServiceOf(t);
  pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-security-'));
  eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
  viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
  mineOp = client(t.url, { cookie: await login(t.url, 'mine-operator') });
});
after(async () => {
  await t?.close();
  for (const s of sims) await s.stop();
  if (pki) rmSync(pki, { recursive: true, force: true });
});

async function sim(name: string, o: Partial<MineSimulatorOptions> = {}): Promise<MineSimulator> {
  const s = await startMineSimulator({ port: await freePort(), tickMs: 20, face: testFace(), physics: { rampMs: 80, inrushMs: 30 }, pkiFolder: join(pki, name), ...o });
  sims.push(s);
  return s;
}

async function register(id: string, s: MineSimulator, security?: { mode: string; policy: string }) {
  const c = testFace();
  const r = await eng.req('POST', '/api/mine/faces', {
    id, name: `Face ${id}`, mineId: 'mine-05', endpoint: s.endpoint,
    config: { machines: c.machines, sensors: c.sensors, ...(security ? { security } : {}) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const face = async (id: string) => (await viewer.req('GET', `/api/mine/faces/${id}`)).body;
const linkCode = (id: string, code: string) => waitUntil(`${id}: link error ${code}`, async () => ((await face(id)).linkError?.code === code ? face(id) : null), 15_000);
const connected = (id: string) => waitUntil(`${id} connected`, async () => (await face(id)).connected, 15_000);

test('a PLC certificate the server does not trust: the face is not connected and the API says which certificate and how to trust it; trusting it through the API connects the face', async () => {
  // the PLC trusts the server; the server has never seen the PLC
  const plc = await sim('plc-a', { trustedClientCertificates: [(await svc.openPki()).ownDer()] });
  await register('sec-a', plc);

  const s = await linkCode('sec-a', 'MINE_OPCUA_PLC_CERT_UNTRUSTED');
  assert.equal(s.connected, false);
  assert.equal(s.linkError.thumbprint, plc.thumbprint);
  assert.ok(s.linkError.message.includes(`shuzhi mine certs trust ${plc.thumbprint}`), s.linkError.message);
  assert.match(s.linkError.message, /Security panel/);
  assert.deepEqual(s.security, { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' });
  const summary = (await viewer.req('GET', '/api/mine/faces')).body.items.find((f: any) => f.id === 'sec-a');
  assert.equal(summary.linkError.code, 'MINE_OPCUA_PLC_CERT_UNTRUSTED');
  assert.ok(plc.events.every((e) => e.kind !== 'heartbeat-first'), 'nothing reached the PLC');

  // node-opcua filed it under rejected/; the engineer sees it with subject and validity
  const certs = (await eng.req('GET', '/api/mine/certificates')).body;
  const rejected = certs.rejected.find((c: any) => c.thumbprint === plc.thumbprint);
  assert.ok(rejected, JSON.stringify(certs.rejected));
  assert.match(rejected.subject, /CN=/);
  assert.ok(Date.parse(rejected.validTo) > Date.now());
  assert.equal(certs.own.thumbprint, thumbprintOf((await svc.openPki()).ownDer()));
  assert.match(certs.own.pem, /BEGIN CERTIFICATE/);
  assert.doesNotMatch(JSON.stringify(certs), /PRIVATE KEY/);

  // only the engineer (or the platform operator) may decide trust; the control room and viewers may not
  for (const c of [viewer, mineOp]) {
    assert.equal((await c.req('GET', '/api/mine/certificates')).status, 403);
    assert.equal((await c.req('POST', `/api/mine/certificates/${plc.thumbprint}/trust`)).status, 403);
  }
  assert.equal((await eng.req('POST', `/api/mine/certificates/${'0'.repeat(40)}/trust`)).body.code, 'MINE_CERT_NOT_FOUND');
  assert.equal((await eng.req('POST', '/api/mine/certificates/not-a-thumbprint/trust')).status, 400);
  assert.equal((await face('sec-a')).connected, false, 'a refused attempt changed nothing');

  const trusted = await eng.req('POST', `/api/mine/certificates/${plc.thumbprint}/trust`);
  assert.equal(trusted.status, 200, JSON.stringify(trusted.body));
  assert.equal(trusted.body.status, 'trusted');
  await connected('sec-a');
  assert.equal((await face('sec-a')).linkError, null);
  const audit = (await viewer.req('GET', '/api/mine/audit?action=certificate-trust&logins=false')).body.items as any[];
  assert.ok(audit.some((a) => a.user === 'mine-engineer' && a.result === 'accepted' && a.target === plc.thumbprint), JSON.stringify(audit));
  assert.ok(audit.some((a) => a.user === 'viewer' && a.result === 'forbidden'));
});

test('a PLC that does not trust the server: the face says the PLC refused our certificate; trusting it at the PLC connects the face', async () => {
  const plc = await sim('plc-b');
  await (await svc.openPki()).trustDer(plc.certificate);
  await register('sec-b', plc);
  const own = thumbprintOf((await svc.openPki()).ownDer());
  const s = await linkCode('sec-b', 'MINE_OPCUA_CLIENT_CERT_REJECTED');
  assert.equal(s.connected, false);
  assert.equal(s.linkError.thumbprint, own);
  assert.match(s.linkError.message, /refused this server's certificate/);
  assert.ok(plc.rejectedClients().includes(own), 'the PLC filed our certificate under rejected/');
  await plc.trustClient((await svc.openPki()).ownDer());
  await connected('sec-b');
});

test('with the CLI: `shuzhi mine certs list --face` marks the untrusted PLC certificate and says why; `trust` connects the face', async () => {
  const plc = await sim('plc-c', { trustedClientCertificates: [(await svc.openPki()).ownDer()] });
  await register('sec-c', plc);
  await linkCode('sec-c', 'MINE_OPCUA_PLC_CERT_UNTRUSTED');
  const env = { ...process.env, SHUZHI_SERVER: t.url, SHUZHI_TOKEN: await operatorToken(t.p) };
  const list = await run(process.execPath, [bin, 'mine', 'certs', 'list', '--face', 'sec-c'], { env });
  assert.match(list.stdout, /NOT connected/);
  assert.match(list.stdout, new RegExp(`\\* rejected\\s+${plc.thumbprint}`));
  const trust = await run(process.execPath, [bin, 'mine', 'certs', 'trust', plc.thumbprint], { env });
  assert.match(trust.stdout, new RegExp(`trusted: trusted\\s+${plc.thumbprint}`));
  await connected('sec-c');
  const again = await run(process.execPath, [bin, 'mine', 'certs', 'list', '--face', 'sec-c', '--json'], { env });
  const j = JSON.parse(again.stdout);
  assert.equal(j.face.connected, true);
  assert.ok(j.trusted.some((c: any) => c.thumbprint === plc.thumbprint));
});

test('None is refused unless configured for the face; configured, the face connects and the API reports the unsecured link', async () => {
  const old = await sim('plc-none', { security: 'None' });
  await register('sec-d', old);
  const s = await linkCode('sec-d', 'MINE_OPCUA_SECURITY_UNSUPPORTED');
  assert.equal(s.connected, false);
  assert.match(s.linkError.message, /does not offer SignAndEncrypt\/Basic256Sha256 \(it offers None\/None\)/);

  const bad = await eng.req('PATCH', '/api/mine/faces/sec-d/settings', { security: { mode: 'None', policy: 'Basic256Sha256' } });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal((await mineOp.req('PATCH', '/api/mine/faces/sec-d/settings', { security: { mode: 'None', policy: 'None' } })).status, 403);

  const set = await eng.req('PATCH', '/api/mine/faces/sec-d/settings', { security: { mode: 'None', policy: 'None' } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  await connected('sec-d');
  const st = await face('sec-d');
  assert.deepEqual(st.security, { mode: 'None', policy: 'None' });
  const summary = (await viewer.req('GET', '/api/mine/faces')).body.items.find((f: any) => f.id === 'sec-d');
  assert.equal(summary.security.mode, 'None');
  const audit = (await viewer.req('GET', '/api/mine/audit?faceId=sec-d&action=settings-change&logins=false')).body.items as any[];
  assert.equal(audit.find((a) => a.result === 'accepted')?.newValue.config.security.mode, 'None', 'the change to None is on the record');
});
