/** 一表申请: the form for an item, filled from the registries and the library with the applicant's consent. */
import { prefill as runEnginePrefill, type Applicant, type Item, type PrefillResult, type RegistryName, type Service } from '@shuzhi/gov';
import type { GovPrefillRequest, GovPrefillResponse } from '@shuzhi/schema';
import type { Principal } from '../../auth/principal.ts';
import { newId } from '../../ids.ts';
import { recordReads, type Read } from '../audit.ts';
import { fieldViews, materialViews } from '../case-views.ts';
import type { GovDeps } from '../deps.ts';
import { itemOrFail } from '../reads.ts';
import { ownersOf, type RegistryStore } from '../registry-store.ts';
import { resolveApplicant } from './identity.ts';

export type Registries = Awaited<ReturnType<RegistryStore['subjectsFor']>>;

export function runPrefill(d: GovDeps, item: Item, services: Service[], applicant: Applicant, registries: Registries, consent: RegistryName[], purpose: string): PrefillResult {
  return runEnginePrefill({ item, services, applicant, registries, consent: { registries: consent, givenAt: d.clock.now() }, purpose });
}

/** Each registry read the prefill made, for the data-use log of everyone it touched. */
export function accessReads(result: PrefillResult, registries: Registries): Read[] {
  return result.accesses.map((a) => ({ recordId: a.subjectId, owners: ownersOf(a.subjectId, registries), registry: a.registry, source: a.source }));
}

export async function prefill(d: GovDeps, p: Principal, req: GovPrefillRequest): Promise<GovPrefillResponse> {
  const cat = await d.catalogue.load();
  const { item, services } = itemOrFail(cat, req.itemId);
  const who = await resolveApplicant(d, p, item, req.applicant);
  const draftId = newId('app');
  const registries = await d.registry.subjectsFor(who.applicant);
  const result = runPrefill(d, item, services, who.applicant, registries, req.consent, draftId);
  await recordReads(d, d.db, p, accessReads(result, registries), draftId, 'prefill');
  return {
    draftId,
    itemId: item.id,
    fields: fieldViews(services, result),
    materials: materialViews(services, result),
    ask: { fields: result.form.fields, materials: result.form.materials.map((m) => m.materialId) },
    commitmentAvailable: item.modes.commitment || services.some((s) => s.commitmentAllowed),
  };
}
