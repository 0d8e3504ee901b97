// Replays synthetic one-thing cases through intake, every department step and issuance, with batched writes.
import type pg from 'pg';
import {
  applicationStatus,
  applyTaskAction,
  createApplication,
  createRng,
  issueApplication,
  prefill,
  serializeCertificate,
  servicesOfItem,
  type Applicant,
  type Application,
  type Catalogue,
  type Channel,
  type Enterprise,
  type FieldSpec,
  type Item,
  type LibraryCertificate,
  type Marriage,
  type PrefillResult,
  type Registries,
  type Rng,
  type Service,
  type TaskAction,
  type WorkingCalendar,
} from '@shuzhi/gov';
import { issuerCodes, type IssuerKey, measureCase } from '@shuzhi/server/testing';

/** Share of the year's cases per item (the 13 national items). Assumed mix, stated in the report. */
export const ITEM_MIX: Record<string, number> = {
  item_newborn: 20, item_retirement: 12, item_social_security_card: 12, item_school_admission: 10, item_disability_services: 5,
  item_enterprise_info_change: 12, item_open_restaurant: 6, item_open_transport_enterprise: 5, item_employee_hiring: 8,
  item_listing_compliance_check: 1, item_bankruptcy_info_check: 1, item_credit_repair: 4, item_utilities_joint_connection: 4,
};
const CHANNEL_MIX: [Channel, number][] = [['app', 45], ['web', 20], ['window', 25], ['kiosk', 10]];
const HOUR = 3_600_000;

function weighted<T>(rng: Rng, entries: [T, number][]): T {
  const total = entries.reduce((n, [, w]) => n + w, 0);
  let x = rng.next() * total;
  for (const [v, w] of entries) if ((x -= w) < 0) return v;
  return entries[entries.length - 1]![0];
}

