// Telemetry fan-out to a real Mosquitto broker: with SHUZHI_MQTT_URL set the server publishes a
// face's telemetry, state and alarms; a command published on MQTT reaches nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectAsync, type MqttClient } from 'mqtt';
import { client, login, startPlatform, waitUntil, type TestPlatform } from '../../packages/server/test/helpers.ts';
import { mineServiceOf, startTrustedSim, testFace } from '../../packages/server/test/mine-harness.ts';
import type { MineSimulator } from '../../sim/mine/server.ts';
import { freePort } from '../../sim/free-port.ts';

const FACE = 'face-mqtt';
let dir: string;
let brokerUrl: string;
let broker: ChildProcess;
let sub: MqttClient;
let t: TestPlatform;
let sim: MineSimulator;
const got: { topic: string; payload: any; retain: boolean }[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shuzhi-mine-mqtt-'));
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const url = (brokerUrl = `mqtt://127.0.0.1:${port}`);
  sub = await waitUntil('broker up', () => connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }).catch(() => null), 10_000);
  sub.on('message', (topic, payload, packet) => got.push({ topic, payload: JSON.parse(payload.toString()), retain: packet.retain }));
  await sub.subscribeAsync('shuzhi/mine/#', { qos: 1 });

  t = await startPlatform({ env: { SHUZHI_MQTT_URL: url } });
  const config = testFace((c) => ({ ...c, id: FACE }));
  sim = await startTrustedSim(mineServiceOf(t), { port: await freePort(), tickMs: 10, face: config, physics: { rampMs: 80, inrushMs: 30 }, pkiFolder: join(dir, 'pki') });
  const eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
  const r = await eng.req('POST', '/api/mine/faces', { id: FACE, name: 'MQTT face', mineId: 'mine-03', endpoint: sim.endpoint, config: { machines: config.machines, sensors: config.sensors } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  await sub?.endAsync();
  await t?.close();
  await sim?.stop();
  broker?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('telemetry, state and alarms of a face are published to MQTT', async () => {
  const telemetry = await waitUntil('telemetry with every tag', async () =>
    got.find((m) => m.topic === `shuzhi/mine/${FACE}/telemetry` && 'belt.MotorCurrent' in m.payload.tags && 'ch4T1.CH4' in m.payload.tags), 10_000);
  assert.equal(typeof telemetry.payload.tags['belt.MotorCurrent'], 'number');
  assert.ok(got.some((m) => m.topic === `shuzhi/mine/${FACE}/state` && m.payload.connected === true));

  sim.setMethane('ch4T1', 1.2);
  const alarm = await waitUntil('methane alarm on MQTT', async () =>
    got.find((m) => m.topic === `shuzhi/mine/${FACE}/alarms` && m.payload.code === 'CH4_HIGH' && m.payload.change === 'raised'), 10_000);
  assert.equal(alarm.payload.source, 'ch4T1');
  await waitUntil('1.2 % published', async () => got.some((m) => m.topic.endsWith('/telemetry') && m.payload.tags['ch4T1.CH4'] === 1.2), 10_000);
  sim.setMethane('ch4T1', 0.3);
});

test('a late subscriber gets the retained picture; a command sent over MQTT moves nothing', async () => {
  const late = await connectAsync(brokerUrl, { protocolVersion: 5 });
  const retained: string[] = [];
  late.on('message', (topic, _p, packet) => packet.retain && retained.push(topic));
  await late.subscribeAsync(`shuzhi/mine/${FACE}/+`, { qos: 1 });
  await waitUntil('retained telemetry and state', async () => retained.includes(`shuzhi/mine/${FACE}/telemetry`) && retained.includes(`shuzhi/mine/${FACE}/state`), 5000);

  for (const topic of [`shuzhi/mine/${FACE}/commands/start`, `shuzhi/mine/${FACE}/command`, `shuzhi/mine/${FACE}/belt/RunCmd`]) {
    await late.publishAsync(topic, JSON.stringify({ kind: 'start', user: 'mine-operator' }), { qos: 1 });
  }
  await late.endAsync();
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(!sim.events.some((e) => e.kind === 'started'), 'nothing started');
  const viewer = client(t.url, { cookie: await login(t.url, 'viewer') });
  const audit = (await viewer.req('GET', `/api/mine/audit?faceId=${FACE}&action=command.start`)).body.items;
  assert.equal(audit.length, 0, 'no command was even attempted');
});
