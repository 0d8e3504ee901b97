/** Issue an application's results once: build, sign and record one certificate per planned result. */
import type { KeyObject } from 'node:crypto';
import type { Catalogue } from '../catalogue/model.ts';
import { UnknownReferenceError } from '../errors.ts';
import { signCertificate, type CertificateBody, type SignedCertificate } from '../certificates/certificate.ts';
import { makeCertificateId } from '../certificates/identifier.ts';
import { planIssuance, recordIssuance, type Application } from './application.ts';

export interface IssueInput {
  app: Application;
  catalogue: Pick<Catalogue, 'certificateTypes' | 'departments'>;
  /** Unified social credit code of the issuing office per department (set by the deployment). */
  issuerCodes: Readonly<Record<string, string>>;
  holder: CertificateBody['holder'];
  /** Next free serial per issuer; the caller persists the counter. */
  nextSerial: (issuerCode: string) => number;
  /**
   * The unguessable part of each new identifier (identifier.ts: 20 base32 characters, e.g.
   * `encodeRandomPart(randomBytes(13))` from a cryptographic source). Without it identifiers are the
   * sequential 35-character form, which anyone can enumerate: servers always pass it.
   */
  randomPart?: () => string;
  at: number;
  privateKey: KeyObject;
  keyId: string;
  dataFor?: (serviceId: string, certificateType: string) => CertificateBody['data'];
}

export function issueApplication(input: IssueInput): { app: Application; certificates: SignedCertificate[] } {
  const plan = planIssuance(input.app);
  const issuedAt = new Date(input.at).toISOString();
  const certificates = plan.map(({ serviceId, certificateType }) => {
    const type = input.catalogue.certificateTypes.find((t) => t.id === certificateType);
    if (!type) throw new UnknownReferenceError('certificate type', certificateType);
    const department = input.catalogue.departments.find((d) => d.id === type.issuerDepartmentId);
    const issuerCode = input.issuerCodes[type.issuerDepartmentId];
    if (!department || issuerCode === undefined) throw new UnknownReferenceError('issuing office of department', type.issuerDepartmentId);
    const body: CertificateBody = {
      id: makeCertificateId({ typeCode: type.code, issuerCode, serial: input.nextSerial(issuerCode), version: 1, ...(input.randomPart ? { random: input.randomPart() } : {}) }),
      type: type.id,
      name: type.name,
      issuer: { departmentId: department.id, code: issuerCode, name: department.name.zh },
      holder: input.holder,
      issuedAt,
      validFrom: issuedAt,
      data: input.dataFor?.(serviceId, certificateType) ?? {},
      metadata: { itemId: input.app.itemId, serviceId, applicationId: input.app.id, version: 1 },
    };
    return { serviceId, certificate: signCertificate(body, input.privateKey, input.keyId) };
  });
  const app = recordIssuance(
    input.app,
    certificates.map((c) => ({ serviceId: c.serviceId, certificateType: c.certificate.body.type, certificateId: c.certificate.body.id })),
    input.at,
  );
  return { app, certificates: certificates.map((c) => c.certificate) };
}