/** The records reachable from one applicant, by index (the engine's prefill scans what it is given). */
export function registryIndex(r: Registries) {
  const people = new Map(r.people.map((p) => [p.residentId, p]));
  const households = new Map(r.households.map((h) => [h.id, h]));
  const marriages = new Map<string, Marriage>();
  for (const m of r.marriages) for (const id of m.partyResidentIds) marriages.set(id, m);
  const enterprises = new Map(r.enterprises.map((e) => [e.creditCode, e]));
  const insurance = new Map(r.socialInsurance.map((s) => [s.residentId, s]));
  const certs = new Map<string, LibraryCertificate[]>();
  for (const c of r.certificates) certs.set(c.holderId, [...(certs.get(c.holderId) ?? []), c]);
  const cache = new Map<string, Registries>();
  return {
    mothers: r.certificates.filter((c) => c.type === 'BIRTH_MEDICAL_CERT').map((c) => c.holderId),
    adults: r.people.filter((p) => p.birthDate < '2000-01-01').map((p) => p.residentId),
    enterprises: r.enterprises,
    subset(a: Applicant): Registries {
      const key = a.kind === 'person' ? a.residentId : `${a.creditCode}|${a.agentResidentId}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const personId = a.kind === 'person' ? a.residentId : a.agentResidentId;
      const person = people.get(personId);
      const marriage = marriages.get(personId);
      const household = person ? households.get(person.householdId) : undefined;
      const ent = a.kind === 'enterprise' ? enterprises.get(a.creditCode) : undefined;
      const ids = new Set([personId, ...(marriage?.partyResidentIds ?? []), ...(household ? [household.headResidentId] : []), ...(ent ? [ent.legalRepresentativeResidentId] : [])]);
      const out: Registries = {
        people: [...ids].flatMap((id) => (people.has(id) ? [people.get(id)!] : [])),
        households: household ? [household] : [],
        marriages: marriage ? [marriage] : [],
        enterprises: ent ? [ent] : [],
        socialInsurance: [...ids].flatMap((id) => (insurance.has(id) ? [insurance.get(id)!] : [])),
        certificates: [...ids, ...(ent ? [ent.creditCode] : [])].flatMap((id) => certs.get(id) ?? []),
      };
      cache.set(key, out);
      return out;
    },
  };
}

function answerFor(f: FieldSpec): string | number | boolean {
  switch (f.type) {
    case 'phone': return '13800138000';
    case 'bank_account': return '6222020200112233';
    case 'date': return '2025-06-01';
    case 'number': return 3;
    case 'money_fen': return 100_000;
    case 'boolean': return true;
    case 'choice': return f.choices?.[0] ?? '';
    default: return '测试';
  }
}

interface Case {
  app: Application;
  item: Item;
  services: Service[];
  prefill: PrefillResult;
  subjectId: string;
  name: string;
  /** Simulated clock of this case (ms). */
  t: number;
  rng: Rng;
  supplemented: Set<string>;
  /** Each task's own clock: departments work in parallel. */
  clocks: Map<string, number>;
  closed: boolean;
}

export interface ReplayStats {
  cases: number;
  steps: number;
  waves: number;
  stepLatencies: { ms: number; steps: number }[];
  elapsedMs: number;
}

/** unnest-based bulk statements: one round trip per table per wave. */
const sqlText = {
  apps: `insert into gov_applications (id, item_id, item_version, subject_id, channel, idempotency_key, status, state, form, submitted_at, updated_at)
    select id, item, ver, subj, ch, idem, st, state::jsonb, form::jsonb, to_timestamp(sub / 1000.0), to_timestamp(sub / 1000.0)
    from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[]) as t(id, item, ver, subj, ch, idem, st, state, form, sub)`,
  tasks: `insert into gov_tasks (application_id, service_id, department_id, state, ready_at, due_at, updated_at)
    select a, s, d, st, to_timestamp(r / 1000.0), to_timestamp(du / 1000.0), to_timestamp(u / 1000.0)
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[]) as t(a, s, d, st, r, du, u)
    on conflict (application_id, service_id) do update set state = excluded.state, ready_at = excluded.ready_at, due_at = excluded.due_at, updated_at = excluded.updated_at`,
  events: `insert into events (kind, entity, entity_id, actor, data, at)
    select k, 'gov_application', e, a, d::jsonb, to_timestamp(at / 1000.0) from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[]) as t(k, e, a, d, at)`,
  access: `insert into gov_access_log (owner_id, record_id, registry, source, actor_user_id, actor_name, actor_role, application_id, purpose, at)
    select o, r, g, s, null, 'bench applicant', 'citizen', a, 'application intake', to_timestamp(at / 1000.0)
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) as t(o, r, g, s, a, at)`,
  close: `update gov_applications g set state = u.state::jsonb, status = u.st, updated_at = to_timestamp(u.at / 1000.0), closed_at = to_timestamp(u.at / 1000.0),
      steps = u.s, materials = u.m, trips = u.tr, working_days = u.wd, before_steps = u.bs, before_materials = u.bm, before_trips = u.bt, before_working_days = u.bw, sla_met = u.sla
    from unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::bool[])
      as u(id, state, st, at, s, m, tr, wd, bs, bm, bt, bw, sla) where g.id = u.id`,
  certs: `insert into gov_certificates (id, application_id, service_id, type, holder_id, text, status, issued_at)
    select id, a, s, ty, h, tx, 'valid', to_timestamp(at / 1000.0) from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[]) as t(id, a, s, ty, h, tx, at)`,
  notes: `insert into gov_notifications (id, recipient_id, application_id, kind, message, at)
    select id, r, a, 'ready', m::jsonb, to_timestamp(at / 1000.0) from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[]) as t(id, r, a, m, at)
    on conflict do nothing`,
};

export interface ReplayInput {
  pool: pg.Pool;
  catalogue: Catalogue;
  registries: Registries;
  calendar: WorkingCalendar;
  key: IssuerKey;
  cases: number;
  batchSize: number;
  seed: number;
  /** Simulated year: submissions spread over it. */
  yearStartMs: number;
  onProgress?: (done: number) => void;
}

/**
 * Each batch of cases goes through the real engine (prefill, createApplication, applyTaskAction,
 * issueApplication with Ed25519 signatures, measureCase) in waves: every wave applies the next action of every
 * open task of the batch and commits all of them in one transaction (task rows + one event per step); intake
 * and closure write the application documents. A step's latency is the time from the start of its wave to the
 * commit that makes it durable.
 */
export async function replay(input: ReplayInput): Promise<ReplayStats> {
  const rng = createRng(input.seed);
  const index = registryIndex(input.registries);
  const items = Object.keys(ITEM_MIX).map((id) => input.catalogue.items.find((i) => i.id === id)!);
  const mix: [Item, number][] = items.map((i) => [i, ITEM_MIX[i.id]!]);
  const codes = issuerCodes(input.catalogue.departments.map((d) => d.id));
  const serials = new Map<string, number>();
  const stats: ReplayStats = { cases: 0, steps: 0, waves: 0, stepLatencies: [], elapsedMs: 0 };
  const started = performance.now();
  const yearMs = 360 * 24 * HOUR;
  let seq = 0;

  for (let offset = 0; offset < input.cases; offset += input.batchSize) {
    const n = Math.min(input.batchSize, input.cases - offset);
    const batch: Case[] = [];
    // ---- intake wave
    let waveStart = performance.now();
    const apps = { id: [] as string[], item: [] as string[], ver: [] as number[], subj: [] as string[], ch: [] as string[], idem: [] as string[], st: [] as string[], state: [] as string[], form: [] as string[], sub: [] as number[] };
    const access = { o: [] as string[], r: [] as string[], g: [] as string[], s: [] as string[], a: [] as string[], at: [] as number[] };
    const ev = { k: [] as string[], e: [] as string[], a: [] as string[], d: [] as string[], at: [] as number[] };
    const tasks = { a: [] as string[], s: [] as string[], d: [] as string[], st: [] as string[], r: [] as (number | null)[], du: [] as (number | null)[], u: [] as number[] };
    for (let i = 0; i < n; i++) {
      const item = weighted(rng, mix);
      const services = servicesOfItem(input.catalogue, item);
      let applicant: Applicant;
      if (item.subject === 'enterprise') {
        const e: Enterprise = rng.pick(index.enterprises);
        applicant = { kind: 'enterprise', creditCode: e.creditCode, agentResidentId: e.legalRepresentativeResidentId };
      } else {
        applicant = { kind: 'person', residentId: item.id === 'item_newborn' && rng.next() < 0.9 ? rng.pick(index.mothers) : rng.pick(index.adults) };
      }
      const subset = index.subset(applicant);
      const id = `app_bench${String(++seq).padStart(7, '0')}`;
      const channel = weighted(rng, CHANNEL_MIX);
      const t0 = input.yearStartMs + Math.floor(rng.next() * yearMs);
      const pre = prefill({ item, services, applicant, registries: subset, consent: { registries: ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'], givenAt: t0 }, purpose: id });
      const commit = item.modes.commitment && rng.next() < 0.3;
      const app = createApplication({ id, item, services, applicant, channel, submittedAt: t0, calendar: input.calendar, ...(commit ? { commitment: { statementSha256: 'b'.repeat(64), signedAt: t0 } } : {}) });
      const specs = new Map(services.flatMap((s) => s.fields.map((f) => [f.key, f] as const)));
      const answers = Object.fromEntries(pre.form.fields.map((k) => [k, answerFor(specs.get(k)!)]));
      const subjectId = applicant.kind === 'person' ? applicant.residentId : applicant.creditCode;
      const name = applicant.kind === 'person' ? (subset.people.find((p) => p.residentId === applicant.residentId)?.name ?? '测试') : (subset.enterprises[0]?.name ?? '测试');
      batch.push({ app, item, services, prefill: pre, subjectId, name, t: t0, rng: createRng(input.seed * 7919 + seq), supplemented: new Set(), clocks: new Map(), closed: false });
      const { accesses, ...stored } = pre;
      apps.id.push(id); apps.item.push(item.id); apps.ver.push(item.version); apps.subj.push(subjectId); apps.ch.push(channel); apps.idem.push(`bench:${id}`);
      apps.st.push(applicationStatus(app)); apps.state.push(JSON.stringify(app)); apps.form.push(JSON.stringify({ applicantName: name, consent: [], consentAt: t0, prefill: stored, answers, materials: [] })); apps.sub.push(t0);
      for (const x of accesses) { access.o.push(subjectId); access.r.push(x.subjectId); access.g.push(x.registry); access.s.push(x.source); access.a.push(id); access.at.push(t0); }
      ev.k.push('gov.application.submitted'); ev.e.push(id); ev.a.push('bench'); ev.d.push(JSON.stringify({ itemId: item.id, channel })); ev.at.push(t0);
      for (const sid of app.order) {
        const task = app.tasks[sid]!;
        tasks.a.push(id); tasks.s.push(sid); tasks.d.push(task.departmentId); tasks.st.push(task.state); tasks.r.push(task.readyAt ?? null); tasks.du.push(task.dueAt ?? null); tasks.u.push(t0);
      }
    }
    await tx(input.pool, async (c) => {
      await c.query(sqlText.apps, [apps.id, apps.item, apps.ver, apps.subj, apps.ch, apps.idem, apps.st, apps.state, apps.form, apps.sub]);
      await c.query(sqlText.tasks, [tasks.a, tasks.s, tasks.d, tasks.st, tasks.r, tasks.du, tasks.u]);
      await c.query(sqlText.access, [access.o, access.r, access.g, access.s, access.a, access.at]);
      await c.query(sqlText.events, [ev.k, ev.e, ev.a, ev.d, ev.at]);
    });
    stats.stepLatencies.push({ ms: performance.now() - waveStart, steps: n });
    stats.steps += n;
    stats.waves++;

    // ---- department waves until every case of the batch is closed
    while (batch.some((c) => !c.closed)) {
      waveStart = performance.now();
      const tk = { a: [] as string[], s: [] as string[], d: [] as string[], st: [] as string[], r: [] as (number | null)[], du: [] as (number | null)[], u: [] as number[] };
      const evs = { k: [] as string[], e: [] as string[], a: [] as string[], d: [] as string[], at: [] as number[] };
      const close = { id: [] as string[], state: [] as string[], st: [] as string[], at: [] as number[], s: [] as number[], m: [] as number[], tr: [] as number[], wd: [] as number[], bs: [] as number[], bm: [] as number[], bt: [] as number[], bw: [] as number[], sla: [] as boolean[] };
      const certs = { id: [] as string[], a: [] as string[], s: [] as string[], ty: [] as string[], h: [] as string[], tx: [] as string[], at: [] as number[] };
      const notes = { id: [] as string[], r: [] as string[], a: [] as string[], m: [] as string[], at: [] as number[] };
      let steps = 0;
      for (const c of batch) {
        if (c.closed) continue;
        const before = c.app;
        for (const sid of before.order) {
          const task = c.app.tasks[sid]!;
          let action: TaskAction | null = null;
          let actor: 'officer' | 'applicant' = 'officer';
          let reason: string | undefined;
          if (task.state === 'ready') action = task.commitmentAllowed && c.app.commitment ? 'approve_on_commitment' : 'accept';
          else if (task.state === 'accepted') {
            if (!c.supplemented.has(sid) && c.rng.next() < 0.03) { action = 'request_supplement'; reason = '请补正材料'; c.supplemented.add(sid); }
            else if (c.rng.next() < 0.005) { action = 'reject'; reason = '不符合条件'; }
            else action = 'approve';
          } else if (task.state === 'supplement_requested') { action = 'submit_supplement'; actor = 'applicant'; }
          if (!action) continue;
          // Officers pick a task up within hours and decide within most of its SLA; a few tasks run late.
          // Departments work in parallel, so each task keeps its own clock.
          const slaHours = Math.max(1, task.slaWorkingDays) * 24;
          const delay = action === 'accept' || action === 'submit_supplement'
            ? Math.floor(HOUR + c.rng.next() * 4 * HOUR)
            : Math.floor(HOUR + c.rng.next() * slaHours * (c.rng.next() < 0.05 ? 1.8 : 0.6) * HOUR);
          const at = Math.max(c.clocks.get(sid) ?? 0, task.readyAt ?? c.app.submittedAt) + delay;
          c.clocks.set(sid, at);
          c.t = Math.max(c.t, at);
          c.app = applyTaskAction(c.app, { serviceId: sid, action, actor: actor === 'officer' ? { kind: 'officer', id: 'bench', departmentId: task.departmentId } : { kind: 'applicant', id: 'bench' }, at, ...(reason ? { reason } : {}), ...(actor === 'applicant' ? { channel: c.app.channel } : {}) }, input.calendar);
          steps++;
          evs.k.push('gov.task.changed'); evs.e.push(c.app.id); evs.a.push('bench'); evs.d.push(JSON.stringify({ serviceId: sid, action })); evs.at.push(at);
        }
        for (const sid of c.app.order) {
          const a = c.app.tasks[sid]!;
          const b = before.tasks[sid]!;
          if (a.state === b.state && a.dueAt === b.dueAt) continue;
          tk.a.push(c.app.id); tk.s.push(sid); tk.d.push(a.departmentId); tk.st.push(a.state); tk.r.push(a.readyAt ?? null); tk.du.push(a.dueAt ?? null); tk.u.push(c.t);
        }
        let status = applicationStatus(c.app);
        if (status === 'completed') {
          const issued = issueApplication({
            app: c.app, catalogue: input.catalogue, issuerCodes: codes,
            holder: { kind: c.app.applicant.kind, id: c.subjectId, name: c.name },
            nextSerial: (code) => { const v = serials.get(code) ?? 1; serials.set(code, v + 1); return v; },
            at: c.t, privateKey: input.key.privateKey, keyId: input.key.keyId,
          });
          c.app = issued.app;
          steps++;
          for (const cert of issued.certificates) {
            certs.id.push(cert.body.id); certs.a.push(c.app.id); certs.s.push(cert.body.metadata.serviceId); certs.ty.push(cert.body.type); certs.h.push(c.subjectId); certs.tx.push(serializeCertificate(cert)); certs.at.push(c.t);
          }
          notes.id.push(`ntf_${c.app.id}`); notes.r.push(c.subjectId); notes.a.push(c.app.id); notes.m.push(JSON.stringify({ zh: '已全部办结', en: 'All done' })); notes.at.push(c.t);
          evs.k.push('gov.application.issued'); evs.e.push(c.app.id); evs.a.push('bench'); evs.d.push(JSON.stringify({ certificates: issued.certificates.length })); evs.at.push(c.t);
          status = applicationStatus(c.app);
        }
        if (status === 'issued' || status === 'rejected') {
          c.closed = true;
          const m = measureCase(c.app, c.prefill, c.item, c.services, input.calendar);
          close.id.push(c.app.id); close.state.push(JSON.stringify(c.app)); close.st.push(status); close.at.push(c.t);
          close.s.push(m.after.steps); close.m.push(m.after.materials); close.tr.push(m.after.trips); close.wd.push(m.after.workingDays);
          close.bs.push(m.before.steps); close.bm.push(m.before.materials); close.bt.push(m.before.trips); close.bw.push(m.before.workingDays); close.sla.push(m.slaMet);
        }
      }
      await tx(input.pool, async (c) => {
        if (tk.a.length) await c.query(sqlText.tasks, [tk.a, tk.s, tk.d, tk.st, tk.r, tk.du, tk.u]);
        if (evs.k.length) await c.query(sqlText.events, [evs.k, evs.e, evs.a, evs.d, evs.at]);
        if (certs.id.length) await c.query(sqlText.certs, [certs.id, certs.a, certs.s, certs.ty, certs.h, certs.tx, certs.at]);
        if (notes.id.length) await c.query(sqlText.notes, [notes.id, notes.r, notes.a, notes.m, notes.at]);
        if (close.id.length) await c.query(sqlText.close, [close.id, close.state, close.st, close.at, close.s, close.m, close.tr, close.wd, close.bs, close.bm, close.bt, close.bw, close.sla]);
      });
      stats.stepLatencies.push({ ms: performance.now() - waveStart, steps });
      stats.steps += steps;
      stats.waves++;
    }
    stats.cases += n;
    input.onProgress?.(stats.cases);
  }
  // Persist the serial counters so the live system continues after the replayed certificates.
  for (const [code, next] of serials) {
    await input.pool.query(`insert into gov_serials (issuer_code, next) values ($1, $2) on conflict (issuer_code) do update set next = greatest(gov_serials.next, excluded.next)`, [code, next]);
  }
  stats.elapsedMs = performance.now() - started;
  return stats;
}

async function tx(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await fn(c);
    await c.query('commit');
  } catch (err) {
    await c.query('rollback');
    throw err;
  } finally {
    c.release();
  }
}

