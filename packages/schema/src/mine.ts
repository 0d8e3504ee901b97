import { z } from 'zod';
import { isoTime, Text } from './common.ts';

/** API contracts of the mine module (longwall face control). Times are UTC ISO strings. */

export const MineMachineKinds = ['belt', 'crusher', 'stage-loader', 'afc', 'shearer', 'emulsion-pump'] as const;
export const MineSensorPositions = ['shearer', 'T1', 'T2'] as const;
export const MineFaceModes = ['idle', 'starting', 'running', 'stopping', 'tripped', 'estopped', 'safe'] as const;
export type MineFaceMode = (typeof MineFaceModes)[number];
export const MineAlarmStates = ['active', 'active-silenced', 'cleared-unacknowledged', 'history'] as const;
export type MineAlarmState = (typeof MineAlarmStates)[number];

const machineId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,47}$/, 'letters, digits, _ and -; starts with a letter');
const ms = z.number().int().min(0).max(600_000);

export const MineMachineConfig = z.object({
  id: machineId,
  kind: z.enum(MineMachineKinds),
  name: Text(64).min(1).optional(),
  dischargesOnto: machineId.nullable(),
  zone: z.enum(['face', 'return', 'intake']).optional(),
  warningMs: ms.optional(),
  feedbackTimeoutMs: ms.optional(),
  runEmptyMs: ms.optional(),
});
export type MineMachineConfig = z.infer<typeof MineMachineConfig>;

export const MineMethaneLimits = z.object({
  alarmPct: z.number().min(0.1).max(5),
  cutPct: z.number().min(0.1).max(5),
  restorePct: z.number().min(0.1).max(5),
});

export const MineSensorConfig = z.object({
  id: machineId,
  position: z.enum(MineSensorPositions),
  name: Text(64).min(1).optional(),
  limits: MineMethaneLimits.partial().optional(),
});

/**
 * How the supervisor talks to a face PLC over OPC UA. The default is SignAndEncrypt with
 * Basic256Sha256 and a trust list on both sides; `None` (no signing, no encryption, no
 * certificate check) only when an engineer sets it for that face, and the HMI then warns.
 */
export const MineSecurityModes = ['SignAndEncrypt', 'Sign', 'None'] as const;
export type MineSecurityMode = (typeof MineSecurityModes)[number];
export const MineSecurityPolicies = ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss', 'None'] as const;
export type MineSecurityPolicy = (typeof MineSecurityPolicies)[number];
export const MINE_DEFAULT_SECURITY = { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' } as const satisfies { mode: MineSecurityMode; policy: MineSecurityPolicy };

export const MineLinkSecurity = z
  .object({ mode: z.enum(MineSecurityModes), policy: z.enum(MineSecurityPolicies) })
  .refine((s) => (s.mode === 'None') === (s.policy === 'None'), {
    message: 'mode None goes with policy None, and a signed mode needs a real policy (Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss)',
    path: ['policy'],
  });
export type MineLinkSecurity = z.infer<typeof MineLinkSecurity>;

export const MineFaceConfig = z.object({
  machines: z.array(MineMachineConfig).min(1).max(32),
  sensors: z.array(MineSensorConfig).max(16),
  startOrder: z.array(machineId).optional(),
  /** absent: the secure default (SignAndEncrypt / Basic256Sha256) */
  security: MineLinkSecurity.optional(),
});
export type MineFaceConfig = z.infer<typeof MineFaceConfig>;

/** Register a face (a PLC endpoint with its equipment). Engineers only. */
export const MineFaceInput = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'lower-case letters, digits and dashes'),
  name: Text(100).min(1),
  mineId: Text(64).min(1),
  endpoint: Text(2048).regex(/^opc\.tcp:\/\/[^\s]+$/, 'must be an opc.tcp:// URL'),
  config: MineFaceConfig,
});
export type MineFaceInput = z.infer<typeof MineFaceInput>;

