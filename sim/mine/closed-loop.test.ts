/**
 * The pure controller against the simulated PLC in virtual time (no OPC UA): random faults at
 * random moments must never leave coal running onto a stopped machine, and the controller
 * must command a start the PLC's own interlock refuses only in the instant a fault happens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FaceStateMachine, defaultFaceConfig, upstreamOf, withTimings } from '@shuzhi/mine';
import type { FaultKind, PlantCommand, PlantSnapshot } from '@shuzhi/mine';
import { SimPlant } from './plant.ts';

function snapshot(plant: SimPlant): PlantSnapshot {
  const machines: PlantSnapshot['machines'] = {};
  for (const [id, m] of plant.machines) {
    machines[id] = {
      running: m.running, fault: m.fault, faultCause: m.faultCause, remote: m.remote, lockout: m.lockout, estop: m.estop,
      motorCurrentA: m.motorCurrentA, windingTempC: m.windingTempC, chainSpeed: m.chainSpeed,
    };
  }
  const sensors: PlantSnapshot['sensors'] = {};
  for (const [id, s] of plant.sensors) sensors[id] = s.lost ? { pct: null, ok: false } : { pct: s.pct, ok: true };
  return { machines, sensors, estopLatched: plant.estopLatched };
}

function simulate(fault: { machine: string; kind: FaultKind; atMs: number } | null, methane: { atMs: number; pct: number } | null) {
  const config = withTimings(defaultFaceConfig(), { warningMs: 50, feedbackTimeoutMs: 1000, runEmptyMs: 30 });
  const plant = new SimPlant(config, { rampMs: 80, inrushMs: 30 }, 0);
  const sm = new FaceStateMachine(plant.face);
  let t = 0;
  const send = (cmds: PlantCommand[]) => {
    for (const c of cmds) {
      const r = c.kind === 'start' ? plant.run(c.machineId, t)
        : c.kind === 'stop' ? plant.stop(c.machineId, t)
        : c.kind === 'estop' ? (plant.emergencyStop(t), { accepted: true, reason: '' })
        : (plant.resetEmergencyStop(t), { accepted: true, reason: '' });
      send(sm.handle({ type: 'command-result', at: t, command: c, accepted: r.accepted, reason: r.reason }).commands);
    }
  };
  sm.handle({ type: 'connection', at: t, connected: true, reason: 'loop' });
  send(sm.handle({ type: 'telemetry', at: t, snapshot: snapshot(plant) }).commands);
  const started = sm.handle({ type: 'command', at: t, command: { kind: 'start', user: 'prop' } });
  assert.equal(started.rejected, undefined);
  let faultedWhileStarting = false;
  for (; t <= 6000; t += 5) {
    if (fault && t === fault.atMs) {
      faultedWhileStarting = sm.view().mode === 'starting';
      plant.injectFault(fault.machine, fault.kind, t);
    }
    if (methane && t === methane.atMs) plant.setMethane('ch4T1', methane.pct, t);
    plant.tick(t);
    send(sm.handle({ type: 'tick', at: t }).commands);
    send(sm.handle({ type: 'telemetry', at: t, snapshot: snapshot(plant) }).commands);
    for (const m of plant.machines.values()) {
      const target = m.config.dischargesOnto;
      if (m.running && target) assert.ok(plant.machines.get(target)!.running, `t=${t}: ${m.config.id} runs onto stopped ${target}`);
    }
  }
  return { plant, sm, faultedWhileStarting };
}

test('without faults the loop reaches a running face and the PLC refuses nothing', () => {
  const { plant, sm } = simulate(null, null);
  assert.equal(sm.view().mode, 'running');
  assert.deepEqual(plant.events.filter((e) => e.kind === 'refused'), []);
});

test('property: any fault at any moment keeps the flow interlock and is answered upstream', () => {
  const machines = ['belt', 'crusher', 'stageLoader', 'rearAfc', 'frontAfc', 'shearer'];
  fc.assert(
    fc.property(
      fc.constantFrom(...machines),
      fc.constantFrom<FaultKind>('chain-break', 'overcurrent', 'pull-cord', 'coal-pileup'),
      fc.integer({ min: 0, max: 500 }).map((n) => n * 5),
      fc.option(fc.record({ atMs: fc.integer({ min: 0, max: 600 }).map((n) => n * 5), pct: fc.double({ min: 0.5, max: 2, noNaN: true }) }), { nil: null }),
      (machine, kind, atMs, methane) => {
        const { plant, sm, faultedWhileStarting } = simulate({ machine, kind, atMs }, methane);
        // the controller acts on the last sample, so a start commanded in the very step of a fault may
        // meet the PLC interlock, which is what the interlock is there for; at any other time it must not
        const refused = plant.events.filter((e) => e.kind === 'refused');
        assert.ok(refused.every((e) => e.at === atMs || e.at === methane?.atMs), JSON.stringify(refused));
        assert.notEqual(sm.view().mode, 'starting');
        for (const up of upstreamOf(plant.face, machine)) assert.equal(plant.machines.get(up)!.running, false, `${up} upstream of faulted ${machine}`);
        if (faultedWhileStarting) {
          assert.equal(sm.view().mode, 'tripped');
          assert.ok([...plant.machines.values()].every((m) => !m.running), 'an aborted start leaves nothing running');
        }
      },
    ),
    { numRuns: 60 },
  );
});
