/**
 * Equipment model of a longwall face. Per-kind defaults are data; a face configuration
 * may override any of them per machine (warning length and run-empty delay are not
 * fixed by any source, see domain sheet §2 and §4).
 */

export const MACHINE_KINDS = ['belt', 'crusher', 'stage-loader', 'afc', 'shearer', 'emulsion-pump'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

/** Where a machine stands; methane cut scopes are expressed in zones (§6). */
export const ZONES = ['face', 'return', 'intake'] as const;
export type Zone = (typeof ZONES)[number];

export interface MachineKindSpec {
  labelZh: string;
  labelEn: string;
  ratedCurrentA: number;
  /** m/s for conveyors and the shearer haulage, rpm-equivalent fraction for the others; 1.0 = rated */
  ratedSpeed: number;
  /** feedback that proves the machine really runs: both must be reached before the next step */
  minRunningCurrentA: number;
  minRunningSpeed: number;
  warningMs: number;
  feedbackTimeoutMs: number;
  /** how long this machine keeps running after the machine feeding it has stopped, so it runs empty */
  runEmptyMs: number;
  defaultZone: Zone;
}

export const MACHINE_KIND_SPECS = {
  belt: { labelZh: '顺槽带式输送机', labelEn: 'gate-road belt', ratedCurrentA: 180, ratedSpeed: 3.15, minRunningCurrentA: 40, minRunningSpeed: 2.5, warningMs: 10_000, feedbackTimeoutMs: 15_000, runEmptyMs: 60_000, defaultZone: 'face' },
  crusher: { labelZh: '破碎机', labelEn: 'crusher', ratedCurrentA: 120, ratedSpeed: 1, minRunningCurrentA: 30, minRunningSpeed: 0.8, warningMs: 10_000, feedbackTimeoutMs: 10_000, runEmptyMs: 45_000, defaultZone: 'face' },
  'stage-loader': { labelZh: '转载机', labelEn: 'stage loader', ratedCurrentA: 150, ratedSpeed: 1.6, minRunningCurrentA: 35, minRunningSpeed: 1.2, warningMs: 10_000, feedbackTimeoutMs: 10_000, runEmptyMs: 30_000, defaultZone: 'face' },
  afc: { labelZh: '刮板输送机', labelEn: 'armoured face conveyor', ratedCurrentA: 250, ratedSpeed: 1.3, minRunningCurrentA: 50, minRunningSpeed: 1.0, warningMs: 10_000, feedbackTimeoutMs: 12_000, runEmptyMs: 30_000, defaultZone: 'face' },
  shearer: { labelZh: '采煤机', labelEn: 'shearer', ratedCurrentA: 200, ratedSpeed: 1, minRunningCurrentA: 30, minRunningSpeed: 0.5, warningMs: 10_000, feedbackTimeoutMs: 10_000, runEmptyMs: 0, defaultZone: 'face' },
  'emulsion-pump': { labelZh: '乳化液泵', labelEn: 'emulsion pump', ratedCurrentA: 160, ratedSpeed: 1, minRunningCurrentA: 30, minRunningSpeed: 0.8, warningMs: 5_000, feedbackTimeoutMs: 10_000, runEmptyMs: 0, defaultZone: 'intake' },
} as const satisfies Record<MachineKind, MachineKindSpec>;

export interface MachineConfig {
  id: string;
  kind: MachineKind;
  name?: string;
  /** the machine this one discharges coal onto; null for the last conveyor and for machines outside the coal flow */
  dischargesOnto: string | null;
  zone?: Zone;
  warningMs?: number;
  feedbackTimeoutMs?: number;
  runEmptyMs?: number;
  minRunningCurrentA?: number;
  minRunningSpeed?: number;
}

/** A machine config with every default filled in. */
export type ResolvedMachine = Required<Omit<MachineConfig, 'name'>> & { name: string; ratedCurrentA: number; ratedSpeed: number };

export function resolveMachine(m: MachineConfig): ResolvedMachine {
  const spec: MachineKindSpec = MACHINE_KIND_SPECS[m.kind];
  return {
    id: m.id,
    kind: m.kind,
    name: m.name ?? spec.labelEn,
    dischargesOnto: m.dischargesOnto,
    zone: m.zone ?? spec.defaultZone,
    warningMs: m.warningMs ?? spec.warningMs,
    feedbackTimeoutMs: m.feedbackTimeoutMs ?? spec.feedbackTimeoutMs,
    runEmptyMs: m.runEmptyMs ?? spec.runEmptyMs,
    minRunningCurrentA: m.minRunningCurrentA ?? spec.minRunningCurrentA,
    minRunningSpeed: m.minRunningSpeed ?? spec.minRunningSpeed,
    ratedCurrentA: spec.ratedCurrentA,
    ratedSpeed: spec.ratedSpeed,
  };
}

// ---- methane sensors (domain sheet §6, 360docs.net/doc/1b11497725.html) ----

export const SENSOR_POSITIONS = ['shearer', 'T1', 'T2'] as const;
export type SensorPosition = (typeof SENSOR_POSITIONS)[number];

/** `shearer`: only shearer-kind machines; `face-and-return`: every machine in zone face or return. */
export type CutScope = 'shearer' | 'face-and-return';

export interface MethaneLimits {
  alarmPct: number;
  cutPct: number;
  restorePct: number;
  cutScope: CutScope;
}

export const METHANE_LIMITS = {
  shearer: { alarmPct: 1.0, cutPct: 1.5, restorePct: 1.0, cutScope: 'shearer' },
  T1: { alarmPct: 1.0, cutPct: 1.5, restorePct: 1.0, cutScope: 'face-and-return' },
  T2: { alarmPct: 1.0, cutPct: 1.0, restorePct: 1.0, cutScope: 'face-and-return' },
} as const satisfies Record<SensorPosition, MethaneLimits>;

export interface MethaneSensorConfig {
  id: string;
  position: SensorPosition;
  name?: string;
  limits?: Partial<MethaneLimits>;
}

export type ResolvedSensor = { id: string; position: SensorPosition; name: string } & MethaneLimits;

export function resolveSensor(s: MethaneSensorConfig): ResolvedSensor {
  const base: MethaneLimits = METHANE_LIMITS[s.position];
  return { id: s.id, position: s.position, name: s.name ?? `CH4 ${s.position}`, ...base, ...s.limits };
}

/** Whether a cut from a sensor with this scope takes power from the machine. */
export function scopeCovers(scope: CutScope, m: Pick<ResolvedMachine, 'kind' | 'zone'>): boolean {
  return scope === 'shearer' ? m.kind === 'shearer' : m.zone === 'face' || m.zone === 'return';
}
