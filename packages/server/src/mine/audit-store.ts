import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { MineAuditEntry } from '@shuzhi/schema';
import type { Db, Tx } from '../db/client.ts';
import { events } from '../db/schema.ts';
import { mineAudit } from './db-schema.ts';

export type AuditResult = 'accepted' | 'rejected' | 'failed' | 'forbidden';

export interface AuditInput {
  faceId: string | null;
  userId?: string | null;
  username: string;
  role?: string | null;
  origin?: string | null;
  action: string;
  target: string;
  result: AuditResult;
  code?: string | null;
  reason?: string | null;
  comment?: string | null;
  oldValue?: unknown;
  newValue?: unknown;
  at?: Date;
}

export interface AuditQuery {
  faceId?: string | undefined;
  user?: string | undefined;
  action?: string | undefined;
  logins: boolean;
  limit: number;
}

const LOGIN_KINDS = ['auth.login', 'auth.login_failed'];

/**
 * The mine command audit. Rows are only ever inserted (the table refuses UPDATE/DELETE itself);
 * logins are not copied here but read from the platform's own auth events when listing.
 */
export class AuditStore {
  constructor(private readonly db: Db) {}

  async append(e: AuditInput, tx?: Tx): Promise<void> {
    await (tx ?? this.db).insert(mineAudit).values({
      ...(e.at ? { at: e.at } : {}),
      faceId: e.faceId,
      userId: e.userId ?? null,
      username: e.username,
      role: e.role ?? null,
      origin: e.origin ?? null,
      action: e.action,
      target: e.target,
      result: e.result,
      code: e.code ?? null,
      reason: e.reason ?? null,
      comment: e.comment ?? null,
      oldValue: e.oldValue === undefined ? null : e.oldValue,
      newValue: e.newValue === undefined ? null : e.newValue,
    });
  }

  /** Newest first: the mine's own rows merged with platform logins (which belong to no face). */
  async list(q: AuditQuery): Promise<MineAuditEntry[]> {
    const where = and(
      q.faceId ? eq(mineAudit.faceId, q.faceId) : undefined,
      q.user ? eq(mineAudit.username, q.user) : undefined,
      q.action ? eq(mineAudit.action, q.action) : undefined,
    );
    const rows = await this.db.select().from(mineAudit).where(where).orderBy(desc(mineAudit.id)).limit(q.limit);
    const out: MineAuditEntry[] = rows.map((r) => ({
      id: `aud_${r.id}`,
      at: r.at.toISOString(),
      faceId: r.faceId,
      user: r.username,
      role: r.role,
      origin: r.origin,
      action: r.action,
      target: r.target,
      result: r.result,
      code: r.code,
      reason: r.reason,
      comment: r.comment,
      oldValue: r.oldValue ?? null,
      newValue: r.newValue ?? null,
    }));
    const wantLogins = q.logins && !q.faceId && (!q.action || q.action === 'login' || q.action === 'login-failed');
    if (wantLogins) {
      const kinds = q.action === 'login' ? ['auth.login'] : q.action === 'login-failed' ? ['auth.login_failed'] : LOGIN_KINDS;
      const logins = await this.db
        .select()
        .from(events)
        .where(and(inArray(events.kind, kinds), q.user ? sql`${events.data}->>'username' = ${q.user}` : undefined))
        .orderBy(desc(events.id))
        .limit(q.limit);
      for (const e of logins) {
        const ok = e.kind === 'auth.login';
        out.push({
          id: `evt_${e.id}`,
          at: e.at.toISOString(),
          faceId: null,
          user: String(e.data['username'] ?? e.actor ?? '?'),
          role: null,
          // the client address the login route recorded (clientAddress: the peer, or a trusted proxy's word)
          origin: typeof e.data['address'] === 'string' ? e.data['address'] : null,
          action: ok ? 'login' : 'login-failed',
          target: 'session',
          result: ok ? 'accepted' : 'rejected',
          code: ok ? null : 'AUTH_INVALID',
          reason: null,
          comment: null,
          oldValue: null,
          newValue: null,
        });
      }
    }
    return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, q.limit);
  }
}
