import { asc } from 'drizzle-orm';
import {
  CatalogueInvalidError,
  catalogueSeed,
  validateCatalogueItem,
  type Catalogue,
  type CertificateType,
  type Department,
  type Item,
  type Service,
} from '@shuzhi/gov';
import type { Db } from '../db/client.ts';
import { govCertificateTypes, govDepartments, govItems, govServices } from './db-schema.ts';

export interface LoadedCatalogue {
  /** Latest version of every item, with the services, departments and certificate types. */
  latest: Catalogue;
  /** Every published version (applications name theirs). */
  versions: readonly Item[];
  department(id: string): Department | undefined;
  service(id: string): Service | undefined;
  item(id: string, version?: number): Item | undefined;
  certificateType(id: string): CertificateType | undefined;
}

function index(departments: Department[], certificateTypes: CertificateType[], services: Service[], versions: Item[]): LoadedCatalogue {
  const latestById = new Map<string, Item>();
  for (const i of versions) if ((latestById.get(i.id)?.version ?? 0) < i.version) latestById.set(i.id, i);
  const deps = new Map(departments.map((d) => [d.id, d]));
  const svcs = new Map(services.map((s) => [s.id, s]));
  const certs = new Map(certificateTypes.map((c) => [c.id, c]));
  return {
    latest: { departments, certificateTypes, services, items: [...latestById.values()] },
    versions,
    department: (id) => deps.get(id),
    service: (id) => svcs.get(id),
    certificateType: (id) => certs.get(id),
    item: (id, version) => (version === undefined ? latestById.get(id) : versions.find((i) => i.id === id && i.version === version)),
  };
}

/** The catalogue as rows of data: a new item is an insert, never a code change. Cached between edits. */
export class CatalogueStore {
  private cache: LoadedCatalogue | null = null;
  constructor(private readonly db: Db) {}

  async seedIfEmpty(): Promise<void> {
    const [any] = await this.db.select({ id: govDepartments.id }).from(govDepartments).limit(1);
    if (any) return;
    await this.db.transaction(async (tx) => {
      await tx.insert(govDepartments).values(catalogueSeed.departments.map((d) => ({ id: d.id, data: d })));
      await tx.insert(govCertificateTypes).values(catalogueSeed.certificateTypes.map((c) => ({ id: c.id, data: c })));
      await tx.insert(govServices).values(catalogueSeed.services.map((s) => ({ id: s.id, data: s, createdBy: 'seed' })));
      await tx.insert(govItems).values(catalogueSeed.items.map((i) => ({ id: i.id, version: i.version, data: i, createdBy: 'seed' })));
    });
    this.cache = null;
  }

  async load(): Promise<LoadedCatalogue> {
    if (this.cache) return this.cache;
    const [deps, certs, svcs, items] = await Promise.all([
      this.db.select().from(govDepartments).orderBy(asc(govDepartments.id)),
      this.db.select().from(govCertificateTypes).orderBy(asc(govCertificateTypes.id)),
      this.db.select().from(govServices).orderBy(asc(govServices.createdAt), asc(govServices.id)),
      this.db.select().from(govItems).orderBy(asc(govItems.createdAt), asc(govItems.id), asc(govItems.version)),
    ]);
    this.cache = index(
      deps.map((r) => r.data as Department),
      certs.map((r) => r.data as CertificateType),
      svcs.map((r) => r.data as Service),
      items.map((r) => r.data as Item),
    );
    return this.cache;
  }

  /** Validates against the whole catalogue (all versions) and stores the item and its new services. */
  async addItem(input: unknown, actor: string): Promise<Item> {
    const cat = await this.load();
    const checked = validateCatalogueItem(input, { ...cat.latest, items: cat.versions });
    if (!checked.ok) throw new CatalogueInvalidError(checked.errors);
    const { item, services } = checked.value;
    await this.db.transaction(async (tx) => {
      if (services.length) await tx.insert(govServices).values(services.map((s) => ({ id: s.id, data: s, createdBy: actor })));
      await tx.insert(govItems).values({ id: item.id, version: item.version, data: item, createdBy: actor });
    });
    this.cache = null;
    return item;
  }
}
