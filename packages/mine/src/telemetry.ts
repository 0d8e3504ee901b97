/** What the supervisor knows about the plant: the last value of each tag, or undefined if none yet. */
export interface MachineTelemetry {
  running: boolean;
  fault: boolean;
  faultCause: string;
  remote: boolean;
  lockout: boolean;
  estop: boolean;
  motorCurrentA: number;
  windingTempC: number;
  chainSpeed: number;
}

export interface SensorTelemetry {
  /** null when the sensor reports a bad status (lost, broken line) */
  pct: number | null;
  ok: boolean;
}

export interface PlantSnapshot {
  machines: Record<string, MachineTelemetry | undefined>;
  sensors: Record<string, SensorTelemetry | undefined>;
  /** the PLC's face-level e-stop latch */
  estopLatched?: boolean;
}

export function emptySnapshot(): PlantSnapshot {
  return { machines: {}, sensors: {} };
}
