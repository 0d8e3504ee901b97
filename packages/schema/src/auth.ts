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

export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 365;

export const CreateTokenRequest = z.object({
  name: Text(64).min(1),
  /** Days until the token stops working; default 90, at most 365. */
  expiresInDays: z.number().int().min(1).max(TOKEN_MAX_DAYS).default(TOKEN_DEFAULT_DAYS),
  /** Retired: refused with a pointer to worker enrollment (POST /api/workers). */
  siteId: Text(64).optional(),
});
export type CreateTokenRequest = z.input<typeof CreateTokenRequest>;
export const CreatedToken = z.object({ id: z.string(), name: z.string(), token: z.string(), expiresAt: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

/** An API token as listed: never its secret. */
export const ApiTokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  username: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** Approximate (to within the server's token cache, ~10 s); null when never used. */
  lastUsedAt: z.string().nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;
export const TokenListQuery = z.object({
  /** Operators: every user's tokens, not just their own. */
  all: z.enum(['0', '1', 'true', 'false']).optional(),
});
