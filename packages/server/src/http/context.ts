import { OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '@shuzhi/schema';
import { requireRole, type Principal } from '../auth/principal.ts';
import { AppError, errors, zodIssues } from '../errors.ts';
import type { WorkerIdentity } from '../workers/registry.ts';
import type { ProxyTrust } from './client-address.ts';

/** A caller is a person or machine acting for a user (principal), or an enrolled worker — never both. */
export type Env = { Variables: { principal: Principal | null; worker: WorkerIdentity | null; proxies: ProxyTrust } };

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

/**
 * The caller, refused with 403 unless their role is one of `roles`: the one place a route states who
 * may call it (ownership of the record is the service's to check).
 */
export function principalIn(c: { get(key: 'principal'): Principal | null }, roles: readonly Role[], what: string): Principal {
  const p = principalOf(c);
  requireRole(p, roles, what);
  return p;
}

/** The enrolled worker calling the worker protocol; user tokens and sessions are refused here. */
export function workerOf(c: { get(key: 'worker'): WorkerIdentity | null }): WorkerIdentity {
  const w = c.get('worker');
  if (!w) {
    throw new AppError('WORKER_CREDENTIAL_REQUIRED', 401, 'The worker protocol needs an enrolled worker\'s credential (Authorization: Bearer szw.…); an operator enrolls workers with POST /api/workers.');
  }
  return w;
}

/** The worker calling a route under /api/workers/{id}/…, which must be its own id (403 otherwise). */
export function workerSelf(c: Parameters<typeof workerOf>[0] & { req: { valid(k: 'param'): { id: string } } }): WorkerIdentity {
  const w = workerOf(c);
  if (c.req.valid('param').id !== w.workerId) throw new AppError('WORKER_ID_MISMATCH', 403, `This credential belongs to worker ${w.workerId}.`);
  return w;
}

export const jsonBody = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
export const jsonOk = <T>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
