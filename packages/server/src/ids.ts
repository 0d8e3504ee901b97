import { randomBytes } from 'node:crypto';

/** Prefixed, URL-safe, time-ordered-ish ids: `job_…`, `task_…`. */
export function newId(prefix: string): string {
  const t = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${t}${randomBytes(6).toString('base64url')}`;
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
