/**
 * The living government demo: synthetic applicants file the catalogue's items through every channel and
 * synthetic officers work the queues, all through GovService — the calls a real user's request makes — on a
 * clock the demo sets (a 7-day backfill on first start, then real time). Everything it files is marked demo
 * data (its actors are in gov_demo_users). Deterministic for a seed and a sequence of steps; bounded by a cap
 * on demo cases, after which it only works the open ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import { asc, count, eq } from 'drizzle-orm';
import { createRng, type GovApplicantRef, type GovChannel, type GovPrefillResponse, type GovQueueEntry, type Rng } from '@shuzhi/schema';
import type { Enterprise } from '@shuzhi/gov';
import type { Principal } from '../auth/principal.ts';
import type { AuthStore } from '../auth/store.ts';
import type { Logger } from '../log.ts';
import { markDemoUser } from './actions/demo-users.ts';
import { govApplications, govEnterprises, govPeople } from './db-schema.ts';
import type { GovDeps } from './deps.ts';
import { GovService } from './service.ts';

/** The languages the demo's applicants chose for their notices, in turn: the sink shows each. */
const DEMO_LANGS = ['zh', 'zh', 'en', 'ug'] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CONSENT = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'] as const;
/** Channels an applicant uses themselves, and their share; the rest are filed by a window clerk. */
const CHANNELS: [GovChannel, number][] = [['app', 0.4], ['web', 0.15], ['kiosk', 0.15], ['window', 0.25], ['hotline', 0.05]];

export interface LiveDemoOptions {
  seed: number;
  /** Demo cases beyond which nothing new is filed (the open ones are still worked). */
  maxCases: number;
}

/** How long officers take: minutes in the live demo, hours in the backfilled history. */
export interface Pace {
  perMinute: number;
  acceptAfterMs: [number, number];
  decideAfterMs: [number, number];
}
export const livePace = (perMinute: number): Pace => ({ perMinute, acceptAfterMs: [0.5 * MINUTE, 3 * MINUTE], decideAfterMs: [1 * MINUTE, 6 * MINUTE] });
export const historyPace: Pace = { perMinute: 25 / (24 * 60), acceptAfterMs: [0.5 * HOUR, 20 * HOUR], decideAfterMs: [1 * HOUR, 40 * HOUR] };

interface Actors {
  citizens: Principal[];
  companies: Principal[];
  window: Principal;
  officers: Map<string, Principal>;
  supervisor: Principal;
  /** Resident IDs and credit codes of the synthetic registries, for answers that name someone. */
  people: string[];
  companyRefs: Map<string, GovApplicantRef & { creditCode: string }>;
  personOf: Map<string, string>;
}

/** A number in [0, 1) fixed by the text: the same task always gets the same delays and decision. */
/**
 * After each demo call: on PGlite the demo's back-to-back transactions would otherwise keep real users'
 * requests waiting for the one connection (the backfill makes thousands of calls).
 */
const pause = () => new Promise<void>((r) => setTimeout(r, 10));

const unit = (s: string): number => createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;
const within = ([lo, hi]: [number, number], u: number) => lo + (hi - lo) * u;

export class GovLiveDemo {
  private readonly rng: Rng;
  private readonly clock = { t: 0, now: () => this.clock.t };
  private readonly svc: GovService;
  private actors: Actors | null = null;
  private n = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  /** Tasks already sent back once for a supplement (one round per task is enough for a demo). */
  private readonly asked = new Set<string>();
  private readonly filer = new Map<string, Principal>();

  constructor(
    private readonly deps: GovDeps,
    private readonly auth: AuthStore,
    private readonly log: Logger,
    private readonly opts: LiveDemoOptions,
  ) {
    this.rng = createRng(opts.seed);
    // The demo's own clock: the same service, the same calls, at the time the demo says.
    this.svc = new GovService({ ...deps, clock: this.clock });
  }

