import { z } from 'zod';
import { Role } from './common.ts';

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  tenantId: z.string().nullable(),
  department: z.string().nullable(),
});
export type User = z.infer<typeof User>;

export const CreateTokenRequest = z.object({
  name: z.string().min(1).max(64),
  /** Retired: refused with a pointer to worker enrollment (POST /api/workers). */
  siteId: z.string().max(64).optional(),
});
export const CreatedToken = z.object({ id: z.string(), name: z.string(), token: z.string() });
