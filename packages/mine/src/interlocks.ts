import type { Face } from './face.ts';
import type { ResolvedMachine } from './equipment.ts';
import type { CutState } from './methane.ts';
import { cutsCovering, describeCut } from './methane.ts';
import type { MachineTelemetry, PlantSnapshot } from './telemetry.ts';

export interface InterlockContext {
  face: Face;
  machine: ResolvedMachine;
  telemetry: MachineTelemetry | undefined;
  plant: PlantSnapshot;
  cuts: CutState;
  /** machines the running sequence will have started before this one */
  startedBefore: readonly string[];
}

interface PreconditionRule {
  /** returns null when satisfied, else the reason shown to the operator */
  failure: (ctx: InterlockContext) => string | null;
  /** checked when a whole sequence is requested, not only at the machine's own step */
  checkedUpFront: boolean;
}

/** Start preconditions (domain sheet §3, §4, §6, §10 step 1), checked in this order. */
export const START_PRECONDITIONS = {
  NO_TELEMETRY: {
    checkedUpFront: true,
    failure: ({ machine, telemetry }) => (telemetry ? null : `no data from ${machine.name} yet`),
  },
  METHANE_CUT: {
    checkedUpFront: true,
    failure: ({ face, machine, cuts }) => {
      const c = cutsCovering(face, cuts, machine);
      return c.length ? c.map((x) => describeCut(face, x)).join('; ') : null;
    },
  },
  ESTOP: {
    checkedUpFront: true,
    failure: ({ machine, telemetry, plant }) =>
      plant.estopLatched ? 'face emergency stop is latched' : telemetry?.estop ? `${machine.name}: e-stop / pull-cord tripped (self-locked, reset on site)` : null,
  },
  LOCKOUT: {
    checkedUpFront: true,
    failure: ({ machine, telemetry }) => (telemetry?.lockout ? `${machine.name} is locked out` : null),
  },
  FAULT: {
    checkedUpFront: true,
    failure: ({ machine, telemetry }) => (telemetry?.fault ? `${machine.name} has a fault (${telemetry.faultCause || 'unknown'})` : null),
  },
  NOT_REMOTE: {
    checkedUpFront: true,
    failure: ({ machine, telemetry }) => (telemetry && !telemetry.remote ? `${machine.name} is not in remote mode` : null),
  },
  DOWNSTREAM_NOT_RUNNING: {
    checkedUpFront: false,
    failure: ({ face, machine, plant, startedBefore }) => {
      const target = machine.dischargesOnto;
      if (target === null) return null;
      if (plant.machines[target]?.running) return null;
      if (startedBefore.includes(target)) return null;
      return `${face.machines.get(target)?.name ?? target} (which ${machine.name} discharges onto) is not running`;
    },
  },
} as const satisfies Record<string, PreconditionRule>;

export type PreconditionCode = keyof typeof START_PRECONDITIONS;

export interface PreconditionFailure {
  machineId: string;
  code: PreconditionCode;
  reason: string;
}

export type StartCheck = { ok: true } | { ok: false; failures: PreconditionFailure[] };

function check(ctx: InterlockContext, upFrontOnly: boolean): PreconditionFailure[] {
  const failures: PreconditionFailure[] = [];
  for (const [code, rule] of Object.entries(START_PRECONDITIONS) as [PreconditionCode, PreconditionRule][]) {
    if (upFrontOnly && !rule.checkedUpFront) continue;
    const reason = rule.failure(ctx);
    if (reason !== null) failures.push({ machineId: ctx.machine.id, code, reason });
  }
  return failures;
}

/** May this machine be started now? For the step of a running sequence, and for a single start. */
export function canStart(face: Face, machineId: string, plant: PlantSnapshot, cuts: CutState, startedBefore: readonly string[] = []): StartCheck {
  const machine = face.machines.get(machineId);
  if (!machine) return { ok: false, failures: [{ machineId, code: 'NO_TELEMETRY', reason: `unknown machine ${machineId}` }] };
  const failures = check({ face, machine, telemetry: plant.machines[machineId], plant, cuts, startedBefore }, false);
  return failures.length ? { ok: false, failures } : { ok: true };
}

/** Before a sequence begins: every machine to be started, without the downstream-running check. */
export function checkSequence(face: Face, machineIds: readonly string[], plant: PlantSnapshot, cuts: CutState): PreconditionFailure[] {
  const out: PreconditionFailure[] = [];
  for (const id of machineIds) {
    const machine = face.machines.get(id);
    if (!machine) continue;
    out.push(...check({ face, machine, telemetry: plant.machines[id], plant, cuts, startedBefore: [] }, true));
  }
  return out;
}
