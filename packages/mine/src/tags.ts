/**
 * The OPC UA contract between a face PLC (or the simulator) and the supervisor. Both sides
 * build node ids from this table, so a renamed tag is a compile error on both ends.
 *
 * Commands are OPC UA methods (not writable booleans): a method call returns whether the PLC
 * accepted the command and why not, in the same round trip, and cannot be left "stuck on".
 */
export const MINE_NAMESPACE_URI = 'urn:shuzhi:sim:mine';

export const MACHINE_TAGS = {
  Running: { dataType: 'Boolean' },
  Fault: { dataType: 'Boolean' },
  FaultCause: { dataType: 'String' },
  Remote: { dataType: 'Boolean' },
  Lockout: { dataType: 'Boolean' },
  EStop: { dataType: 'Boolean' },
  MotorCurrent: { dataType: 'Double' },
  WindingTemp: { dataType: 'Double' },
  ChainSpeed: { dataType: 'Double' },
} as const satisfies Record<string, { dataType: 'Boolean' | 'Double' | 'String' }>;
export type MachineTag = keyof typeof MACHINE_TAGS;
export const MACHINE_TAG_NAMES = Object.keys(MACHINE_TAGS) as MachineTag[];

/** Methods on each machine object: no inputs; outputs [Accepted: Boolean, Reason: String]. */
export const MACHINE_METHODS = ['RunCmd', 'StopCmd'] as const;
export type MachineMethod = (typeof MACHINE_METHODS)[number];

/** Methods on the face object. */
export const FACE_METHODS = {
  /** stops every machine at once and latches until ResetEStop */
  EmergencyStop: { inputs: [] },
  ResetEStop: { inputs: [] },
  /** simulator only: machineId, fault kind (FAULT_KINDS) */
  InjectFault: { inputs: ['String', 'String'] },
  /** simulator only: machineId */
  ClearFault: { inputs: ['String'] },
  /** simulator only: sensorId, percent CH4 */
  SetMethane: { inputs: ['String', 'Double'] },
} as const;
export type FaceMethod = keyof typeof FACE_METHODS;

/** Face-level variables. The supervisor writes Heartbeat; the PLC watchdog stops the face when it goes stale. */
export const FACE_TAGS = {
  EStopLatched: { dataType: 'Boolean', writable: false },
  Heartbeat: { dataType: 'UInt32', writable: true },
} as const;
export type FaceTag = keyof typeof FACE_TAGS;

/** Each methane sensor exposes one variable; a lost sensor reports a Bad status code. */
export const SENSOR_TAG = 'CH4' as const;

export const FAULT_KINDS = ['chain-break', 'overcurrent', 'pull-cord', 'coal-pileup', 'sensor-loss'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FACE_OBJECT = 'Face';

/** String identifiers (`s=` part) of the node ids; the namespace index is looked up at connect time. */
export const nodeIds = {
  machine: (machineId: string) => `${machineId}`,
  machineTag: (machineId: string, tag: MachineTag) => `${machineId}.${tag}`,
  machineMethod: (machineId: string, m: MachineMethod) => `${machineId}.${m}`,
  sensor: (sensorId: string) => `${sensorId}`,
  sensorValue: (sensorId: string) => `${sensorId}.${SENSOR_TAG}`,
  face: () => FACE_OBJECT,
  faceTag: (t: FaceTag) => `${FACE_OBJECT}.${t}`,
  faceMethod: (m: FaceMethod) => `${FACE_OBJECT}.${m}`,
} as const;
