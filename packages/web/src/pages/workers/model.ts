import type { Role, Site, User, WorkerInfo } from '@shuzhi/schema';

/** Who may list and manage workers: operators (every site), tenants (the sites they own). The server decides each call. */
export const WORKER_ROLES = ['operator', 'tenant'] as const satisfies readonly Role[];

/**
 * A worker long-polls about every 25 s, each poll marking it seen; two minutes of silence means it is gone.
 * The server stores last-seen up to a minute late (LAST_SEEN_LAG_MS in its workers/registry.ts): a poll
 * interval and that lag stay well inside the window.
 */
export const ONLINE_WINDOW_MS = 2 * 60_000;

export type WorkerState = 'revoked' | 'online' | 'offline' | 'new';

export function workerState(w: WorkerInfo, now = Date.now()): WorkerState {
  if (w.revokedAt) return 'revoked';
  if (!w.lastSeenAt) return 'new';
  return now - Date.parse(w.lastSeenAt) <= ONLINE_WINDOW_MS ? 'online' : 'offline';
}

export function canUseWorkers(user: User | null): boolean {
  return user !== null && (WORKER_ROLES as readonly string[]).includes(user.role);
}

/** Sites the user may put workers on: every site for an operator, its own sites for a tenant. */
export function manageableSites(sites: readonly Site[], user: User | null): Site[] {
  if (user?.role === 'operator') return [...sites];
  if (user?.role === 'tenant' && user.tenantId) return sites.filter((s) => s.ownerTenantId === user.tenantId);
  return [];
}

/** The latest change the server made to a worker (enrolment, rotation, revocation). */
function changedAt(w: WorkerInfo): number {
  return Math.max(Date.parse(w.enrolledAt), w.rotatedAt ? Date.parse(w.rotatedAt) : 0, w.revokedAt ? Date.parse(w.revokedAt) : 0);
}

/**
 * The list on screen: the server's list, with the answers of this page's own actions laid over it until
 * a refetch catches up (a worker just revoked stays visible, marked revoked, even when revoked ones are
 * filtered out). Newest enrolment first, as the server sorts.
 */
export function mergeWorkers(server: readonly WorkerInfo[], local: Readonly<Record<string, WorkerInfo>>): WorkerInfo[] {
  const byId = new Map(server.map((w) => [w.id, w]));
  for (const w of Object.values(local)) {
    const s = byId.get(w.id);
    if (!s || changedAt(w) > changedAt(s)) byId.set(w.id, s ? { ...w, lastSeenAt: s.lastSeenAt ?? w.lastSeenAt } : w);
  }
  return [...byId.values()].sort((a, b) => Date.parse(b.enrolledAt) - Date.parse(a.enrolledAt) || a.id.localeCompare(b.id));
}

const SHELL_SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/;
const shellQuote = (s: string) => (SHELL_SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command a worker host runs with its credential. */
export function runCommand(server: string, credential: string): string {
  return `npx shuzhi worker --server ${shellQuote(server)} --credential ${shellQuote(credential)}`;
}

/** Where workers reach this platform: the origin the page was served from. */
export function serverOrigin(): string {
  return typeof location === 'undefined' || !location.origin || location.origin === 'null' ? 'http://localhost:8080' : location.origin;
}
