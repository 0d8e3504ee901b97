import { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal.ts';
import { errors, zodIssues } from '../errors.ts';

export type Env = { Variables: { principal: Principal | null } };

/** Every router validates with zod and turns failures into one field-naming 400. */
export function router() {
  return new OpenAPIHono<Env>({
    defaultHook: (result) => {
      if (!result.success) throw errors.validation(zodIssues(result.error.issues));
    },
  });
}

export function principalOf(c: { get(key: 'principal'): Principal | null }): Principal {
  const p = c.get('principal');
  if (!p) throw errors.authRequired();
  return p;
}

export const jsonBody = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
export const jsonOk = <T>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
