import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { PlantSnapshot } from '@shuzhi/mine';
import type { MineTrend } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { mineHistory } from './db-schema.ts';

/** The tags a snapshot carries, by historian name (`<machine>.MotorCurrent`, `<sensor>.CH4`, …). */
export function snapshotTags(s: PlantSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, m] of Object.entries(s.machines)) {
    if (!m) continue;
    out.set(`${id}.MotorCurrent`, m.motorCurrentA);
    out.set(`${id}.WindingTemp`, m.windingTempC);
    out.set(`${id}.ChainSpeed`, m.chainSpeed);
    out.set(`${id}.Running`, m.running ? 1 : 0);
  }
  for (const [id, r] of Object.entries(s.sensors)) {
    if (r?.ok && r.pct !== null) out.set(`${id}.CH4`, r.pct);
  }
  return out;
}

interface FaceTags {
  latest: Map<string, number>;
  stored: Map<string, { value: number; at: number }>;
}

type HistoryRow = { face_id: string; tag: string; at: string; value: number };

/** Methane and run states are kept change by change; analog values are sampled once per interval. */
const isEveryChangeTag = (tag: string) => tag.endsWith('.CH4') || tag.endsWith('.Running');

export interface HistorianOptions {
  /** how often analog values are sampled and everything buffered is written (one statement); default 1000 */
  intervalMs?: number;
  /** an unchanged value is still stored this often, so a trend shows it was alive; default 60 s */
  keepAliveMs?: number;
  /** rows older than this are removed once an hour; default 30 days */
  retentionMs?: number;
}

/**
 * Keeps every change of methane and run state with its own time, and samples the analog tags
 * (currents, temperatures, speeds) once per interval with a deadband of 0, then writes it all in one
 * bulk insert: a fast PLC does not become one database write per change, and no methane peak is lost.
 */
export class Historian {
  readonly #faces = new Map<string, FaceTags>();
  readonly #intervalMs: number;
  readonly #keepAliveMs: number;
  readonly #retentionMs: number;
  #buffer: HistoryRow[] = [];
  #timer: NodeJS.Timeout | null = null;
  #lastPrune = 0;
  #writing: Promise<void> = Promise.resolve();
  /** rows written since start: tests and the bench read it */
  rowsWritten = 0;

  constructor(private readonly db: Db, private readonly log: Logger, o: HistorianOptions = {}) {
    this.#intervalMs = o.intervalMs ?? 1000;
    this.#keepAliveMs = o.keepAliveMs ?? 60_000;
    this.#retentionMs = o.retentionMs ?? 30 * 24 * 3600_000;
  }

  observe(faceId: string, snapshot: PlantSnapshot, now = Date.now()): void {
    let f = this.#faces.get(faceId);
    if (!f) this.#faces.set(faceId, (f = { latest: new Map(), stored: new Map() }));
    for (const [tag, v] of snapshotTags(snapshot)) {
      f.latest.set(tag, v);
      if (isEveryChangeTag(tag)) this.#keep(faceId, f, tag, v, now);
    }
  }

  #keep(faceId: string, f: FaceTags, tag: string, value: number, now: number): void {
    const prev = f.stored.get(tag);
    if (prev && prev.value === value && now - prev.at < this.#keepAliveMs) return;
    f.stored.set(tag, { value, at: now });
    this.#buffer.push({ face_id: faceId, tag, at: new Date(now).toISOString(), value });
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.#writing = this.#writing.then(async () => void (await this.sample(Date.now()))).catch((err: unknown) => this.log.warn({ err }, 'historian write failed'));
    }, this.#intervalMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#writing;
    await this.sample(Date.now()).catch(() => undefined);
  }

  /** Samples the analog tags and writes everything buffered; returns the rows written. */
  async sample(now: number): Promise<number> {
    for (const [faceId, f] of this.#faces) {
      for (const [tag, value] of f.latest) if (!isEveryChangeTag(tag)) this.#keep(faceId, f, tag, value, now);
    }
    const rows = this.#buffer;
    this.#buffer = [];
    if (rows.length) {
      // one statement whatever the number of rows; json keeps it identical on PGlite and node-postgres
      await this.db.execute(sql`insert into mine_history (face_id, tag, at, value)
        select face_id, tag, at, value from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as x(face_id text, tag text, at timestamptz, value double precision)`);
      this.rowsWritten += rows.length;
    }
    if (now - this.#lastPrune > 3600_000) {
      this.#lastPrune = now;
      await this.db.delete(mineHistory).where(lt(mineHistory.at, new Date(now - this.#retentionMs)));
    }
    return rows.length;
  }

  async trends(faceId: string, tags: string[], since: Date): Promise<MineTrend[]> {
    const rows = await this.db
      .select({ tag: mineHistory.tag, at: mineHistory.at, value: mineHistory.value })
      .from(mineHistory)
      .where(and(eq(mineHistory.faceId, faceId), inArray(mineHistory.tag, tags), gte(mineHistory.at, since)))
      .orderBy(asc(mineHistory.at))
      .limit(50_000);
    const by = new Map<string, [number, number][]>(tags.map((t) => [t, []]));
    for (const r of rows) by.get(r.tag)?.push([r.at.getTime(), r.value]);
    return tags.map((tag) => ({ tag, points: by.get(tag) ?? [] }));
  }
}
