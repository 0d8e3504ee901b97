import type { Principal } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { DataServerError } from './errors.ts';

/**
 * The tenant a call acts for: a tenant acts for itself (naming another is refused); the data-space
 * operator acts for the tenant it names in `field`.
 */
export function actingTenant(p: Principal, named: string | undefined, field: 'providerTenantId' | 'consumerTenantId', what: string): string {
  if (p.role === 'operator') {
    if (!named) throw new DataServerError('TENANT_REQUIRED', `An operator may ${what} only on behalf of a tenant: name it in ${field}.`);
    return named;
  }
  if (!p.tenantId) throw errors.forbidden(`${what} (only tenants and the operator may)`);
  if (named && named !== p.tenantId) throw errors.forbidden(`${what} on behalf of another tenant`);
  return p.tenantId;
}
