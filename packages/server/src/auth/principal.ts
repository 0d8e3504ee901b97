import type { Role } from '@shuzhi/schema';
import { errors } from '../errors.ts';

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  tenantId: string | null;
  department: string | null;
  via: 'session' | 'token';
}

export function requireRole(p: Principal, roles: readonly Role[], what: string): void {
  if (!roles.includes(p.role)) throw errors.forbidden(what);
}
