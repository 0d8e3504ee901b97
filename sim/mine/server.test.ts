/**
 * The simulator over real OPC UA, with a bare node-opcua client on the secure link (SignAndEncrypt,
 * Basic256Sha256, trust list): certificate refusal, interlock, physics, fault and methane methods.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';
import type { ClientSession, VariantOptions } from 'node-opcua';
import { MACHINE_KIND_SPECS, MINE_NAMESPACE_URI, nodeIds } from '@shuzhi/mine';
import type { MachineTag } from '@shuzhi/mine';
import { startMineSimulator } from './server.ts';
import type { MineSimulator } from './server.ts';
import { freePort } from '../free-port.ts';

let sim: MineSimulator;
let client: OPCUAClient;
let session: ClientSession;
let ns = 0;
const pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-sim-test-'));

/** A client on the secure link, with its own certificate store (its key is made on first use, RSA 2048). */
function secureClient(folder: string, mode = MessageSecurityMode.SignAndEncrypt, policy = SecurityPolicy.Basic256Sha256): { client: OPCUAClient; cm: OPCUACertificateManager } {
  const cm = new OPCUACertificateManager({ rootFolder: folder, automaticallyAcceptUnknownCertificate: false });
  const c = OPCUAClient.create({ applicationName: 'sim-test', endpointMustExist: false, securityMode: mode, securityPolicy: policy, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: cm });
  return { client: c, cm };
}

before(async () => {
  sim = await startMineSimulator({ port: await freePort(), tickMs: 10, physics: { rampMs: 150, inrushMs: 60 }, pkiFolder: join(pki, 'server') });
  const secure = secureClient(join(pki, 'client'));
  client = secure.client;
  // the engineer's two steps: the PLC trusts this client, the client trusts the PLC
  await secure.cm.initialize();
  await client.createDefaultCertificate();
  await sim.trustClient(Buffer.from(client.getCertificate()));
  await secure.cm.trustCertificate(sim.certificate);
  await client.connect(sim.endpoint);
  session = await client.createSession();
  ns = (await session.readNamespaceArray()).indexOf(MINE_NAMESPACE_URI);
});
after(async () => {
  await session?.close();
  await client?.disconnect();
  await sim?.stop();
  rmSync(pki, { recursive: true, force: true });
});

test('secure by default: a client whose certificate the PLC does not trust is refused, and its certificate is filed under rejected/', async () => {
  const stranger = secureClient(join(pki, 'stranger'));
  await stranger.cm.initialize();
  await stranger.cm.trustCertificate(sim.certificate);
  try {
    await assert.rejects(stranger.client.connect(sim.endpoint), /BadSecurityChecksFailed|rejected by server/);
    const own = createHash('sha1').update(Buffer.from(stranger.client.getCertificate())).digest('hex');
    assert.ok(sim.rejectedClients().includes(own), `rejected/ holds ${own}: ${sim.rejectedClients().join(', ')}`);
    // an engineer trusts it at the PLC: the same client now gets a session
    await sim.trustClient(Buffer.from(stranger.client.getCertificate()));
    const again = secureClient(join(pki, 'stranger'));
    await again.client.connect(sim.endpoint);
    const s = await again.client.createSession();
    assert.ok((await s.readNamespaceArray()).includes(MINE_NAMESPACE_URI));
    await s.close();
    await again.client.disconnect();
  } finally {
    await stranger.client.disconnect();
  }
});

test('secure by default: a client asking for SecurityMode None gets no session', async () => {
  const plain = secureClient(join(pki, 'client'), MessageSecurityMode.None, SecurityPolicy.None);
  try {
    await assert.rejects(async () => {
      await plain.client.connect(sim.endpoint);
      await plain.client.createSession();
    });
  } finally {
    await plain.client.disconnect();
  }
});

test('an old PLC (security None) is what the simulator plays only when asked', async () => {
  const old = await startMineSimulator({ port: await freePort(), tickMs: 50, security: 'None', pkiFolder: join(pki, 'old') });
  const plain = secureClient(join(pki, 'client'), MessageSecurityMode.None, SecurityPolicy.None);
  try {
    assert.equal(old.security, 'None');
    await plain.client.connect(old.endpoint);
    const s = await plain.client.createSession();
    await s.close();
  } finally {
    await plain.client.disconnect();
    await old.stop();
  }
});

