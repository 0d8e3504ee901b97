import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceStateMachine, buildFace, defaultFaceConfig, withTimings } from '../src/index.ts';
import type { Face, MachineTelemetry, PlantCommand, PlantSnapshot, StepResult } from '../src/index.ts';

const WARN = 100;
const FEEDBACK = 1000;

/** A plant that does what it is told, instantly, unless told to ignore a machine. */
class IdealPlant {
  running = new Set<string>();
  fault = new Map<string, string>();
  lockout = new Set<string>();
  ignore = new Set<string>();
  ch4: Record<string, number> = { ch4T1: 0.2, ch4T2: 0.2, ch4Shearer: 0.2 };
  constructor(readonly face: Face) {}
  apply(cmds: PlantCommand[]): void {
    for (const c of cmds) {
      if (c.kind === 'start' && !this.ignore.has(c.machineId)) this.running.add(c.machineId);
      if (c.kind === 'stop') this.running.delete(c.machineId);
      if (c.kind === 'estop') this.running.clear();
    }
  }
  snapshot(): PlantSnapshot {
    const machines: Record<string, MachineTelemetry> = {};
    for (const m of this.face.machines.values()) {
      const on = this.running.has(m.id);
      machines[m.id] = {
        running: on, fault: this.fault.has(m.id), faultCause: this.fault.get(m.id) ?? '', remote: true, lockout: this.lockout.has(m.id), estop: false,
        motorCurrentA: on ? m.ratedCurrentA * 0.7 : 0, windingTempC: 40, chainSpeed: on ? m.ratedSpeed : 0,
      };
    }
    const sensors = Object.fromEntries(Object.entries(this.ch4).map(([k, pct]) => [k, { pct, ok: true }]));
    return { machines, sensors, estopLatched: false };
  }
}

function rig() {
  const face = buildFace(withTimings(defaultFaceConfig(), { warningMs: WARN, feedbackTimeoutMs: FEEDBACK, runEmptyMs: 50 }));
  const sm = new FaceStateMachine(face);
  const plant = new IdealPlant(face);
  const log: { at: number; result: StepResult }[] = [];
  let now = 0;
  const feed = (r: StepResult) => {
    log.push({ at: now, result: r });
    plant.apply(r.commands);
    return r;
  };
  feed(sm.handle({ type: 'connection', at: now, connected: true, reason: 'test' }));
  feed(sm.handle({ type: 'telemetry', at: now, snapshot: plant.snapshot() }));
  /** advance time in 10 ms steps, ticking and feeding telemetry */
  const advance = (ms: number) => {
    const end = now + ms;
    while (now < end) {
      now += 10;
      feed(sm.handle({ type: 'tick', at: now }));
      feed(sm.handle({ type: 'telemetry', at: now, snapshot: plant.snapshot() }));
    }
  };
  const command = (c: Parameters<FaceStateMachine['handle']>[0] extends infer E ? E extends { type: 'command'; command: infer C } ? C : never : never) =>
    feed(sm.handle({ type: 'command', at: now, command: c }));
  const commands = (from = 0) => log.slice(from).flatMap((l) => l.result.commands.map((c) => ({ at: l.at, ...c })));
  return { face, sm, plant, log, advance, command, commands, now: () => now };
}

test('each step: warning for the configured time, then start, then wait for current and speed', () => {
  const r = rig();
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected, undefined);
  r.advance(WARN - 10);
  assert.deepEqual(r.commands(), [], 'nothing is started during the warning');
  r.advance(10_000);
  assert.equal(r.sm.view().mode, 'running');
  const starts = r.commands().filter((c) => c.kind === 'start');
  assert.deepEqual(starts.map((c) => 'machineId' in c && c.machineId), r.face.startOrder);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]!.at - starts[i - 1]!.at >= WARN, 'a full warning between two starts');
});

test('no feedback within the timeout: the sequence stops what it started, upstream first', () => {
  const r = rig();
  r.plant.ignore.add('crusher');
  r.command({ kind: 'start', user: 'u' });
  r.advance(5000);
  assert.equal(r.sm.view().mode, 'tripped');
  const stops = r.commands().filter((c) => c.kind === 'stop').map((c) => 'machineId' in c && c.machineId);
  assert.deepEqual(stops, ['crusher', 'pump1', 'belt']);
  const aborted = r.sm.view().alarms.find((a) => a.code === 'SEQUENCE_ABORTED');
  assert.match(aborted?.message ?? '', /no running feedback from crusher within 1000 ms/);
  assert.equal(r.commands().filter((c) => c.kind === 'start').length, 3, 'nothing after the failed step is started');
});

