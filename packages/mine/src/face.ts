import { MineError } from './errors.ts';
import { resolveMachine, resolveSensor } from './equipment.ts';
import type { MachineConfig, MethaneSensorConfig, ResolvedMachine, ResolvedSensor } from './equipment.ts';

export interface FaceConfig {
  id: string;
  name: string;
  machines: MachineConfig[];
  sensors: MethaneSensorConfig[];
  /** Optional explicit start order (e.g. rear AFC before front AFC); must respect the coal flow. */
  startOrder?: string[];
}

/** A validated face: machines with defaults filled in, the flow graph and the derived orders. */
export interface Face {
  id: string;
  name: string;
  machines: ReadonlyMap<string, ResolvedMachine>;
  sensors: ReadonlyMap<string, ResolvedSensor>;
  /** most downstream first */
  startOrder: readonly string[];
  /** reverse of the start order: the feed is cut first */
  stopOrder: readonly string[];
}

function invalid(message: string, fields: Record<string, unknown>): MineError {
  return new MineError('MINE_FACE_INVALID', message, fields);
}

/** Distance (in edges) from the machine to the end of its coal flow. Throws on cycles and dangling edges. */
function depthOf(id: string, byId: ReadonlyMap<string, MachineConfig>, seen: string[] = []): number {
  if (seen.includes(id)) throw invalid(`coal flow has a cycle: ${[...seen, id].join(' → ')}`, { cycle: [...seen, id] });
  const m = byId.get(id);
  if (!m) throw invalid(`unknown machine "${id}"`, { machineId: id });
  if (m.dischargesOnto === null) return 0;
  if (!byId.has(m.dischargesOnto)) {
    throw invalid(`machine "${id}" discharges onto unknown machine "${m.dischargesOnto}"`, { machineId: id, dischargesOnto: m.dischargesOnto });
  }
  return 1 + depthOf(m.dischargesOnto, byId, [...seen, id]);
}

export function buildFace(config: FaceConfig): Face {
  const byId = new Map<string, MachineConfig>();
  for (const m of config.machines) {
    if (byId.has(m.id)) throw invalid(`machine id "${m.id}" is used twice`, { machineId: m.id });
    byId.set(m.id, m);
  }
  if (byId.size === 0) throw invalid('a face needs at least one machine', {});
  const depth = new Map<string, number>();
  for (const id of byId.keys()) depth.set(id, depthOf(id, byId));

  const configIndex = new Map(config.machines.map((m, i) => [m.id, i]));
  const derived = [...byId.keys()].sort((a, b) => (depth.get(a)! - depth.get(b)!) || (configIndex.get(a)! - configIndex.get(b)!));
  let startOrder = derived;
  if (config.startOrder) {
    const given = config.startOrder;
    const missing = derived.filter((id) => !given.includes(id));
    const unknown = given.filter((id) => !byId.has(id));
    if (missing.length || unknown.length || given.length !== derived.length) {
      throw invalid('startOrder must list every machine exactly once', { missing, unknown });
    }
    for (const [i, id] of given.entries()) {
      const target = byId.get(id)!.dischargesOnto;
      if (target !== null && given.indexOf(target) > i) {
        throw invalid(`startOrder starts "${id}" before "${target}", which it discharges onto`, { machineId: id, dischargesOnto: target });
      }
    }
    startOrder = [...given];
  }

  const sensors = new Map<string, ResolvedSensor>();
  for (const s of config.sensors) {
    if (sensors.has(s.id) || byId.has(s.id)) throw invalid(`id "${s.id}" is used twice`, { sensorId: s.id });
    const r = resolveSensor(s);
    if (!(r.restorePct <= r.alarmPct && r.alarmPct <= r.cutPct)) {
      throw invalid(`methane limits of "${s.id}" must satisfy restore ≤ alarm ≤ cut`, { sensorId: s.id, ...r });
    }
    sensors.set(s.id, r);
  }

  return {
    id: config.id,
    name: config.name,
    machines: new Map(config.machines.map((m) => [m.id, resolveMachine(m)])),
    sensors,
    startOrder,
    stopOrder: [...startOrder].reverse(),
  };
}

/** Every machine whose coal ends up on `id` (transitively), i.e. what must stop when `id` trips. */
export function upstreamOf(face: Face, id: string): string[] {
  const out: string[] = [];
  const visit = (target: string): void => {
    for (const m of face.machines.values()) {
      if (m.dischargesOnto === target && !out.includes(m.id)) {
        out.push(m.id);
        visit(m.id);
      }
    }
  };
  visit(id);
  // upstream first, so the feed is cut before the machines that carry it
  return face.stopOrder.filter((x) => out.includes(x));
}

/**
 * A fully mechanised caving face, the flow of domain sheet §1: shearer → front AFC, rear AFC →
 * stage loader (via the crusher) → belt. The emulsion pump stands outside the coal flow.
 */
export function defaultFaceConfig(overrides: Partial<Pick<FaceConfig, 'id' | 'name' | 'startOrder'>> = {}): FaceConfig {
  return {
    id: overrides.id ?? 'face-1',
    name: overrides.name ?? 'Longwall face 1',
    machines: [
      { id: 'belt', kind: 'belt', dischargesOnto: null },
      { id: 'crusher', kind: 'crusher', dischargesOnto: 'belt' },
      { id: 'stageLoader', kind: 'stage-loader', dischargesOnto: 'crusher' },
      { id: 'rearAfc', kind: 'afc', name: 'rear AFC', dischargesOnto: 'stageLoader' },
      { id: 'frontAfc', kind: 'afc', name: 'front AFC', dischargesOnto: 'stageLoader' },
      { id: 'shearer', kind: 'shearer', dischargesOnto: 'frontAfc' },
      { id: 'pump1', kind: 'emulsion-pump', dischargesOnto: null },
    ],
    sensors: [
      { id: 'ch4T1', position: 'T1' },
      { id: 'ch4T2', position: 'T2' },
      { id: 'ch4Shearer', position: 'shearer' },
    ],
    ...(overrides.startOrder ? { startOrder: overrides.startOrder } : {}),
  };
}

/** Shorten every timing of a face, for simulations and tests. */
export function withTimings(config: FaceConfig, t: { warningMs?: number; feedbackTimeoutMs?: number; runEmptyMs?: number }): FaceConfig {
  return { ...config, machines: config.machines.map((m) => ({ ...m, ...t })) };
}
