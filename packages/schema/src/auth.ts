import { z } from 'zod';
import { Role, Text } from './common.ts';

export const LoginRequest = z.object({
  username: Text(64).min(1),
  password: Text(256).min(1),
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
  name: Text(64).min(1),
  /** Retired: refused with a pointer to worker enrollment (POST /api/workers). */
  siteId: Text(64).optional(),
});
export const CreatedToken = z.object({ id: z.string(), name: z.string(), token: z.string() });
