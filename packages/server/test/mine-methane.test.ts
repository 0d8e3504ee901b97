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

const faceMachines = (r: Rig) => [...r.face.machines.values()].filter((m) => m.zone === 'face').map((m) => m.id);

test('CH4 1.6 % at T1 cuts power to the face; starts are refused until CH4 is below 1.0 %', async () => {
  const { sim, controller } = rig;
  await controller.startSequence('op-wang');
  await waitFor(() => controller.state().mode === 'running', 'face running');

  sim.setMethane('ch4T1', 1.6);
  await waitFor(() => controller.state().cuts.some((c) => c.sensorId === 'ch4T1'), 'methane cut seen by the supervisor');
  await waitFor(() => faceMachines(rig).every((id) => controller.state().plant.machines[id]?.running === false), 'face machines stopped');
  assert.equal(sim.plant.machines.get('pump1')!.running, true, 'the pump in the intake airway keeps its power');
  assert.ok(sim.events.some((e) => e.kind === 'kj-cut' && e.source === 'ch4T1'));

  const open = controller.alarms().map((a) => `${a.code}:${a.source}`);
  assert.ok(open.includes('CH4_POWER_CUT:ch4T1') && open.includes('CH4_HIGH:ch4T1'), open.join(', '));

  const refused = async () => {
    await assert.rejects(controller.startSequence('op-wang'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MINE_START_BLOCKED_METHANE');
      assert.match(e.message, /CH₄ power cut/);
      assert.match(e.message, /1\.60 %/);
      assert.match(e.message, /below 1\.0 %/);
      return true;
    });
  };
  await refused();
  const audited = rig.audit.filter((r) => r.action === 'start-sequence' && r.result === 'rejected');
  assert.equal(audited.at(-1)?.code, 'MINE_START_BLOCKED_METHANE');

  // an active alarm cannot be acknowledged yet, only silenced
  const high = controller.alarms().find((a) => a.code === 'CH4_HIGH')!;
  await assert.rejects(controller.acknowledge(high.id, 'op-wang', 'too early'), { code: 'MINE_ALARM_STILL_ACTIVE' });
  await controller.silence(high.id, 'op-wang');

  // 1.2 %: below the cut limit but not below the restore limit — the cut stays latched
  sim.setMethane('ch4T1', 1.2);
  await waitFor(() => controller.state().plant.sensors.ch4T1?.pct === 1.2, 'reading 1.2 %');
  await refused();

  sim.setMethane('ch4T1', 0.8);
  await waitFor(() => controller.state().cuts.length === 0, 'cut restored');
  assert.ok(rig.events.some((e) => e.type === 'methane-power-restored'));

  // the methane alarm has returned to normal: now it can be acknowledged, with user and comment
  await controller.acknowledge(high.id, 'op-wang', 'ventilation increased');
  const done = controller.alarmHistory().find((a) => a.id === high.id)!;
  assert.deepEqual({ user: done.acknowledged?.user, comment: done.acknowledged?.comment }, { user: 'op-wang', comment: 'ventilation increased' });

  await controller.startSequence('op-wang');
  await waitFor(() => controller.state().mode === 'running', 'face running again');
});

test('a lost methane sensor cuts power like a high reading and blocks starts', async () => {
  const { sim, controller } = rig;
  sim.injectFault('ch4Shearer', 'sensor-loss');
  await waitFor(() => controller.alarms().some((a) => a.code === 'SENSOR_LOST' && a.source === 'ch4Shearer'), 'sensor lost alarm');
  await waitFor(() => controller.state().plant.machines.shearer?.running === false, 'shearer stopped');
  assert.equal(controller.state().plant.machines.frontAfc?.running, true, 'the shearer sensor cuts only the shearer');
  await assert.rejects(controller.startSequence('op-wang'), (e: Error & { code?: string }) => e.code === 'MINE_START_BLOCKED_METHANE' && /lost/.test(e.message));
  sim.clearFault('ch4Shearer');
  await waitFor(() => controller.state().cuts.length === 0, 'cut restored');
  await controller.startSequence('op-wang');
  await waitFor(() => controller.state().mode === 'running', 'face running again');
});
