import { describe, expect, it } from 'vitest';
import type { MineFaceState, MineMachineState } from '@shuzhi/schema';
import { applyTelemetry, layoutFace, machineLook } from '../src/modules/mine/model.ts';

const machine = (over: Partial<MineMachineState>): MineMachineState => ({
  id: 'm', kind: 'belt', name: 'm', dischargesOnto: null, zone: 'face', warningMs: 0, feedbackTimeoutMs: 0, runEmptyMs: 0, ratedCurrentA: 100,
  running: false, fault: false, faultCause: '', remote: true, lockout: false, estop: false, motorCurrentA: 0, windingTempC: 0, chainSpeed: 0, ...over,
});
const seq = (machineId: string, phase: 'warning' | 'feedback') => ({ sequence: { kind: 'start' as const, user: 'u', machineId, phase, phaseEndsAt: null, remaining: [], started: [] } });

describe('mine HMI model', () => {
  it('colours a machine by telemetry first, then by the sequence step it is in', () => {
    expect(machineLook(machine({ running: null }), { sequence: null })).toBe('unknown');
    expect(machineLook(machine({ running: true, fault: true }), { sequence: null })).toBe('fault');
    expect(machineLook(machine({ running: true }), seq('m', 'warning'))).toBe('running');
    expect(machineLook(machine({}), seq('m', 'warning'))).toBe('warning');
    expect(machineLook(machine({}), seq('m', 'feedback'))).toBe('starting');
    expect(machineLook(machine({}), seq('other', 'warning'))).toBe('stopped');
    expect(machineLook(machine({ lockout: true }), { sequence: null })).toBe('locked');
  });

  it('lays the coal flow out left to right; two AFCs share a column; the pump sits apart', () => {
    const flow = [
      { id: 'belt', dischargesOnto: null },
      { id: 'crusher', dischargesOnto: 'belt' },
      { id: 'rearAfc', dischargesOnto: 'crusher' },
      { id: 'frontAfc', dischargesOnto: 'crusher' },
      { id: 'shearer', dischargesOnto: 'frontAfc' },
      { id: 'pump', dischargesOnto: null },
    ];
    const { placed } = layoutFace(flow);
    const at = (id: string) => placed.find((p) => p.id === id)!;
    expect(at('shearer').col).toBeLessThan(at('frontAfc').col);
    expect(at('frontAfc').col).toBe(at('rearAfc').col);
    expect(at('frontAfc').row).not.toBe(at('rearAfc').row);
    expect(at('crusher').col).toBeLessThan(at('belt').col);
    expect(at('pump').aux).toBe(true);
    expect(at('belt').aux).toBe(false);
  });

  it('folds a telemetry diff into the face and leaves untouched machines as they were', () => {
    const face = { machines: [machine({ id: 'a' }), machine({ id: 'b', motorCurrentA: 5 })], sensors: [{ id: 's', position: 'T1', name: 's', alarmPct: 1, cutPct: 1.5, restorePct: 1, pct: 0.2, ok: true, cut: false }] } as unknown as MineFaceState;
    const next = applyTelemetry(face, { machines: { a: { running: true, motorCurrentA: 42 } }, sensors: { s: { pct: 0.7, ok: true } } });
    expect(next.machines[0]).toMatchObject({ running: true, motorCurrentA: 42 });
    expect(next.machines[1]).toBe(face.machines[1]);
    expect(next.sensors[0]?.pct).toBe(0.7);
  });
});
