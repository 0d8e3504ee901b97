import { AppError } from '../errors.ts';
import type { WorkerIdentity, WorkerRegistry } from '../workers/registry.ts';

/**
 * The worker a credential belongs to, accepted only on its own worker protocol (`/api/workers/{id}/…`):
 * the one check the app's authentication and the worker sync lane both make.
 */
export async function workerOnItsPath(registry: Pick<WorkerRegistry, 'authenticate'>, credential: string, path: string): Promise<WorkerIdentity> {
  const w = await registry.authenticate(credential);
  if (!w) throw new AppError('WORKER_CREDENTIAL_INVALID', 401, 'Unknown, rotated or revoked worker credential; ask an operator for a new one.');
  if (!path.startsWith(`/api/workers/${w.workerId}/`)) {
    throw new AppError('WORKER_SCOPE', 403, `A worker credential is accepted only on its own worker protocol (/api/workers/${w.workerId}/…).`);
  }
  return w;
}
