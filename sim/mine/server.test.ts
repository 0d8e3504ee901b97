/** The simulator over real OPC UA, with a bare node-opcua client: interlock, physics, fault and methane methods. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';
import type { ClientSession, VariantOptions } from 'node-opcua';
import { MACHINE_KIND_SPECS, MINE_NAMESPACE_URI, nodeIds } from '@shuzhi/mine';
import type { MachineTag } from '@shuzhi/mine';
import { startMineSimulator } from './server.ts';
import type { MineSimulator } from './server.ts';
import { findFreePort } from './free-port.ts';

let sim: MineSimulator;
let client: OPCUAClient;
let session: ClientSession;
let ns = 0;
const pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-sim-test-'));

before(async () => {
  sim = await startMineSimulator({ port: await findFreePort(), tickMs: 10, physics: { rampMs: 150, inrushMs: 60 }, pkiFolder: join(pki, 'server') });
  client = OPCUAClient.create({
    endpointMustExist: false, securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0 }, clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(pki, 'client') }),
  });
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