  /** Synthetic applicants, a window clerk and one officer per department; idempotent. */
  async ensureActors(): Promise<Actors> {
    if (this.actors) return this.actors;
    const db = this.deps.db;
    const user = async (username: string, role: Principal['role'], displayName: string, kind: 'applicant' | 'window' | 'officer', department: string | null = null): Promise<Principal> => {
      // Not meant to log in: a random password nobody is told.
      const userId = (await this.auth.userIdByName(username)) ?? (await this.auth.createUser({ username, password: randomBytes(18).toString('base64url'), role, displayName, department }));
      await markDemoUser(this.deps, userId, kind);
      return { userId, username, displayName, role, tenantId: null, department, via: 'session' };
    };
    const people = (await db.select({ id: govPeople.residentId }).from(govPeople).orderBy(asc(govPeople.residentId))).map((r) => r.id);
    const ents = (await db.select().from(govEnterprises).orderBy(asc(govEnterprises.creditCode))).map((r) => r.data as Enterprise);
    const citizens: Principal[] = [];
    const personOf = new Map<string, string>();
    for (let i = 0; i < 10 && i * 7 < people.length; i++) {
      const no = String(i + 1).padStart(2, '0');
      const p = await user(`demo-citizen-${no}`, 'citizen', `演示市民${no} Demo citizen ${no} (synthetic)`, 'applicant');
      const residentId = people[(i * 7) % people.length]!;
      await this.svc.linkUser(p.userId, { kind: 'person', residentId });
      personOf.set(p.userId, residentId);
      citizens.push(p);
    }
    const companies: Principal[] = [];
    const companyRefs = new Map<string, GovApplicantRef & { creditCode: string }>();
    for (let i = 0; i < 6 && i < ents.length; i++) {
      const no = String(i + 1).padStart(2, '0');
      const e = ents[i]!;
      const p = await user(`demo-company-${no}`, 'enterprise', `演示企业${no} Demo company ${no} (synthetic)`, 'applicant');
      await this.svc.linkUser(p.userId, { kind: 'enterprise', residentId: e.legalRepresentativeResidentId, creditCode: e.creditCode });
      companyRefs.set(p.userId, { creditCode: e.creditCode, agentResidentId: e.legalRepresentativeResidentId });
      companies.push(p);
    }
    // Texted through the SMS sink only, in Chinese, English and Uyghur: no demo applicant has an e-mail
    // address, so a real SMTP server is never handed a made-up recipient.
    for (const [i, p] of [...citizens, ...companies].entries()) {
      await this.svc.setContact(p, { email: null, phone: `1990000${String(i + 1).padStart(4, '0')}`, lang: DEMO_LANGS[i % DEMO_LANGS.length]! });
    }
    const cat = await this.deps.catalogue.load();
    const officers = new Map<string, Principal>();
    for (const dept of cat.latest.departments) {
      const short = dept.id.replace(/^dept_/, '').replace(/_/g, '-');
      officers.set(dept.id, await user(`demo-officer-${short}`, 'officer', `演示审批员 Demo officer (${dept.name.zh})`, 'officer', dept.id));
    }
    const window = await user('demo-window-01', 'window', '演示窗口 Demo window clerk (synthetic)', 'window');
    const supervisor: Principal = { userId: 'demo-supervisor', username: 'demo-supervisor', displayName: 'demo', role: 'supervisor', tenantId: null, department: null, via: 'session' };
    this.actors = { citizens, companies, window, officers, supervisor, people, companyRefs, personOf };
    return this.actors;
  }

  async demoCases(): Promise<number> {
    const [r] = await this.deps.db.select({ n: count() }).from(govApplications).where(eq(govApplications.demo, true));
    return r?.n ?? 0;
  }

  /** Runs the demo from `from` to `to` in steps of `stepMs`, at `pace`. */
  async run(from: number, to: number, stepMs: number, pace: Pace): Promise<void> {
    for (let t = from; t <= to && !this.stopped; t += stepMs) await this.step(t, stepMs, pace);
  }

