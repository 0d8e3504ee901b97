import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { indexOf, startRig, testFace, waitFor } from './mine-harness.ts';
import type { Rig } from './mine-harness.ts';

let rig: Rig;
before(async () => {
  // the rear AFC warns long enough for the fault test to hit the sequence in the middle
  rig = await startRig({ face: testFace((c) => ({ ...c, machines: c.machines.map((m) => (m.id === 'rearAfc' ? { ...m, warningMs: 600 } : m)) })) });
});
after(async () => {
  await rig?.close();
});

test('start sequence: machines start against the coal flow, each only after the one it feeds runs', async () => {
  const { sim, controller, face } = rig;
  await controller.startSequence('op-li');
  await waitFor(() => controller.state().mode === 'running', 'face running');

  const starts = sim.events.filter((e) => e.kind === 'started').map((e) => e.source);
  assert.deepEqual(starts, face.startOrder, 'simulator log shows the configured start order');
  assert.equal(sim.events.filter((e) => e.kind === 'refused').length, 0, 'the PLC interlock never had to refuse a start');
  for (const id of face.startOrder) {
    const m = face.machines.get(id)!;
    const started = indexOf(sim, 'started', id);
    if (m.dischargesOnto === null) continue;
    const target = face.machines.get(m.dischargesOnto)!;
    assert.ok(indexOf(sim, 'started', target.id) < started, `${target.id} started before ${id}`);
    const ev = sim.events[started]!;
    assert.ok((ev.downstreamSpeed ?? 0) >= target.minRunningSpeed, `${target.id} was up to speed (${ev.downstreamSpeed}) when ${id} started`);
  }
  for (const id of face.startOrder) assert.equal(sim.plant.machines.get(id)!.running, true, `${id} running`);

  const accepted = rig.audit.find((r) => r.action === 'start-sequence');
  assert.equal(accepted?.user, 'op-li');
  assert.equal(accepted?.result, 'accepted');
  assert.deepEqual(rig.audit.filter((r) => r.action === 'plc-command' && r.newValue === 'start').map((r) => r.target), face.startOrder);
  assert.ok(rig.events.filter((e) => e.type === 'warning').length === face.startOrder.length, 'a warning before every start');

  await assert.rejects(controller.startSequence('op-li'), { code: 'MINE_NOTHING_TO_START' });
});

test('stop sequence: machines stop in the direction of coal flow', async () => {
  const { sim, controller, face } = rig;
  const from = sim.events.length;
  await controller.stopSequence('op-li');
  await waitFor(() => controller.state().mode === 'idle' && face.startOrder.every((id) => !sim.plant.machines.get(id)!.running), 'face stopped');
  const stops = sim.events.slice(from).filter((e) => e.kind === 'stopped');
  assert.deepEqual(stops.map((e) => e.source), face.stopOrder);
  assert.ok(stops.every((e) => e.by === 'command'));
});

test('a fault in the middle of the start sequence stops what had started, upstream first, and raises alarms', async () => {
  const { sim, controller, face } = rig;
  const from = sim.events.length;
  // The crusher faults the moment the PLC starts the stage loader, so the fault lands mid-sequence
  // however loaded the machine is (polling for the stage loader's confirmation could miss the rear
  // AFC's 40 ms warning).
  const off = sim.onEvent((e) => {
    if (e.kind === 'started' && e.source === 'stageLoader') {
      off();
      queueMicrotask(() => sim.injectFault('crusher', 'overcurrent'));
    }
  });
  await controller.startSequence('op-li');
  await waitFor(() => controller.state().mode === 'tripped' && face.startOrder.every((id) => !sim.plant.machines.get(id)!.running), 'everything stopped');

  const log = sim.events.slice(from);
  const startedIds = log.filter((e) => e.kind === 'started').map((e) => e.source);
  assert.deepEqual(startedIds, ['belt', 'pump1', 'crusher', 'stageLoader'], 'nothing started after the fault');
  const stopIdx = (id: string) => log.findIndex((e) => e.kind === 'stopped' && e.source === id);
  for (const id of startedIds) assert.ok(stopIdx(id) >= 0, `${id} stopped`);
  // the PLC trips the crusher and, upstream of it, the stage loader; the supervisor then stops the rest, upstream first
  assert.ok(stopIdx('stageLoader') < stopIdx('pump1') && stopIdx('pump1') < stopIdx('belt'), 'upstream stopped before downstream');
  assert.equal(log.find((e) => e.kind === 'stopped' && e.source === 'belt')?.by, 'command', 'the supervisor stopped the belt');

  const codes = rig.alarms.filter((a) => a.type === 'raised').map((a) => `${a.alarm.code}:${a.alarm.source}`);
  assert.ok(codes.includes('SEQUENCE_ABORTED:face-1'), codes.join(', '));
  assert.ok(codes.includes('MACHINE_FAULT:crusher'), codes.join(', '));
  const aborted = rig.alarms.find((a) => a.alarm.code === 'SEQUENCE_ABORTED')!.alarm;
  assert.match(aborted.message, /crusher/i);
  assert.match(aborted.message, /overcurrent/);

  // while the fault is present, a new start is refused with the reason
  await assert.rejects(controller.startSequence('op-li'), (e: Error & { code?: string }) => e.code === 'MINE_START_BLOCKED_INTERLOCK' && /crusher.*fault.*overcurrent/i.test(e.message));
  // the aborted-sequence alarm has no lasting cause: it can be acknowledged at once, with user and comment
  await controller.acknowledge(aborted.id, 'op-li', 'crusher motor checked');
  const h = controller.alarmHistory().find((a) => a.id === aborted.id);
  assert.equal(h?.acknowledged?.user, 'op-li');
  assert.equal(h?.acknowledged?.comment, 'crusher motor checked');
  // the fault alarm is still active: acknowledging it is refused
  const fault = controller.alarms().find((a) => a.code === 'MACHINE_FAULT' && a.source === 'crusher')!;
  await assert.rejects(controller.acknowledge(fault.id, 'op-li', 'x'), { code: 'MINE_ALARM_STILL_ACTIVE' });
});
