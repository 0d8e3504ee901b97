import { and, eq } from 'drizzle-orm';
import type { PriceEntry as PriceRow } from '@shuzhi/schema';
import type { PriceEntry } from '@shuzhi/compute';
import type { Db, Tx } from '../db/client.ts';
import { sites } from '../db/schema.ts';
import { billingPrices } from './db-schema.ts';

type PoolJson = { type: string; fenPerUnitHour: number };

/** The price a run at a site is billed at: the operator's price list, else the pool's list price. */
export async function priceFor(q: Db | Tx, siteId: string, resourceType: string): Promise<{ price: PriceEntry; note: string } | null> {
  const [row] = await q
    .select()
    .from(billingPrices)
    .where(and(eq(billingPrices.siteId, siteId), eq(billingPrices.resourceType, resourceType)));
  if (row) {
    return {
      price: { fenPerUnitHour: row.fenPerUnitHour, touFenPerUnitHour: row.touFenPerUnitHour ?? null },
      note: row.touFenPerUnitHour ? 'price list, time of use' : `price list ${row.fenPerUnitHour} fen/unit-h`,
    };
  }
  const [site] = await q.select({ pools: sites.pools }).from(sites).where(eq(sites.id, siteId));
  const pool = (site?.pools as PoolJson[] | undefined)?.find((p) => p.type === resourceType);
  if (!pool) return null;
  return { price: { fenPerUnitHour: pool.fenPerUnitHour }, note: `pool list price ${pool.fenPerUnitHour} fen/unit-h` };
}

/** Every site and resource type with the price it bills at now. */
export async function listPrices(db: Db): Promise<PriceRow[]> {
  const set = await db.select().from(billingPrices);
  const siteRows = await db.select({ id: sites.id, pools: sites.pools }).from(sites).orderBy(sites.id);
  const out: PriceRow[] = [];
  for (const s of siteRows) {
    for (const pool of s.pools as PoolJson[]) {
      const own = set.find((r) => r.siteId === s.id && r.resourceType === pool.type);
      out.push({
        siteId: s.id,
        resourceType: pool.type as PriceRow['resourceType'],
        fenPerUnitHour: own?.fenPerUnitHour ?? pool.fenPerUnitHour,
        touFenPerUnitHour: own?.touFenPerUnitHour ?? null,
        source: own ? 'price-list' : 'pool',
      });
    }
  }
  return out;
}
