import { and, count, desc, eq, gte, ilike, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { MineAlarm, MineAlarmQuery, MineAlarmState } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import { mineAlarms } from './db-schema.ts';

type Row = typeof mineAlarms.$inferSelect;

export function alarmStateOf(r: Pick<Row, 'active' | 'silencedAt' | 'acknowledgedAt'>): MineAlarmState {
  if (r.active) return r.silencedAt ? 'active-silenced' : 'active';
  return r.acknowledgedAt ? 'history' : 'cleared-unacknowledged';
}

export const toAlarm = (r: Row): MineAlarm => ({
  id: r.id,
  faceId: r.faceId,
  code: r.code,
  source: r.source,
  severity: r.severity,
  message: r.message,
  state: alarmStateOf(r),
  raisedAt: r.raisedAt.toISOString(),
  clearedAt: r.clearedAt?.toISOString() ?? null,
  silencedAt: r.silencedAt?.toISOString() ?? null,
  acknowledgedBy: r.acknowledgedBy,
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
  comment: r.comment,
});

const STATE_FILTER = {
  open: isNull(mineAlarms.acknowledgedAt),
  active: eq(mineAlarms.active, true),
  unacknowledged: and(eq(mineAlarms.active, false), isNull(mineAlarms.acknowledgedAt)),
  history: isNotNull(mineAlarms.acknowledgedAt),
  all: undefined,
} as const satisfies Record<MineAlarmQuery['state'], unknown>;

/** The durable alarm book: every alarm the controllers raise, its clearing, silencing and acknowledgement. */
export class AlarmStore {
  constructor(private readonly db: Db) {}

  async insert(row: typeof mineAlarms.$inferInsert): Promise<void> {
    await this.db.insert(mineAlarms).values(row).onConflictDoNothing();
  }

  async update(id: string, patch: Partial<Pick<Row, 'active' | 'clearedAt' | 'silencedAt' | 'acknowledgedBy' | 'acknowledgedAt' | 'comment'>>): Promise<void> {
    await this.db.update(mineAlarms).set(patch).where(eq(mineAlarms.id, id));
  }

  /**
   * A new controller run starts with an empty alarm book and re-raises whatever is still present;
   * alarms left active by the previous run are closed so nothing shows twice.
   */
  async closeLeftovers(faceId: string, at: Date): Promise<void> {
    await this.db
      .update(mineAlarms)
      .set({ active: false, clearedAt: at })
      .where(and(eq(mineAlarms.faceId, faceId), eq(mineAlarms.active, true)));
  }

  async get(id: string): Promise<MineAlarm | null> {
    const [r] = await this.db.select().from(mineAlarms).where(eq(mineAlarms.id, id));
    return r ? toAlarm(r) : null;
  }

  /** Acknowledges a cleared alarm that no running controller holds (left from an earlier run). */
  async acknowledgeStored(id: string, user: string, comment: string, at: Date): Promise<boolean> {
    const r = await this.db
      .update(mineAlarms)
      .set({ acknowledgedBy: user, acknowledgedAt: at, comment })
      .where(and(eq(mineAlarms.id, id), eq(mineAlarms.active, false), isNull(mineAlarms.acknowledgedAt)))
      .returning({ id: mineAlarms.id });
    return r.length > 0;
  }

  async openCount(faceId: string): Promise<number> {
    const [r] = await this.db.select({ n: count() }).from(mineAlarms).where(and(eq(mineAlarms.faceId, faceId), isNull(mineAlarms.acknowledgedAt)));
    return r?.n ?? 0;
  }

  async list(q: MineAlarmQuery): Promise<{ items: MineAlarm[]; total: number }> {
    const text = q.q ? `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
    const where = and(
      STATE_FILTER[q.state],
      q.faceId ? eq(mineAlarms.faceId, q.faceId) : undefined,
      q.acknowledgedBy ? eq(mineAlarms.acknowledgedBy, q.acknowledgedBy) : undefined,
      q.from ? gte(mineAlarms.raisedAt, new Date(q.from)) : undefined,
      q.to ? lte(mineAlarms.raisedAt, new Date(q.to)) : undefined,
      text
        ? or(ilike(mineAlarms.message, text), ilike(mineAlarms.code, text), ilike(mineAlarms.source, text), ilike(mineAlarms.comment, text))
        : undefined,
    );
    const [rows, totals] = await Promise.all([
      this.db.select().from(mineAlarms).where(where).orderBy(desc(mineAlarms.raisedAt), desc(mineAlarms.id)).limit(q.limit).offset(q.offset),
      this.db.select({ n: count() }).from(mineAlarms).where(where),
    ]);
    return { items: rows.map(toAlarm), total: totals[0]?.n ?? 0 };
  }
}
