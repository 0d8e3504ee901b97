import type { GovCatalogueItem } from '@shuzhi/schema';
import { servicesOfItem } from '@shuzhi/gov';
import type { LoadedCatalogue } from './catalogue-store.ts';

/** The catalogue as the web shows it: latest items with their services spelled out. */
export function catalogueView(cat: LoadedCatalogue): GovCatalogueItem[] {
  return cat.latest.items.map((item) => ({
    id: item.id,
    version: item.version,
    name: item.name,
    subject: item.subject,
    scope: item.scope,
    ...(item.region ? { region: item.region } : {}),
    leadDepartmentId: item.leadDepartmentId,
    sourceStatus: item.sourceStatus,
    ...(item.unverified ? { unverified: true } : {}),
    modes: item.modes,
    ...(item.promisedWorkingDays !== undefined ? { promisedWorkingDays: item.promisedWorkingDays } : {}),
    services: servicesOfItem(cat.latest, item).map((s) => ({
      id: s.id,
      name: s.name,
      departmentId: s.departmentId,
      departmentName: cat.department(s.departmentId)?.name ?? { zh: s.departmentId, en: s.departmentId },
      dependsOn: s.dependsOn.filter((d) => item.services.includes(d)),
      slaWorkingDays: s.slaWorkingDays,
      results: s.results,
      fields: s.fields.map((f) => ({ key: f.key, label: f.label, type: f.type, sources: [...f.sources] })),
      materials: s.materials.map((m) => ({ id: m.id, name: m.name, trustLevel: m.trustLevel, commitmentAllowed: m.commitmentAllowed })),
    })),
    baseline: { steps: item.baseline.steps, materials: item.baseline.materials, workingDays: item.baseline.workingDays, trips: item.baseline.trips },
  }));
}
