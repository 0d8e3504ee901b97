/** Issuance (办结): every planned certificate once, signed, in the library, the applicant told once. */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { encodeRandomPart, issueApplication, noticeText, serializeCertificate, shanghaiDate, type Application, type LibraryCertificate } from '@shuzhi/gov';
import type { Tx } from '../../db/client.ts';
import type { PublishedEvent } from '../../events/bus.ts';
import type { LoadedCatalogue } from '../catalogue-store.ts';
import { fieldSpecs } from '../case-views.ts';
import { govCertificates, govSerials } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { issuerCodeOf, issuerCodes } from '../issuer.ts';
import { itemOfCase } from '../reads.ts';
import type { ApplicationRecord } from '../rows.ts';
import { notify } from '../writes.ts';

/** Reserves `n` serial numbers per issuer code in one statement each; returns the first of each block. */
async function reserveSerials(tx: Tx, counts: Map<string, number>): Promise<Map<string, number>> {
  const next = new Map<string, number>();
  for (const [code, n] of counts) {
    const [r] = await tx
      .insert(govSerials)
      .values({ issuerCode: code, next: n + 1 })
      .onConflictDoUpdate({ target: govSerials.issuerCode, set: { next: sql`${govSerials.next} + ${n}` } })
      .returning({ next: govSerials.next });
    next.set(code, r!.next - n);
  }
  return next;
}

export async function issueCertificates(d: GovDeps, tx: Tx, row: ApplicationRecord, app: Application, cat: LoadedCatalogue, now: number, ev: PublishedEvent[], actor: string): Promise<Application> {
  const counts = new Map<string, number>();
  for (const type of app.order.flatMap((id) => app.tasks[id]!.results)) {
    const t = cat.certificateType(type);
    if (!t) continue;
    const code = issuerCodeOf(t.issuerDepartmentId);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const next = await reserveSerials(tx, counts);
  const { form } = row;
  const values = { ...Object.fromEntries(form.prefill.fields.flatMap((f) => (f.status === 'filled' ? [[f.key, f.value]] : []))), ...form.answers };
  const specs = fieldSpecs(itemOfCase(cat, row).services);
  const { app: issued, certificates } = issueApplication({
    app,
    catalogue: cat.latest,
    issuerCodes: issuerCodes(cat.latest.departments.map((x) => x.id)),
    holder: { kind: app.applicant.kind, id: row.subjectId, name: form.applicantName },
    nextSerial: (code) => {
      const v = next.get(code) ?? 1;
      next.set(code, v + 1);
      return v;
    },
    // 100 random bits in every new identifier: the public verify endpoint cannot be walked by serial.
    randomPart: () => encodeRandomPart(randomBytes(13)),
    at: now,
    privateKey: d.key.privateKey,
    keyId: d.key.keyId,
    dataFor: (serviceId) => {
      const out: Record<string, string | number | boolean> = {};
      for (const f of cat.service(serviceId)?.fields ?? []) {
        const v = values[f.key];
        // Account numbers and phones are not part of a certificate.
        if (v !== undefined && !['bank_account', 'phone'].includes(specs.get(f.key)?.type ?? '')) out[f.key] = v;
      }
      return out;
    },
  });
  for (const c of certificates) {
    await tx.insert(govCertificates).values({ id: c.body.id, applicationId: row.id, serviceId: c.body.metadata.serviceId, type: c.body.type, holderId: row.subjectId, text: serializeCertificate(c), status: 'valid', issuedAt: new Date(now) });
    const lib: LibraryCertificate = {
      id: c.body.id,
      type: c.body.type,
      holderId: row.subjectId,
      issuerDepartmentId: c.body.issuer.departmentId,
      issuedOn: shanghaiDate(now),
      trustLevel: 'A',
      status: 'valid',
      data: c.body.data,
      fictional: true,
    };
    await d.registry.addLibraryCertificate(tx, lib);
  }
  await notify(d, tx, row.subjectId, row.id, 'ready', noticeText.issued({ id: row.itemId, name: cat.item(row.itemId, row.itemVersion)?.name ?? { zh: row.itemId, en: row.itemId } }, certificates.length));
  await d.bus.record(tx, ev, { kind: 'gov.application.issued', entity: 'gov_application', entityId: row.id, actor, data: { certificates: certificates.length } });
  return issued;
}