test('a start is refused with the list of failed preconditions', () => {
  const r = rig();
  r.plant.lockout.add('shearer');
  r.plant.fault.set('crusher', 'coal-pileup');
  r.advance(10);
  const res = r.command({ kind: 'start', user: 'u' });
  assert.equal(res.rejected?.code, 'MINE_START_BLOCKED_INTERLOCK');
  const failures = res.rejected?.fields.failures as { machineId: string; code: string }[];
  assert.deepEqual(failures.map((f) => `${f.machineId}:${f.code}`).sort(), ['crusher:FAULT', 'shearer:LOCKOUT']);
  assert.match(res.rejected!.message, /coal-pileup/);
  assert.deepEqual(res.commands, []);
  assert.equal(r.command({ kind: 'start', user: '' }).rejected?.code, 'MINE_USER_REQUIRED');
});

test('a trip while running stops everything upstream at once; downstream runs on', () => {
  const r = rig();
  r.command({ kind: 'start', user: 'u' });
  r.advance(10_000);
  const from = r.log.length;
  r.plant.running.delete('stageLoader');
  r.plant.fault.set('stageLoader', 'chain-break');
  r.advance(10);
  const stops = r.commands(from).filter((c) => c.kind === 'stop').map((c) => 'machineId' in c && c.machineId);
  assert.deepEqual(stops, r.face.stopOrder.filter((id) => ['shearer', 'frontAfc', 'rearAfc'].includes(id)));
  assert.ok(r.plant.running.has('crusher') && r.plant.running.has('belt'));
  assert.equal(r.sm.view().mode, 'tripped');
  assert.ok(r.sm.view().alarms.some((a) => a.code === 'MACHINE_TRIP' && /chain-break/.test(a.message)));
});

test('stop sequence: flow direction with run-empty delays', () => {
  const r = rig();
  r.command({ kind: 'start', user: 'u' });
  r.advance(10_000);
  const from = r.log.length;
  r.command({ kind: 'stop', user: 'u' });
  r.advance(2000);
  const stops = r.commands(from).filter((c) => c.kind === 'stop');
  assert.deepEqual(stops.map((c) => 'machineId' in c && c.machineId), r.face.stopOrder);
  for (let i = 1; i < stops.length; i++) assert.ok(stops[i]!.at - stops[i - 1]!.at >= 50, 'run-empty delay between stops');
  assert.equal(r.sm.view().mode, 'idle');
});

test('emergency stop wins during a start: e-stop first, everything stopped, the sequence never resumes', () => {
  const r = rig();
  r.command({ kind: 'start', user: 'u' });
  r.advance(WARN * 3 + 50);
  const res = r.command({ kind: 'estop', user: 'boss' });
  assert.equal(res.commands[0]?.kind, 'estop');
  assert.deepEqual(res.commands.slice(1).map((c) => 'machineId' in c && c.machineId), r.face.stopOrder);
  const from = r.log.length;
  r.advance(5000);
  assert.deepEqual(r.commands(from), []);
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected?.code, 'MINE_START_BLOCKED_ESTOP');
  assert.equal(r.command({ kind: 'reset', user: 'u' }).commands[0]?.kind, 'reset-estop');
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected, undefined);
});

test('connection loss: safe state, said so, no command leaves the controller until reset', () => {
  const r = rig();
  r.command({ kind: 'start', user: 'u' });
  r.advance(WARN * 2 + 50);
  const lost = r.sm.handle({ type: 'connection', at: r.now(), connected: false, reason: 'socket closed' });
  assert.match(lost.events[0]?.message ?? '', /safe state/);
  assert.equal(r.sm.view().mode, 'safe');
  const from = r.log.length;
  r.advance(3000);
  assert.deepEqual(r.commands(from), []);
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected?.code, 'MINE_NOT_CONNECTED');
  r.sm.handle({ type: 'connection', at: r.now(), connected: true, reason: 'back' });
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected?.code, 'MINE_START_BLOCKED_SAFE_STATE');
  assert.equal(r.command({ kind: 'reset', user: 'u' }).rejected, undefined);
});

test('methane ≥ 1.5 % at T1 stops the face machines (upstream first), not the intake pump, and blocks starts', () => {
  const r = rig();
  r.command({ kind: 'start', user: 'u' });
  r.advance(10_000);
  const from = r.log.length;
  r.plant.ch4.ch4T1 = 1.55;
  r.advance(10);
  const stops = r.commands(from).filter((c) => c.kind === 'stop').map((c) => 'machineId' in c && c.machineId);
  assert.deepEqual(stops, r.face.stopOrder.filter((id) => id !== 'pump1'));
  const res = r.command({ kind: 'start', user: 'u' });
  assert.equal(res.rejected?.code, 'MINE_START_BLOCKED_METHANE');
  assert.match(res.rejected!.message, /1\.55 %.*below 1\.0 %/);
  r.plant.ch4.ch4T1 = 0.99;
  r.advance(10);
  assert.equal(r.command({ kind: 'start', user: 'u' }).rejected, undefined);
});
