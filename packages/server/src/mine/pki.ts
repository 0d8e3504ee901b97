/**
 * The mine link's own PKI: this server's OPC UA application certificate and its trust list of
 * face PLC certificates, in node-opcua's folder layout (own/, trusted/certs/, rejected/, issuers/)
 * under `<dataDir>/pki/opcua`. One certificate manager for every face: trusting a PLC through the
 * API is seen at once by the next connection attempt (no file watcher in between).
 *
 * Unknown certificates are refused, never accepted on first sight; node-opcua files a refused one
 * under rejected/, where an engineer finds it (`shuzhi mine certs list`) and moves it to trusted/.
 * Only certificates (public data) leave this module; the private key stays in own/private.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import type { MineCertificate, MineCertificates } from '@shuzhi/schema';

export const SUPERVISOR_APPLICATION_NAME = 'shuzhi-mine-supervisor';

/** The first certificate of a DER blob that may hold a chain (OPC UA sends leaf first, concatenated). */
export function firstDer(blob: Buffer): Buffer {
  if (blob.length < 2 || blob[0] !== 0x30) return blob;
  const b1 = blob[1]!;
  if (b1 < 0x80) return blob.subarray(0, 2 + b1);
  const n = b1 & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + blob[2 + i]!;
  return blob.subarray(0, 2 + n + len);
}

/** OPC UA's thumbprint: SHA-1 over the DER, lower-case hex. */
export function thumbprintOf(der: Buffer): string {
  return createHash('sha1').update(firstDer(der)).digest('hex');
}

/** Subject, validity and application URI of a certificate, from DER or PEM. */
export function describeCertificate(data: Buffer, status: MineCertificate['status']): MineCertificate & { der: Buffer } {
  const x = new X509Certificate(data);
  const der = Buffer.from(x.raw);
  const uri = /URI:([^,\s]+)/.exec(x.subjectAltName ?? '')?.[1] ?? null;
  return {
    thumbprint: thumbprintOf(der),
    subject: x.subject.split('\n').join(', '),
    applicationUri: uri,
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    status,
    der,
  };
}

function readFolder(folder: string, status: 'trusted' | 'rejected'): (MineCertificate & { der: Buffer })[] {
  if (!existsSync(folder)) return [];
  const out: (MineCertificate & { der: Buffer })[] = [];
  for (const f of readdirSync(folder).sort()) {
    if (!/\.(pem|der|crt|cer)$/i.test(f)) continue;
    try {
      out.push(describeCertificate(readFileSync(join(folder, f)), status));
    } catch {
      // not a certificate (a half-written file, a stray note): not listed, never trusted
    }
  }
  return out;
}

const strip = ({ der: _der, ...c }: MineCertificate & { der: Buffer }): MineCertificate => c;

export class MinePki {
  readonly applicationUri: string;
  readonly certificateFile: string;

  private constructor(readonly folder: string, readonly cm: OPCUACertificateManager) {
    this.applicationUri = `urn:${hostname()}:shuzhi:mine-supervisor`;
    this.certificateFile = join(cm.rootDir, 'own', 'certs', 'client_certificate.pem');
  }

  /** Opens (and on first use creates) the PKI folder and this server's certificate (RSA 2048, 10 years). */
  static async open(folder: string): Promise<MinePki> {
    const cm = new OPCUACertificateManager({ rootFolder: folder, automaticallyAcceptUnknownCertificate: false, keySize: 2048 });
    await cm.initialize();
    // every OPCUAClient built on this manager releases one reference when it disconnects and
    // disposes the manager at zero: this one is held until close()
    cm.referenceCounter++;
    const pki = new MinePki(folder, cm);
    if (!existsSync(pki.certificateFile)) {
      // created now, not at the first connection, so the demo (and an engineer) can hand it to a PLC before any link exists
      await cm.createSelfSignedCertificate({
        applicationUri: pki.applicationUri,
        dns: [hostname()],
        outputFile: pki.certificateFile,
        subject: `/CN=${SUPERVISOR_APPLICATION_NAME}@${hostname()}/O=Shuzhi`,
        startDate: new Date(),
        validity: 365 * 10,
      });
    }
    return pki;
  }

  ownDer(): Buffer {
    return describeCertificate(readFileSync(this.certificateFile), 'own').der;
  }

  list(): MineCertificates {
    const pem = readFileSync(this.certificateFile, 'utf8');
    return {
      folder: this.folder,
      own: { ...strip(describeCertificate(Buffer.from(pem), 'own')), pem },
      trusted: readFolder(this.cm.trustedFolder, 'trusted').map(strip),
      rejected: readFolder(this.cm.rejectedFolder, 'rejected').map(strip),
    };
  }

  status(thumbprint: string): 'trusted' | 'rejected' | 'unknown' {
    const t = thumbprint.toLowerCase();
    if (readFolder(this.cm.trustedFolder, 'trusted').some((c) => c.thumbprint === t)) return 'trusted';
    if (readFolder(this.cm.rejectedFolder, 'rejected').some((c) => c.thumbprint === t)) return 'rejected';
    return 'unknown';
  }

  #find(thumbprint: string): (MineCertificate & { der: Buffer }) | undefined {
    const t = thumbprint.toLowerCase();
    return [...readFolder(this.cm.rejectedFolder, 'rejected'), ...readFolder(this.cm.trustedFolder, 'trusted')].find((c) => c.thumbprint === t);
  }

  /** Moves a certificate (found by thumbprint in rejected/ or trusted/) to trusted/. null: no such certificate. */
  async trust(thumbprint: string): Promise<MineCertificate | null> {
    const c = this.#find(thumbprint);
    if (!c) return null;
    await this.cm.trustCertificate(c.der);
    return { ...strip(c), status: 'trusted' };
  }

  /** Takes trust away: the certificate moves to rejected/ and the next connection with it is refused. */
  async reject(thumbprint: string): Promise<MineCertificate | null> {
    const c = this.#find(thumbprint);
    if (!c) return null;
    await this.cm.rejectCertificate(c.der);
    return { ...strip(c), status: 'rejected' };
  }

  /** Trusts a certificate handed over out of band (the demo's own simulators). */
  async trustDer(der: Buffer): Promise<void> {
    await this.cm.trustCertificate(firstDer(der));
  }

  async close(): Promise<void> {
    this.cm.referenceCounter = 0;
    await this.cm.dispose();
  }
}
