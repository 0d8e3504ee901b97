import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { freePort } from '../../../sim/free-port.ts';
import { startRig, testFace, waitFor } from './mine-harness.ts';
import { FaceController } from '../src/mine/controller-runtime.ts';
import type { Rig } from './mine-harness.ts';

/** A TCP proxy between supervisor and PLC whose link the test can cut and restore. */
class LinkProxy {
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  constructor(readonly port: number, readonly targetPort: number) {}

  async open(): Promise<void> {
    this.#server = createServer((down) => {
      const up = connect(this.targetPort, '127.0.0.1');
      for (const s of [down, up]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = null;
  }
}

let rig: Rig;
let proxy: LinkProxy;
before(async () => {
  rig = await startRig({
    // Six heartbeat periods (250 ms each): a loaded machine can hold the loop past one or two, and a
    // watchdog that trips then stops the face before the test cuts the link (seen at 300 ms).
    physics: { watchdogMs: 1500 },
    endpointFor: async (endpoint, simPort) => {
      proxy = new LinkProxy(await freePort(), simPort);
      await proxy.open();
      return endpoint.replace(`:${simPort}/`, `:${proxy.port}/`);
    },
  });
});
after(async () => {
  await proxy?.cut();
  await rig?.close();
});

test('connection loss: supervisor goes to safe state and says so; the PLC watchdog stops the face', async () => {
  const { sim, controller, face } = rig;
  await controller.startSequence('op-sun');
  await waitFor(() => controller.state().mode === 'running', 'face running', 30_000);
  assert.ok(!sim.events.some((e) => e.kind === 'watchdog'), 'no watchdog trip while the link was up');
  assert.ok(sim.events.some((e) => e.kind === 'heartbeat-first'), 'the supervisor writes the watchdog heartbeat');

  await proxy.cut();
  await waitFor(() => controller.state().mode === 'safe', 'safe state');
  const s = controller.state();
  assert.equal(s.connected, false);
  assert.match(s.lastMessage, /safe state/);
  assert.ok(s.alarms.some((a) => a.code === 'COMM_LOST' && a.active), 'COMM_LOST alarm is active');
  assert.deepEqual(s.plant.machines, {}, 'no stale telemetry is shown as current');

  await assert.rejects(controller.startSequence('op-sun'), (e: Error & { code?: string }) => e.code === 'MINE_NOT_CONNECTED' && /hard-wired/.test(e.message));
  await assert.rejects(controller.stopSequence('op-sun'), { code: 'MINE_NOT_CONNECTED' });

  await waitFor(() => face.startOrder.every((id) => !sim.plant.machines.get(id)!.running), 'PLC watchdog stopped the face');
  const watchdog = sim.events.findIndex((e) => e.kind === 'watchdog');
  assert.ok(watchdog >= 0);
  assert.ok(sim.events.slice(watchdog).filter((e) => e.kind === 'stopped').every((e) => e.by === 'watchdog'));

  // the link comes back: the supervisor reconnects but stays safe until an operator resets it
  await proxy.open();
  await waitFor(() => controller.state().connected, 'reconnected', 15_000);
  assert.equal(controller.state().mode, 'safe');
  assert.ok(!controller.state().alarms.some((a) => a.code === 'COMM_LOST' && a.active), 'COMM_LOST cleared');
  await waitFor(() => controller.state().plant.machines.belt !== undefined, 'telemetry again');
  await assert.rejects(controller.startSequence('op-sun'), { code: 'MINE_START_BLOCKED_SAFE_STATE' });
  await controller.reset('op-sun');
  await controller.startSequence('op-sun');
  await waitFor(() => controller.state().mode === 'running', 'face running after reset');
});

test('an unreachable PLC fails to connect with a clear error', async () => {
  const port = await freePort();
  const fc = new FaceController({ face: testFace(), endpoint: `opc.tcp://127.0.0.1:${port}/UA/ShuzhiMine`, opcua: { connectTimeoutMs: 800 } });
  await assert.rejects(fc.connect(), (e: Error & { code?: string }) => e.code === 'MINE_OPCUA_CONNECT_FAILED' && e.message.includes(String(port)));
  await fc.close();
});
