import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRig, waitFor } from './mine-harness.ts';
import type { Rig } from './mine-harness.ts';

let rig: Rig;
before(async () => {
  rig = await startRig();
});
after(async () => {
  await rig?.close();
});

test('emergency stop during a start sequence stops everything at once and latches', async () => {
  const { sim, controller, face } = rig;
  await controller.startSequence('op-zhao');
  await waitFor(() => (controller.state().sequence?.started.length ?? 0) >= 3, 'three machines running');
  const from = sim.events.length;
  await controller.emergencyStop('op-zhao');

  const log = sim.events.slice(from);
  const estopAt = log.findIndex((e) => e.kind === 'estop');
  assert.ok(estopAt >= 0, 'the PLC got the emergency stop');
  const stops = log.slice(estopAt + 1).filter((e) => e.kind === 'stopped');
  assert.ok(stops.length >= 3, `${stops.length} machines stopped`);
  // all stops come from the one e-stop call, at the same PLC instant, before anything else happens
  assert.ok(stops.every((e) => e.by === 'estop' && e.at === log[estopAt]!.at), JSON.stringify(stops));
  assert.deepEqual(log.slice(estopAt + 1, estopAt + 1 + stops.length).map((e) => e.kind), stops.map(() => 'stopped'));
  assert.ok(face.startOrder.every((id) => !sim.plant.machines.get(id)!.running), 'nothing runs');
  assert.ok(!log.slice(estopAt).some((e) => e.kind === 'started'), 'nothing started after the e-stop');
  assert.equal(controller.state().mode, 'estopped');
  assert.equal(controller.state().sequence, null);

  await assert.rejects(controller.startSequence('op-zhao'), { code: 'MINE_START_BLOCKED_ESTOP' });
  // the sequence's timers must not resume: nothing starts later either
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!sim.events.slice(from).some((e, i) => i > estopAt && e.kind === 'started'));

  await controller.reset('op-zhao');
  await waitFor(() => !sim.plant.estopLatched && controller.state().plant.estopLatched === false, 'PLC latch reset, seen by the supervisor');
  await controller.startSequence('op-zhao');
  await waitFor(() => controller.state().mode === 'running', 'face running after reset');
  assert.deepEqual(rig.audit.filter((r) => r.action === 'emergency-stop').map((r) => [r.user, r.result]), [['op-zhao', 'accepted']]);
});

test('emergency stop wins in every mode, even when nothing is sequenced', async () => {
  const { sim, controller, face } = rig;
  await controller.emergencyStop('op-zhao');
  assert.ok(face.startOrder.every((id) => !sim.plant.machines.get(id)!.running));
  await controller.emergencyStop('op-zhao');
  assert.equal(controller.state().mode, 'estopped');
});
