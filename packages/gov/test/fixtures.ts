import { catalogueSeed, seedRegistries, servicesOfItem, type Registries } from '../src/index.ts';

export const registries: Registries = seedRegistries();

/** A married couple whose newborn has a birth medical certificate but no household registration yet. */
export function newbornFamily() {
  const cert = registries.certificates.find((c) => c.type === 'BIRTH_MEDICAL_CERT');
  if (!cert) throw new Error('seed has no newborn');
  const mother = registries.people.find((p) => p.residentId === cert.data.motherResidentId)!;
  const father = registries.people.find((p) => p.residentId === cert.data.fatherResidentId)!;
  return { cert, mother, father };
}

export function itemWithServices(id: string) {
  const item = catalogueSeed.items.find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id}`);
  return { item, services: servicesOfItem(catalogueSeed, item) };
}

/** 2025-03-03 09:00 Asia/Shanghai, a Monday. */
export const MONDAY_0900 = Date.parse('2025-03-03T09:00:00+08:00');
