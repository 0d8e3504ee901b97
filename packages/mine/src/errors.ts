import { EngineError } from '@shuzhi/schema';

/** Stable codes: the HTTP layer maps them to problem+json, the HMI shows `message`. */
export const MINE_ERROR_CODES = [
  'MINE_FACE_INVALID',
  'MINE_START_BLOCKED_METHANE',
  'MINE_START_BLOCKED_INTERLOCK',
  'MINE_START_BLOCKED_ESTOP',
  'MINE_START_BLOCKED_SAFE_STATE',
  'MINE_SEQUENCE_BUSY',
  'MINE_NOTHING_TO_START',
  'MINE_NOT_CONNECTED',
  'MINE_COMMAND_NOT_ALLOWED',
  'MINE_ALARM_NOT_FOUND',
  'MINE_ALARM_STILL_ACTIVE',
  'MINE_ALARM_ALREADY_ACKNOWLEDGED',
  'MINE_USER_REQUIRED',
  'MINE_OPCUA_CONNECT_FAILED',
  'MINE_OPCUA_NAMESPACE_MISSING',
  'MINE_OPCUA_CALL_FAILED',
  // the secure link (OPC UA SignAndEncrypt with a trust list on both sides)
  'MINE_OPCUA_PLC_CERT_UNTRUSTED',
  'MINE_OPCUA_PLC_CERT_INVALID',
  'MINE_OPCUA_CLIENT_CERT_REJECTED',
  'MINE_OPCUA_SECURITY_UNSUPPORTED',
] as const;

export type MineErrorCode = (typeof MINE_ERROR_CODES)[number];

export class MineError extends EngineError<MineErrorCode> {}

export function isMineError(e: unknown): e is MineError {
  return e instanceof MineError;
}
