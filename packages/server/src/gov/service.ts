/**
 * The one-thing service on top of the engine: intake from every channel, department work queues, officer
 * actions, supplements, issuance once, verification, data-use audit, notifications. Each action lives in
 * actions/ (one file per action); this facade gives routes, the demo, the bench and tests one object.
 * Roles are checked at the routes; ownership (whose case, which department) in the actions.
 */
import type { Clock, GovContact, GovPrefillRequest, GovSubmitApplication, GovSupplementSubmission, GovTaskActionRequest, GovVerification } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { accessLog, getContact, grants, markNotificationRead, myCertificates, notifications, setContact } from './actions/citizen-records.ts';
import { registerBirth } from './actions/birth.ts';
import { linkUser, me } from './actions/identity.ts';
import { officerDecide } from './actions/officer-decide.ts';
import { prefill } from './actions/prefill.ts';
import { getCase, listCases, workQueue } from './actions/read-cases.ts';
import { sweepSla } from './actions/sla.ts';
import { submitApplication } from './actions/submit-application.ts';
import { supplement } from './actions/supplement.ts';
import { callNext, openTickets, takeTicket } from './actions/tickets.ts';
import { verifyCertificate } from './actions/verify.ts';
import type { GovDeps } from './deps.ts';

export type { GovDeps } from './deps.ts';

export class GovService {
  constructor(private readonly d: GovDeps) {}

  get db(): Db {
    return this.d.db;
  }

  get clock(): Clock {
    return this.d.clock;
  }

  me = (p: Principal) => me(this.d, p);
  linkUser = (userId: string, link: Parameters<typeof linkUser>[2]) => linkUser(this.d, userId, link);
  prefill = (p: Principal, req: GovPrefillRequest) => prefill(this.d, p, req);
  submit = (p: Principal, body: GovSubmitApplication) => submitApplication(this.d, p, body);
  get = (p: Principal, id: string) => getCase(this.d, p, id);
  list = (p: Principal, q: Parameters<typeof listCases>[2]) => listCases(this.d, p, q);
  queue = (p: Principal, q: Parameters<typeof workQueue>[2]) => workQueue(this.d, p, q);
  act = (p: Principal, applicationId: string, serviceId: string, body: GovTaskActionRequest) => officerDecide(this.d, p, applicationId, serviceId, body);
  supplement = (p: Principal, applicationId: string, body: GovSupplementSubmission) => supplement(this.d, p, applicationId, body);
  registerBirth = (p: Principal, body: Parameters<typeof registerBirth>[2]) => registerBirth(this.d, p, body);
  sweepSla = () => sweepSla(this.d);
  myCertificates = (p: Principal) => myCertificates(this.d, p);
  accessLog = (p: Principal, q: { limit: number }) => accessLog(this.d, p, q);
  notifications = (p: Principal) => notifications(this.d, p);
  markNotificationRead = (p: Principal, id: string) => markNotificationRead(this.d, p, id);
  contact = (p: Principal) => getContact(this.d, p);
  setContact = (p: Principal, c: GovContact) => setContact(this.d, p, c);
  grants = (p: Principal) => grants(this.d, p);
  takeTicket = () => takeTicket(this.d);
  callNext = (p: Principal) => callNext(this.d, p);
  tickets = () => openTickets(this.d);

  /**
   * Verifications since start, by result. Public verification is anonymous: it writes no database row
   * per call (a flood of calls must not grow the events table); the module logs these counts instead.
   */
  readonly verifications: Record<GovVerification['result'], number> = { valid: 0, tampered: 0, revoked: 0, not_found: 0 };

  async verify(certificateId: string, presented?: string): Promise<GovVerification> {
    const out = await verifyCertificate(this.d, certificateId, presented);
    this.verifications[out.result]++;
    return out;
  }

  publicKey = async (): Promise<{ keyId: string; alg: 'Ed25519'; publicKeyPem: string }> => ({ keyId: this.d.key.keyId, alg: 'Ed25519', publicKeyPem: this.d.key.publicKeyPem });
}
