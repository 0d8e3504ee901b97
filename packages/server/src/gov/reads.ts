/** The reads every gov action shares: who is asking, the application row, the catalogue entry, masking. */
import { eq } from 'drizzle-orm';
import { servicesOfItem, shanghaiDate, type Item, type LocalizedText, type Service } from '@shuzhi/gov';
import { formText } from '@shuzhi/gov';
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { errors } from '../errors.ts';
import type { LoadedCatalogue } from './catalogue-store.ts';
import { govApplications, govUserLinks } from './db-schema.ts';
import type { GovDeps } from './deps.ts';
import { applicationRecord, type ApplicationRecord } from './rows.ts';

export const OPEN_STATES = ['ready', 'accepted', 'supplement_requested'] as const;

export const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
export const maskId = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : '****');
export const maskName = (name: string) => (name.length <= 1 ? '*' : `${name[0]}${'*'.repeat(name.length - 1)}`);
/** A field problem's message as the API has always given it: both languages in one string. */
export const bilingual = (t: LocalizedText) => `${t.zh} / ${t.en}`;

export const today = (d: GovDeps) => shanghaiDate(d.clock.now());

export async function linkOf(d: GovDeps, userId: string) {
  const [row] = await d.db.select().from(govUserLinks).where(eq(govUserLinks.userId, userId));
  return row ?? null;
}

/** The subject ids (resident ID, credit code) whose cases and data a citizen or enterprise user may see. */
export async function ownIds(d: GovDeps, p: Principal): Promise<string[]> {
  const link = await linkOf(d, p.userId);
  if (!link) return [];
  return [link.residentId, ...(p.role === 'enterprise' && link.creditCode ? [link.creditCode] : [])];
}

export async function applicationOrFail(d: GovDeps, id: string, q: Db | Tx = d.db, lock = false): Promise<ApplicationRecord> {
  const base = q.select().from(govApplications).where(eq(govApplications.id, id));
  const [row] = lock ? await base.for('update') : await base;
  if (!row) throw errors.notFound('application', id);
  return applicationRecord(row);
}

export async function applicationByIdempotency(d: GovDeps, key: string): Promise<ApplicationRecord | undefined> {
  const [row] = await d.db.select().from(govApplications).where(eq(govApplications.idempotencyKey, key));
  return row ? applicationRecord(row) : undefined;
}

export function itemOrFail(cat: LoadedCatalogue, itemId: string, version?: number): { item: Item; services: Service[] } {
  const item = cat.item(itemId, version);
  if (!item) throw errors.validation([{ path: 'itemId', message: bilingual(formText.noSuchItem(itemId)) }]);
  return { item, services: servicesOfItem(cat.latest, item) };
}

/** The item version a stored case was filed under, with its services. */
export function itemOfCase(cat: LoadedCatalogue, row: ApplicationRecord): { item: Item; services: Service[] } {
  const item = cat.item(row.itemId, row.itemVersion) ?? cat.item(row.itemId)!;
  return { item, services: servicesOfItem(cat.latest, item) };
}
