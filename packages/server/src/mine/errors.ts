import type { MineErrorCode } from '@shuzhi/mine';
import { AppError } from '../errors.ts';

/** HTTP status of each engine refusal: a blocked start is a conflict with the plant's state, not a bad request. */
export const MINE_ERROR_STATUS = {
  MINE_FACE_INVALID: 400,
  MINE_START_BLOCKED_METHANE: 409,
  MINE_START_BLOCKED_INTERLOCK: 409,
  MINE_START_BLOCKED_ESTOP: 409,
  MINE_START_BLOCKED_SAFE_STATE: 409,
  MINE_SEQUENCE_BUSY: 409,
  MINE_NOTHING_TO_START: 409,
  MINE_NOT_CONNECTED: 503,
  MINE_COMMAND_NOT_ALLOWED: 409,
  MINE_ALARM_NOT_FOUND: 404,
  MINE_ALARM_STILL_ACTIVE: 409,
  MINE_ALARM_ALREADY_ACKNOWLEDGED: 409,
  MINE_USER_REQUIRED: 400,
  MINE_OPCUA_CONNECT_FAILED: 502,
  MINE_OPCUA_NAMESPACE_MISSING: 502,
  MINE_OPCUA_CALL_FAILED: 502,
  MINE_OPCUA_PLC_CERT_UNTRUSTED: 502,
  MINE_OPCUA_PLC_CERT_INVALID: 502,
  MINE_OPCUA_CLIENT_CERT_REJECTED: 502,
  MINE_OPCUA_SECURITY_UNSUPPORTED: 502,
} as const satisfies Record<MineErrorCode, number>;

export const mineErrors = {
  faceExists: (id: string) => new AppError('MINE_FACE_EXISTS', 409, `A face with id "${id}" is already registered; change its settings instead.`),
  faceBusy: (id: string, mode: string) =>
    new AppError('MINE_FACE_RUNNING', 409, `Face "${id}" is ${mode} or has machines running: stop it before changing sequences, limits or its endpoint.`),
  certificateNotFound: (thumbprint: string) =>
    new AppError('MINE_CERT_NOT_FOUND', 404, `No certificate with thumbprint ${thumbprint} in the mine link's trusted or rejected list; \`shuzhi mine certs list\` shows them (a PLC's certificate appears under rejected after its first refused connection).`),
  faceInvalid: (message: string) => new AppError('MINE_FACE_INVALID', 400, message, { errors: [{ path: 'config', message }] }),
};
