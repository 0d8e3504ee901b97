import type { RenderErrorCode } from '@shuzhi/render';

/** HTTP status of each render engine refusal: a stale lease or a transition the state forbids is a conflict with the farm's state. */
export const RENDER_ERROR_STATUS = {
  FRAMES_INVALID: 400,
  RENDER_JOB_INVALID: 400,
  LEASE_STALE: 409,
  TRANSITION_INVALID: 409,
  RENDER_NOT_FOUND: 404,
  RENDER_DUPLICATE: 409,
  RENDER_COMMAND_INVALID: 400,
  RENDER_JOB_TYPE_INVALID: 400,
  // Rows in the database the engine cannot rebuild from: the server's fault, not the caller's.
  RENDER_RESTORE_INVALID: 500,
} as const satisfies Record<RenderErrorCode, number>;