const id = (s: string) => `ns=${ns};s=${s}`;
async function call(object: string, method: string, args: VariantOptions[] = []): Promise<[boolean, string]> {
  const r = await session.call({ objectId: id(object), methodId: id(`${object}.${method}`), inputArguments: args });
  assert.equal(r.statusCode.name, 'Good');
  return [Boolean(r.outputArguments?.[0]?.value), String(r.outputArguments?.[1]?.value)];
}
async function read(machine: string, tag: MachineTag): Promise<unknown> {
  return (await session.read({ nodeId: id(nodeIds.machineTag(machine, tag)), attributeId: AttributeIds.Value })).value.value;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the PLC refuses a start while the machine it discharges onto is stopped', async () => {
  const [accepted, reason] = await call('crusher', 'RunCmd');
  assert.equal(accepted, false);
  assert.match(reason, /belt is stopped/);
  assert.equal(await read('crusher', 'Running'), false);
  assert.equal(sim.events.at(-1)?.kind, 'refused');
});

test('physics: inrush current on start, then steady; speed ramps up; winding warms', async () => {
  const rated = MACHINE_KIND_SPECS.belt.ratedCurrentA;
  assert.deepEqual(await call('belt', 'RunCmd'), [true, '']);
  const inrush = Number(await read('belt', 'MotorCurrent'));
  const early = Number(await read('belt', 'ChainSpeed'));
  await sleep(400);
  const steady = Number(await read('belt', 'MotorCurrent'));
  const late = Number(await read('belt', 'ChainSpeed'));
  assert.ok(inrush > 2 * rated, `inrush ${inrush} A`);
  assert.ok(steady > 0 && steady < rated, `steady ${steady} A`);
  assert.ok(early < late && late === MACHINE_KIND_SPECS.belt.ratedSpeed, `speed ${early} → ${late}`);
  assert.ok(Number(await read('belt', 'WindingTemp')) > 25);
});

test('fault injection over OPC UA trips the machine and everything upstream; unknown faults are refused', async () => {
  assert.deepEqual(await call('crusher', 'RunCmd'), [true, '']);
  await sleep(200);
  assert.deepEqual(await call('stageLoader', 'RunCmd'), [true, '']);
  const [ok, why] = await call('Face', 'InjectFault', [{ dataType: DataType.String, value: 'crusher' }, { dataType: DataType.String, value: 'meteor' }]);
  assert.equal(ok, false);
  assert.match(why, /chain-break/);
  assert.deepEqual(await call('Face', 'InjectFault', [{ dataType: DataType.String, value: 'crusher' }, { dataType: DataType.String, value: 'coal-pileup' }]), [true, '']);
  await sleep(50);
  assert.equal(await read('crusher', 'Fault'), true);
  assert.equal(await read('crusher', 'FaultCause'), 'coal-pileup');
  assert.equal(await read('stageLoader', 'Running'), false, 'cascaded upstream');
  assert.equal(await read('belt', 'Running'), true, 'downstream runs on');
  const [again, reason] = await call('crusher', 'RunCmd');
  assert.equal(again, false);
  assert.match(reason, /fault: coal-pileup/);
  await call('Face', 'ClearFault', [{ dataType: DataType.String, value: 'crusher' }]);
  assert.deepEqual(await call('crusher', 'RunCmd'), [true, '']);
});

test('methane over OPC UA: the KJ cut at 1.5 % stops the face and is restored only below 1.0 %', async () => {
  const setCh4 = (pct: number) => call('Face', 'SetMethane', [{ dataType: DataType.String, value: 'ch4T1' }, { dataType: DataType.Double, value: pct }]);
  assert.deepEqual(await setCh4(1.6), [true, '']);
  await sleep(50);
  const v = await session.read({ nodeId: id(nodeIds.sensorValue('ch4T1')), attributeId: AttributeIds.Value });
  assert.equal(v.value.value, 1.6);
  assert.equal(await read('belt', 'Running'), false);
  await setCh4(1.2);
  assert.match((await call('belt', 'RunCmd'))[1], /methane power cut by ch4T1/);
  await setCh4(0.9);
  assert.deepEqual(await call('belt', 'RunCmd'), [true, '']);
  sim.injectFault('ch4T2', 'sensor-loss');
  await sleep(50);
  const lost = await session.read({ nodeId: id(nodeIds.sensorValue('ch4T2')), attributeId: AttributeIds.Value });
  assert.equal(lost.statusCode.name, 'BadSensorFailure');
  assert.equal(await read('belt', 'Running'), false, 'a lost sensor cuts power too');
});