/** Sequence settings and limits an engineer may change (only while the face is stopped). */
export const MineFaceSettings = z.object({
  machines: z
    .array(z.object({ id: machineId, warningMs: ms.optional(), feedbackTimeoutMs: ms.optional(), runEmptyMs: ms.optional() }))
    .optional(),
  sensors: z.array(z.object({ id: machineId, limits: MineMethaneLimits.partial() })).optional(),
  startOrder: z.array(machineId).optional(),
  endpoint: Text(2048).regex(/^opc\.tcp:\/\/[^\s]+$/, 'must be an opc.tcp:// URL').optional(),
  security: MineLinkSecurity.optional(),
});
export type MineFaceSettings = z.infer<typeof MineFaceSettings>;

export const MineMachineState = z.object({
  id: z.string(),
  kind: z.enum(MineMachineKinds),
  name: z.string(),
  dischargesOnto: z.string().nullable(),
  zone: z.string(),
  warningMs: z.number(),
  feedbackTimeoutMs: z.number(),
  runEmptyMs: z.number(),
  ratedCurrentA: z.number(),
  /** null until the PLC has reported every tag of the machine */
  running: z.boolean().nullable(),
  fault: z.boolean(),
  faultCause: z.string(),
  remote: z.boolean(),
  lockout: z.boolean(),
  estop: z.boolean(),
  motorCurrentA: z.number(),
  windingTempC: z.number(),
  chainSpeed: z.number(),
});
export type MineMachineState = z.infer<typeof MineMachineState>;

export const MineSensorState = z.object({
  id: z.string(),
  position: z.enum(MineSensorPositions),
  name: z.string(),
  alarmPct: z.number(),
  cutPct: z.number(),
  restorePct: z.number(),
  pct: z.number().nullable(),
  ok: z.boolean(),
  cut: z.boolean(),
});
export type MineSensorState = z.infer<typeof MineSensorState>;

export const MineAlarm = z.object({
  id: z.string(),
  faceId: z.string(),
  code: z.string(),
  source: z.string(),
  severity: z.number().int(),
  message: z.string(),
  state: z.enum(MineAlarmStates),
  raisedAt: isoTime,
  clearedAt: isoTime.nullable(),
  silencedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: isoTime.nullable(),
  comment: z.string().nullable(),
});
export type MineAlarm = z.infer<typeof MineAlarm>;

export const MineSequence = z.object({
  kind: z.enum(['start', 'stop']),
  user: z.string(),
  machineId: z.string().nullable(),
  phase: z.enum(['warning', 'feedback', 'run-empty']).nullable(),
  phaseEndsAt: isoTime.nullable(),
  remaining: z.array(z.string()),
  started: z.array(z.string()),
});

/** Why the link to a face PLC is down, as the last connection attempt found it (null while connected). */
export const MineLinkError = z.object({
  /** MINE_OPCUA_PLC_CERT_UNTRUSTED, MINE_OPCUA_CLIENT_CERT_REJECTED, MINE_OPCUA_SECURITY_UNSUPPORTED, MINE_OPCUA_CONNECT_FAILED, … */
  code: z.string(),
  message: z.string(),
  /** the certificate concerned: the PLC's (untrusted) or this server's (refused by the PLC) */
  thumbprint: z.string().nullable(),
  at: isoTime,
});
export type MineLinkError = z.infer<typeof MineLinkError>;

export const MineFaceState = z.object({
  id: z.string(),
  name: z.string(),
  mineId: z.string(),
  endpoint: z.string(),
  mode: z.enum(MineFaceModes),
  connected: z.boolean(),
  estopLatched: z.boolean(),
  sequence: MineSequence.nullable(),
  startOrder: z.array(z.string()),
  machines: z.array(MineMachineState),
  sensors: z.array(MineSensorState),
  cuts: z.array(z.object({ sensorId: z.string(), cause: z.string(), since: isoTime, reason: z.string() })),
  openAlarms: z.number().int(),
  lastMessage: z.string(),
  security: MineLinkSecurity,
  linkError: MineLinkError.nullable(),
  at: isoTime,
});
export type MineFaceState = z.infer<typeof MineFaceState>;

export const MineFaceSummary = z.object({
  id: z.string(),
  name: z.string(),
  mineId: z.string(),
  endpoint: z.string(),
  mode: z.enum(MineFaceModes),
  connected: z.boolean(),
  openAlarms: z.number().int(),
  maxCh4Pct: z.number().nullable(),
  security: MineLinkSecurity,
  linkError: MineLinkError.nullable(),
});
export type MineFaceSummary = z.infer<typeof MineFaceSummary>;

