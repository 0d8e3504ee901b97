import type { Face } from './face.ts';
import type { ResolvedMachine, ResolvedSensor } from './equipment.ts';
import { scopeCovers } from './equipment.ts';
import type { SensorTelemetry } from './telemetry.ts';

/**
 * A latched methane power cut. Cut at ≥ cutPct, restored only below restorePct (domain sheet §6):
 * between the two the cut stays, which is the hysteresis. A lost sensor also cuts (断线断电),
 * and restores only once it reads a value below restorePct again.
 */
export interface MethaneCut {
  sensorId: string;
  cause: 'methane' | 'sensor-lost';
  since: number;
  peakPct: number | null;
}

export type CutState = Record<string, MethaneCut | undefined>;

export function nextCut(sensor: ResolvedSensor, reading: SensorTelemetry | undefined, prev: MethaneCut | undefined, at: number): MethaneCut | undefined {
  if (reading === undefined) return prev;
  if (!reading.ok || reading.pct === null) {
    return prev ?? { sensorId: sensor.id, cause: 'sensor-lost', since: at, peakPct: null };
  }
  const pct = reading.pct;
  if (prev) {
    if (pct < sensor.restorePct) return undefined;
    return { ...prev, peakPct: prev.peakPct === null ? pct : Math.max(prev.peakPct, pct) };
  }
  return pct >= sensor.cutPct ? { sensorId: sensor.id, cause: 'methane', since: at, peakPct: pct } : undefined;
}

export function isMethaneAlarm(sensor: ResolvedSensor, reading: SensorTelemetry | undefined): boolean {
  return reading !== undefined && reading.ok && reading.pct !== null && reading.pct >= sensor.alarmPct;
}

/** The cuts that take power from this machine. */
export function cutsCovering(face: Face, cuts: CutState, machine: ResolvedMachine): MethaneCut[] {
  const out: MethaneCut[] = [];
  for (const cut of Object.values(cuts)) {
    if (!cut) continue;
    const sensor = face.sensors.get(cut.sensorId);
    if (sensor && scopeCovers(sensor.cutScope, machine)) out.push(cut);
  }
  return out;
}

export function describeCut(face: Face, cut: MethaneCut): string {
  const s = face.sensors.get(cut.sensorId);
  const name = s?.name ?? cut.sensorId;
  const restore = (s?.restorePct ?? 1.0).toFixed(1);
  return cut.cause === 'sensor-lost'
    ? `CH₄ power cut: sensor ${name} lost (power returns when it reads below ${restore} %)`
    : `CH₄ power cut: ${name} reached ${cut.peakPct?.toFixed(2)} % (power returns only below ${restore} %)`;
}
