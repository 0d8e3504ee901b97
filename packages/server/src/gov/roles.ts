import type { Role } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';

/** Who files for themselves: the routes let them in, the service scopes them to their own cases and data. */
export const APPLICANT_ROLES = ['citizen', 'enterprise'] as const satisfies readonly Role[];
/** Who sees every department's cases. */
export const OVERSEE_ROLES = ['supervisor', 'operator', 'viewer'] as const satisfies readonly Role[];
/** Every role with a view of gov cases (each scoped in the service). */
export const CASE_ROLES = [...APPLICANT_ROLES, 'window', 'officer', ...OVERSEE_ROLES] as const satisfies readonly Role[];

export const isApplicant = (p: Principal): boolean => (APPLICANT_ROLES as readonly Role[]).includes(p.role);

/** Officers are bound to a catalogue department; the demo's older users say `health` for `dept_health`. */
export function departmentOf(p: Principal): string | null {
  if (!p.department) return null;
  return p.department.startsWith('dept_') ? p.department : `dept_${p.department}`;
}