export const MineCommandKinds = ['start', 'stop', 'estop', 'reset'] as const;
export type MineCommandKind = (typeof MineCommandKinds)[number];
export const MineCommandBody = z.object({ comment: Text(500).optional() });
export const MineCommandResult = z.object({ accepted: z.boolean(), mode: z.enum(MineFaceModes), message: z.string() });
export type MineCommandResult = z.infer<typeof MineCommandResult>;

export const MineAcknowledge = z.object({ comment: Text(500).trim().min(1, 'say what was checked or done') });

export const MineAlarmQuery = z.object({
  faceId: Text(64).optional(),
  /** open = active or cleared-unacknowledged */
  state: z.enum(['open', 'active', 'unacknowledged', 'history', 'all']).default('open'),
  q: Text(100).optional(),
  acknowledgedBy: Text(64).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type MineAlarmQuery = z.infer<typeof MineAlarmQuery>;

export const MineAuditResults = ['accepted', 'rejected', 'failed', 'forbidden'] as const;
export const MineAuditEntry = z.object({
  id: z.string(),
  at: isoTime,
  faceId: z.string().nullable(),
  user: z.string(),
  role: z.string().nullable(),
  /** client address as the server saw it */
  origin: z.string().nullable(),
  action: z.string(),
  target: z.string(),
  result: z.string(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  comment: z.string().nullable(),
  oldValue: z.unknown().nullable(),
  newValue: z.unknown().nullable(),
});
export type MineAuditEntry = z.infer<typeof MineAuditEntry>;

export const MineAuditQuery = z.object({
  faceId: Text(64).optional(),
  user: Text(64).optional(),
  action: Text(64).optional(),
  /** include logins from the platform's auth events */
  logins: z.enum(['true', 'false']).default('true'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const MineTrendQuery = z.object({
  tags: Text(2000).min(1),
  minutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(15),
});
export const MineTrend = z.object({
  tag: z.string(),
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type MineTrend = z.infer<typeof MineTrend>;

export const MineFleetMine = z.object({
  id: z.string(),
  nameZh: z.string(),
  nameEn: z.string(),
  area: z.string(),
  intelligent: z.boolean(),
  /** acceptance grade (中级 / 初级 / 高级) for intelligent mines */
  grade: z.enum(['none', 'primary', 'intermediate', 'advanced']),
  capacityMtPerYear: z.number(),
  outputTodayT: z.number(),
  outputMonthKt: z.number(),
  faceId: z.string().nullable(),
  live: z.boolean(),
});
export type MineFleetMine = z.infer<typeof MineFleetMine>;

export const MineFleet = z.object({
  mines: z.array(MineFleetMine),
  total: z.number().int(),
  intelligent: z.number().int(),
  /** the 66/29 figures have no source yet (domain sheet §0) */
  unverified: z.boolean(),
  note: z.string(),
});
export type MineFleet = z.infer<typeof MineFleet>;

/** A certificate of the mine link's PKI (public data: no key material). Thumbprint = SHA-1 of the DER, lower-case hex, as OPC UA names it. */
export const MineCertificate = z.object({
  thumbprint: z.string(),
  subject: z.string(),
  applicationUri: z.string().nullable(),
  validFrom: isoTime,
  validTo: isoTime,
  status: z.enum(['own', 'trusted', 'rejected']),
});
export type MineCertificate = z.infer<typeof MineCertificate>;

export const MineCertificates = z.object({
  /** where the server keeps its OPC UA PKI (own/, trusted/, rejected/) */
  folder: z.string(),
  own: MineCertificate.extend({ pem: z.string() }),
  trusted: z.array(MineCertificate),
  rejected: z.array(MineCertificate),
});
export type MineCertificates = z.infer<typeof MineCertificates>;

export const MineThumbprint = z.string().regex(/^[0-9a-fA-F]{40}$/, '40 hex digits (the SHA-1 thumbprint `shuzhi mine certs list` shows)');
