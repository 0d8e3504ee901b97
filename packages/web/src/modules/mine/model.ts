import type { MineFaceState, MineMachineState, Role } from '@shuzhi/schema';

/** What a machine looks like on the HMI: one of these, from its telemetry and the running sequence. */
export type MachineLook = 'unknown' | 'stopped' | 'warning' | 'starting' | 'running' | 'fault' | 'locked';

export function machineLook(m: MineMachineState, face: Pick<MineFaceState, 'sequence'>): MachineLook {
  if (m.running === null) return 'unknown';
  if (m.fault || m.estop) return 'fault';
  if (m.running) return 'running';
  if (m.lockout) return 'locked';
  const s = face.sequence;
  if (s?.kind === 'start' && s.machineId === m.id) return s.phase === 'warning' ? 'warning' : 'starting';
  return 'stopped';
}

export const COMMAND_ROLES: readonly Role[] = ['mine-operator'];
export const ENGINEER_ROLES: readonly Role[] = ['mine-engineer'];
/** who may see and decide the trust list of the OPC UA link (the server checks the same) */
export const PKI_ROLES: readonly Role[] = ['mine-engineer', 'operator'];
export const WATCH_ROLES: readonly Role[] = ['mine-operator', 'mine-engineer', 'viewer', 'operator'];

/**
 * Columns of the face drawing: coal flows left to right, so a machine sits one column left of the
 * machine it discharges onto; machines outside the coal flow (pumps) go to a row of their own.
 */
export interface Placed {
  id: string;
  col: number;
  row: number;
  aux: boolean;
}

export function layoutFace(machines: readonly Pick<MineMachineState, 'id' | 'dischargesOnto'>[]): { placed: Placed[]; cols: number; rows: number } {
  const byId = new Map(machines.map((m) => [m.id, m]));
  const feeds = new Set(machines.flatMap((m) => (m.dischargesOnto ? [m.dischargesOnto] : [])));
  const depth = (id: string, seen = 0): number => {
    const t = byId.get(id)?.dischargesOnto;
    return t && byId.has(t) && seen < 64 ? 1 + depth(t, seen + 1) : 0;
  };
  const inFlow = machines.filter((m) => m.dischargesOnto !== null || feeds.has(m.id));
  const aux = machines.filter((m) => !(m.dischargesOnto !== null || feeds.has(m.id)));
  const maxDepth = Math.max(0, ...inFlow.map((m) => depth(m.id)));
  const rowsInCol = new Map<number, number>();
  const placed: Placed[] = inFlow.map((m) => {
    const col = maxDepth - depth(m.id);
    const row = rowsInCol.get(col) ?? 0;
    rowsInCol.set(col, row + 1);
    return { id: m.id, col, row, aux: false };
  });
  const flowRows = Math.max(1, ...rowsInCol.values());
  aux.forEach((m, i) => placed.push({ id: m.id, col: i, row: flowRows, aux: true }));
  return { placed, cols: Math.max(maxDepth + 1, aux.length), rows: flowRows + (aux.length ? 1 : 0) };
}

/** Folds a telemetry diff from the stream into the face state. */
export function applyTelemetry(
  face: MineFaceState,
  d: { machines: Record<string, Partial<MineMachineState>>; sensors: Record<string, { pct: number | null; ok: boolean }> },
): MineFaceState {
  return {
    ...face,
    machines: face.machines.map((m) => {
      const patch = d.machines[m.id];
      return patch ? { ...m, ...patch, running: patch.running ?? (m.running === null ? false : m.running) } : m;
    }),
    sensors: face.sensors.map((s) => (d.sensors[s.id] ? { ...s, ...d.sensors[s.id] } : s)),
  };
}