  /** One step at time `now`: new applications arrive, officers act on what is due, applicants answer supplements. */
  async step(now: number, stepMs: number, pace: Pace): Promise<void> {
    this.clock.t = now;
    const a = await this.ensureActors();
    const arrivals = poisson(this.rng, (pace.perMinute * stepMs) / MINUTE);
    for (let i = 0; i < arrivals && (await this.demoCases()) < this.opts.maxCases; i++) {
      await this.file(a).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'gov demo: an application was refused'));
      await pause();
    }
    const queue = await this.svc.queue(a.supervisor, {});
    const supplemented = new Set<string>();
    for (const e of queue) {
      const acted = await this.work(a, e, now, pace, supplemented).catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message, task: `${e.applicationId}/${e.serviceId}` }, 'gov demo: an officer action failed');
        return true;
      });
      if (acted) await pause();
    }
  }

  private async file(a: Actors): Promise<void> {
    const cat = await this.deps.catalogue.load();
    const items = cat.latest.items;
    const item = items[this.n % items.length]!;
    const no = this.n++;
    const channel = weighted(this.rng, CHANNELS);
    const pool = item.subject === 'individual' ? a.citizens : a.companies;
    const applicant = this.rng.pick(pool);
    const ref: GovApplicantRef = item.subject === 'individual' ? { residentId: a.personOf.get(applicant.userId)! } : a.companyRefs.get(applicant.userId)!;
    const byWindow = channel === 'window' || channel === 'hotline';
    const filer = byWindow ? a.window : applicant;
    const pre = await this.svc.prefill(filer, { itemId: item.id, consent: [...CONSENT], ...(byWindow ? { applicant: ref } : {}) });
    const answers = this.answers(a, pre);
    const materials = pre.ask.materials.map((id) => ({ materialId: id, kind: 'upload' as const, fileName: `${id}.pdf`, sha256: createHash('sha256').update(`demo ${no} ${id}`).digest('hex') }));
    const out = await this.svc.submit(filer, { itemId: item.id, idempotencyKey: `gov-demo-${this.opts.seed}-${no}`, draftId: pre.draftId, channel, consent: [...CONSENT], ...(byWindow ? { applicant: ref } : {}), answers, materials });
    this.filer.set(out.application.id, filer);
  }

  private answers(a: Actors, pre: GovPrefillResponse): Record<string, string | number | boolean> {
    const day = new Date(this.clock.t - 30 * 24 * HOUR).toISOString().slice(0, 10);
    const out: Record<string, string | number | boolean> = {};
    for (const f of pre.fields) {
      if (f.status !== 'needed' || !pre.ask.fields.includes(f.key)) continue;
      out[f.key] = {
        resident_id: () => this.rng.pick(a.people),
        credit_code: () => this.rng.pick([...a.companyRefs.values()]).creditCode,
        date: () => day,
        number: () => this.rng.int(1, 20),
        money_fen: () => this.rng.int(1, 5000) * 100,
        boolean: () => true,
        phone: () => '19900009999',
        bank_account: () => '6222020200112233',
        choice: () => this.rng.pick(f.choices ?? ['']),
        text: () => '演示数据 demo',
      }[f.type as 'text']?.() ?? '演示数据 demo';
    }
    return out;
  }

  /** An officer's next move on a task once its (fixed, per task) delay has passed. */
  /** Returns whether it called the service. */
  private async work(a: Actors, e: GovQueueEntry, now: number, pace: Pace, supplemented: Set<string>): Promise<boolean> {
    const key = `${e.applicationId}/${e.serviceId}`;
    const officer = a.officers.get(e.departmentId);
    const since = e.readyAt ? Date.parse(e.readyAt) : now;
    const acceptAt = since + within(pace.acceptAfterMs, unit(`${key}:accept`));
    const decideAt = acceptAt + within(pace.decideAfterMs, unit(`${key}:decide`));
    const can = (x: string) => e.allowedActions.includes(x as never);
    if (e.state === 'supplement_requested') {
      // One supplement answers every task of the application that asked.
      if (supplemented.has(e.applicationId)) return false;
      supplemented.add(e.applicationId);
      await this.answerSupplement(a, e);
      return true;
    }
    if (!officer || now < acceptAt) return false;
    if (e.state === 'ready' && can('accept')) {
      await this.svc.act(officer, e.applicationId, e.serviceId, { action: 'accept' });
      return true;
    }
    if (now < decideAt) return false;
    const u = unit(`${key}:outcome`);
    if (can('verify_passed')) await this.svc.act(officer, e.applicationId, e.serviceId, { action: 'verify_passed' });
    else if (u < 0.08 && !this.asked.has(key) && can('request_supplement')) {
      this.asked.add(key);
      await this.svc.act(officer, e.applicationId, e.serviceId, { action: 'request_supplement', supplement: { message: '请补充清晰的身份证明扫描件（演示）/ Please add a clear scan of your ID (demo)', fields: [], materials: [] } });
    } else if (u > 0.97 && can('reject')) await this.svc.act(officer, e.applicationId, e.serviceId, { action: 'reject', reason: '不符合办理条件（演示数据）/ Not eligible (demo data)' });
    else if (can('approve')) await this.svc.act(officer, e.applicationId, e.serviceId, { action: 'approve' });
    else return false;
    return true;
  }

  /** The applicant (or the clerk who filed it) sends the supplement at the next step. */
  private async answerSupplement(a: Actors, e: GovQueueEntry): Promise<void> {
    this.asked.add(`${e.applicationId}/${e.serviceId}`);
    const known = this.filer.get(e.applicationId);
    // After a restart the filer is not remembered: the one demo actor whose case it is succeeds, the others get 404.
    for (const p of known ? [known] : [a.window, ...a.citizens, ...a.companies]) {
      try {
        await this.svc.supplement(p, e.applicationId, { answers: {}, materials: [] });
        return;
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err;
      }
    }
  }

  /** First start: a week of history (when there is no demo case yet), then a step every `everyMs`. */
  async start(perMinute: number, everyMs = 15_000): Promise<void> {
    const now = this.deps.clock.now();
    if ((await this.demoCases()) === 0) {
      const t0 = Date.now();
      this.busy = this.run(now - 7 * 24 * HOUR, now, 30 * MINUTE, historyPace);
      await this.busy.finally(() => (this.busy = null));
      this.log.info({ cases: await this.demoCases(), seconds: Math.round((Date.now() - t0) / 1000) }, 'gov demo: a week of synthetic history filed');
    }
    if (this.stopped) return;
    const pace = livePace(perMinute);
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = this.step(this.deps.clock.now(), everyMs, pace)
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'gov demo step failed'))
        .finally(() => (this.busy = null));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
  }
}

function poisson(rng: Rng, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

function weighted<T>(rng: Rng, choices: readonly [T, number][]): T {
  let u = rng.next();
  for (const [v, w] of choices) if ((u -= w) < 0) return v;
  return choices[choices.length - 1]![0];
}
