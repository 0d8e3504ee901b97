import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import { account, expiryPostings, ISSUE_REFUSAL_TEXT, issuanceRefusal, transfer } from '@shuzhi/compute';
import type { Application, ApplicationInput, DecisionInput, Programme, ProgrammeInput, Voucher } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { regions, sites, tenants, users } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { adminProgramme, requireProgrammeAccess } from './access.ts';
import type { ProgrammeRow } from './charges.ts';
import { billingApplications, billingProgrammeAdmins, billingProgrammes, billingRedemptions, billingVouchers } from './db-schema.ts';
import { balanceOf, balancesOf, claimKey, flowOf, shanghaiMonth, writeEntries } from './ledger.ts';

type AppRow = typeof billingApplications.$inferSelect;
const DAY_MS = 86_400_000;

/** Programmes, applications, issuance and expiry of vouchers. */
export class ProgrammeService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly now: () => number,
  ) {}

  async create(p: Principal, input: ProgrammeInput): Promise<Programme> {
    const from = new Date(input.validFrom);
    const to = new Date(input.validTo);
    if (to <= from) throw errors.validation([{ path: 'validTo', message: 'the programme must end after it starts' }]);
    const knownSites = new Set((await this.db.select({ id: sites.id }).from(sites)).map((s) => s.id));
    input.siteIds.forEach((s, i) => {
      if (!knownSites.has(s)) throw errors.validation([{ path: `siteIds.${i}`, message: `unknown site "${s}"` }]);
    });
    const knownRegions = new Set((await this.db.select({ id: regions.id }).from(regions)).map((r) => r.id));
    input.regions.forEach((r, i) => {
      if (!knownRegions.has(r)) throw errors.validation([{ path: `regions.${i}`, message: `unknown region "${r}"` }]);
    });
    if (!input.siteIds.length && !input.regions.length) {
      throw errors.validation([{ path: 'siteIds', message: 'name at least one eligible site or region' }]);
    }
    if (!Object.values(input.ratesBp).some((r) => (r ?? 0) > 0)) {
      throw errors.validation([{ path: 'ratesBp', message: 'subsidise at least one resource type' }]);
    }
    const adminIds: string[] = [];
    for (const [i, name] of input.admins.entries()) {
      const [u] = await this.db.select().from(users).where(eq(users.username, name));
      if (!u || u.role !== 'programme') throw errors.validation([{ path: `admins.${i}`, message: `"${name}" is not a programme user` }]);
      adminIds.push(u.id);
    }
    const { idempotencyKey, admins: _admins, budgetFen, ...rules } = input;
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      const claim = await claimKey(tx, {
        key: `programme:${p.userId}:${idempotencyKey}`,
        request: input,
        kind: 'fund',
        month: shanghaiMonth(this.now()),
        programmeId: input.id,
        memo: `programme ${input.id} funded`,
        actor: p.userId,
      });
      if (claim.replayed) return;
      const ins = await tx
        .insert(billingProgrammes)
        .values({ ...rules, ratesBp: rules.ratesBp as Record<string, number>, validFrom: from, validTo: to })
        .onConflictDoNothing()
        .returning({ id: billingProgrammes.id });
      if (!ins.length) throw errors.conflict('PROGRAMME_EXISTS', `A programme with id "${input.id}" exists; pick another id.`);
      for (const userId of adminIds) {
        await tx
          .insert(billingProgrammeAdmins)
          .values({ userId, programmeId: input.id })
          .onConflictDoUpdate({ target: billingProgrammeAdmins.userId, set: { programmeId: input.id } });
      }
      await writeEntries(tx, claim.txnId, transfer(account.external, account.budget(input.id), budgetFen));
      await this.bus.record(tx, ev, { kind: 'billing.programme.created', entity: 'billing-programme', entityId: input.id, actor: p.userId, data: { budgetFen } });
    });
    this.bus.publish(ev);
    return this.get(p, input.id);
  }

  /** Operators and viewers see all; a programme admin its own; a tenant those open to its kind. */
  async list(p: Principal): Promise<Programme[]> {
    let rows: ProgrammeRow[];
    if (p.role === 'tenant') {
      const kind = await this.tenantKind(p.tenantId ?? '');
      rows = (await this.db.select().from(billingProgrammes).orderBy(asc(billingProgrammes.id))).filter((r) => r.tenantKinds.includes(kind));
    } else {
      const own = await adminProgramme(this.db, p);
      rows = await this.db.select().from(billingProgrammes).where(own ? eq(billingProgrammes.id, own) : undefined).orderBy(asc(billingProgrammes.id));
    }
    return Promise.all(rows.map((r) => this.toProgramme(r)));
  }

  async get(p: Principal, id: string): Promise<Programme> {
    const [row] = await this.db.select().from(billingProgrammes).where(eq(billingProgrammes.id, id));
    if (!row) throw errors.notFound('programme', id);
    if (p.role === 'tenant') {
      if (!row.tenantKinds.includes(await this.tenantKind(p.tenantId ?? ''))) throw errors.notFound('programme', id);
    } else await requireProgrammeAccess(this.db, p, id, false);
    return this.toProgramme(row);
  }

  private async toProgramme(r: ProgrammeRow): Promise<Programme> {
    const [issued] = await this.db
      .select({ fen: sql<string>`coalesce(sum(${billingVouchers.faceFen}), 0)` })
      .from(billingVouchers)
      .where(eq(billingVouchers.programmeId, r.id));
    const [pending] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(billingApplications)
      .where(and(eq(billingApplications.programmeId, r.id), eq(billingApplications.status, 'pending')));
    return {
      id: r.id,
      nameZh: r.nameZh,
      nameEn: r.nameEn,
      issuer: r.issuer,
      illustrative: r.illustrative,
      tenantKinds: r.tenantKinds as Programme['tenantKinds'],
      siteIds: r.siteIds,
      regions: r.regions,
      ratesBp: r.ratesBp,
      capPerTenantFen: r.capPerTenantFen,
      voucherDays: r.voucherDays,
      validFrom: r.validFrom.toISOString(),
      validTo: r.validTo.toISOString(),
      fundedFen: await flowOf(this.db, account.budget(r.id), 'fund'),
      budgetLeftFen: await balanceOf(this.db, account.budget(r.id)),
      issuedFen: Number(issued?.fen ?? 0),
      pendingApplications: pending?.n ?? 0,
    };
  }

  private async tenantKind(tenantId: string): Promise<string> {
    const [t] = await this.db.select({ kind: tenants.kind }).from(tenants).where(eq(tenants.id, tenantId));
    return t?.kind ?? '';
  }

  async apply(p: Principal, programmeId: string, input: ApplicationInput): Promise<Application> {
    const prog = await this.get(p, programmeId);
    const now = this.now();
    if (now >= new Date(prog.validTo).getTime()) {
      throw errors.conflict('PROGRAMME_CLOSED', `Programme ${programmeId} closed on ${prog.validTo}; look for an open programme.`);
    }
    const id = newId('vapp');
    const ev: PublishedEvent[] = [];
    await this.db.transaction(async (tx) => {
      await tx.insert(billingApplications).values({
        id,
        programmeId,
        tenantId: p.tenantId!,
        requestedFen: input.requestedFen,
        purpose: input.purpose,
        status: 'pending',
        createdBy: p.userId,
      });
      await this.bus.record(tx, ev, {
        kind: 'billing.application.submitted',
        entity: 'billing-application',
        entityId: id,
        tenantId: p.tenantId,
        actor: p.userId,
        data: { programmeId, requestedFen: input.requestedFen },
      });
    });
    this.bus.publish(ev);
    return this.application(p, id);
  }

  async applications(p: Principal, q: { programmeId?: string | undefined; status?: string | undefined }): Promise<Application[]> {
    let where;
    if (p.role === 'tenant') where = eq(billingApplications.tenantId, p.tenantId ?? '');
    else {
      const own = await adminProgramme(this.db, p);
      if (own && q.programmeId && q.programmeId !== own) throw errors.notFound('programme', q.programmeId);
      where = own ? eq(billingApplications.programmeId, own) : undefined;
    }
    const rows = await this.db
      .select({ a: billingApplications, name: tenants.name, kind: tenants.kind })
      .from(billingApplications)
      .leftJoin(tenants, eq(tenants.id, billingApplications.tenantId))
      .where(
        and(
          where,
          q.programmeId ? eq(billingApplications.programmeId, q.programmeId) : undefined,
          q.status ? eq(billingApplications.status, q.status) : undefined,
        ),
      )
      .orderBy(desc(billingApplications.createdAt), desc(billingApplications.id));
    return rows.map((r) => toApplication(r.a, r.name ?? r.a.tenantId, r.kind ?? ''));
  }

  async application(p: Principal, id: string): Promise<Application> {
    const [row] = await this.db
      .select({ a: billingApplications, name: tenants.name, kind: tenants.kind })
      .from(billingApplications)
      .leftJoin(tenants, eq(tenants.id, billingApplications.tenantId))
      .where(eq(billingApplications.id, id));
    if (!row) throw errors.notFound('application', id);
    if (p.role === 'tenant') {
      if (row.a.tenantId !== p.tenantId) throw errors.notFound('application', id);
    } else {
      try {
        await requireProgrammeAccess(this.db, p, row.a.programmeId, false);
      } catch (e) {
        if (e instanceof AppError && e.status === 404) throw errors.notFound('application', id);
        throw e;
      }
    }
    return toApplication(row.a, row.name ?? row.a.tenantId, row.kind ?? '');
  }

  /**
   * Approves (issuing a voucher against the budget) or rejects with a reason. The programme row is
   * locked so two approvals cannot both spend the last of the budget or the tenant's cap.
   */
  async decide(p: Principal, id: string, d: DecisionInput): Promise<Application> {
    const app = await this.application(p, id);
    const ev: PublishedEvent[] = [];
    const now = this.now();
    await this.db.transaction(async (tx) => {
      if (d.decision === 'approve') {
        const claim = await claimKey(tx, {
          key: `issue:${id}:${d.idempotencyKey}`,
          request: { id, amountFen: d.amountFen ?? null },
          kind: 'issue',
          month: shanghaiMonth(now),
          tenantId: app.tenantId,
          programmeId: app.programmeId,
          memo: `voucher for application ${id}`,
          actor: p.userId,
        });
        if (claim.replayed) return;
        const [prog] = await tx.select().from(billingProgrammes).where(eq(billingProgrammes.id, app.programmeId)).for('update');
        const [cur] = await tx.select().from(billingApplications).where(eq(billingApplications.id, id)).for('update');
        if (!prog || !cur) throw errors.notFound('application', id);
        if (cur.status !== 'pending') throw errors.conflict('APPLICATION_DECIDED', `Application ${id} was already ${cur.status}.`);
        const amountFen = d.amountFen ?? cur.requestedFen;
        if (amountFen > cur.requestedFen) throw errors.validation([{ path: 'amountFen', message: 'cannot approve more than was requested' }]);
        const [issued] = await tx
          .select({ fen: sql<string>`coalesce(sum(${billingVouchers.faceFen}), 0)` })
          .from(billingVouchers)
          .where(and(eq(billingVouchers.programmeId, prog.id), eq(billingVouchers.tenantId, cur.tenantId)));
        const refusal = issuanceRefusal({
          amountFen,
          budgetLeftFen: await balanceOf(tx, account.budget(prog.id)),
          issuedToTenantFen: Number(issued?.fen ?? 0),
          capPerTenantFen: prog.capPerTenantFen,
          tenantKind: app.tenantKind,
          tenantKinds: prog.tenantKinds,
          nowMs: now,
          validFromMs: prog.validFrom.getTime(),
          validToMs: prog.validTo.getTime(),
        });
        if (refusal) {
          throw new AppError('VOUCHER_ISSUE_REFUSED', 409, `Cannot issue ${amountFen} fen: ${ISSUE_REFUSAL_TEXT[refusal].en}. Approve a smaller amount or reject with a reason.`, {
            errors: [{ path: 'amountFen', message: refusal }],
          });
        }
        const voucherId = newId('vch');
        const expiresAt = new Date(Math.min(now + prog.voucherDays * DAY_MS, prog.validTo.getTime()));
        await tx.insert(billingVouchers).values({
          id: voucherId,
          programmeId: prog.id,
          tenantId: cur.tenantId,
          applicationId: id,
          faceFen: amountFen,
          validFrom: new Date(now),
          expiresAt,
          status: 'active',
          issuedAt: new Date(now),
        });
        await writeEntries(tx, claim.txnId, transfer(account.budget(prog.id), account.voucher(voucherId), amountFen));
        await tx
          .update(billingApplications)
          .set({ status: 'approved', reason: d.reason || null, decidedBy: p.userId, decidedAt: new Date(now), voucherId })
          .where(eq(billingApplications.id, id));
        await this.bus.record(tx, ev, {
          kind: 'billing.voucher.issued',
          entity: 'billing-voucher',
          entityId: voucherId,
          tenantId: cur.tenantId,
          actor: p.userId,
          data: { programmeId: prog.id, applicationId: id, faceFen: amountFen, expiresAt: expiresAt.toISOString() },
        });
      } else {
        const upd = await tx
          .update(billingApplications)
          .set({ status: 'rejected', reason: d.reason.trim(), decidedBy: p.userId, decidedAt: new Date(now) })
          .where(and(eq(billingApplications.id, id), eq(billingApplications.status, 'pending')))
          .returning({ id: billingApplications.id });
        if (!upd.length) throw errors.conflict('APPLICATION_DECIDED', `Application ${id} was already ${app.status}.`);
        await this.bus.record(tx, ev, {
          kind: 'billing.application.rejected',
          entity: 'billing-application',
          entityId: id,
          tenantId: app.tenantId,
          actor: p.userId,
          data: { programmeId: app.programmeId, reason: d.reason.trim() },
        });
      }
    });
    this.bus.publish(ev);
    return this.application(p, id);
  }

  /** Vouchers with their balances as the ledger has them. */
  async vouchers(where: { tenantId?: string; programmeId?: string }): Promise<Voucher[]> {
    const rows = await this.db
      .select({ v: billingVouchers, nameZh: billingProgrammes.nameZh, nameEn: billingProgrammes.nameEn })
      .from(billingVouchers)
      .innerJoin(billingProgrammes, eq(billingProgrammes.id, billingVouchers.programmeId))
      .where(
        and(
          where.tenantId ? eq(billingVouchers.tenantId, where.tenantId) : undefined,
          where.programmeId ? eq(billingVouchers.programmeId, where.programmeId) : undefined,
        ),
      )
      .orderBy(asc(billingVouchers.expiresAt), asc(billingVouchers.id));
    const balances = await balancesOf(this.db, rows.map((r) => account.voucher(r.v.id)));
    const ids = rows.map((r) => r.v.id);
    const redeemed = new Map<string, number>();
    if (ids.length) {
      const rr = await this.db
        .select({ id: billingRedemptions.voucherId, fen: sql<string>`sum(${billingRedemptions.fen})` })
        .from(billingRedemptions)
        .where(inArray(billingRedemptions.voucherId, ids))
        .groupBy(billingRedemptions.voucherId);
      for (const r of rr) redeemed.set(r.id, Number(r.fen));
    }
    return rows.map(({ v, nameZh, nameEn }) => {
      const balanceFen = balances.get(account.voucher(v.id)) ?? 0;
      const redeemedFen = redeemed.get(v.id) ?? 0;
      return {
        id: v.id,
        programmeId: v.programmeId,
        programmeNameZh: nameZh,
        programmeNameEn: nameEn,
        tenantId: v.tenantId,
        faceFen: v.faceFen,
        balanceFen,
        redeemedFen,
        expiredFen: v.status === 'expired' ? v.faceFen - redeemedFen : 0,
        validFrom: v.validFrom.toISOString(),
        expiresAt: v.expiresAt.toISOString(),
        status: v.status as Voucher['status'],
      };
    });
  }

  /** Returns what is left on vouchers past their expiry to their programmes. */
  async expireDue(): Promise<number> {
    const now = this.now();
    const due = await this.db
      .select({ id: billingVouchers.id })
      .from(billingVouchers)
      .where(and(eq(billingVouchers.status, 'active'), lte(billingVouchers.expiresAt, new Date(now))));
    let n = 0;
    for (const { id } of due) if (await this.expireOne(id, now)) n++;
    return n;
  }

  private async expireOne(id: string, now: number): Promise<boolean> {
    const ev: PublishedEvent[] = [];
    const done = await this.db.transaction(async (tx) => {
      const [v] = await tx.select().from(billingVouchers).where(eq(billingVouchers.id, id)).for('update');
      if (!v || v.status !== 'active' || v.expiresAt.getTime() > now) return false;
      const claim = await claimKey(tx, {
        key: `expire:${id}`,
        request: { id },
        kind: 'expire',
        month: shanghaiMonth(v.expiresAt),
        tenantId: v.tenantId,
        programmeId: v.programmeId,
        memo: `voucher ${id} expired`,
      });
      if (claim.replayed) return false;
      const balanceFen = await balanceOf(tx, account.voucher(id));
      await writeEntries(tx, claim.txnId, expiryPostings({ id, programmeId: v.programmeId, balanceFen }));
      await tx.update(billingVouchers).set({ status: 'expired' }).where(eq(billingVouchers.id, id));
      await this.bus.record(tx, ev, {
        kind: 'billing.voucher.expired',
        entity: 'billing-voucher',
        entityId: id,
        tenantId: v.tenantId,
        data: { programmeId: v.programmeId, returnedFen: balanceFen },
      });
      return true;
    });
    this.bus.publish(ev);
    return done;
  }
}

function toApplication(a: AppRow, tenantName: string, tenantKind: string): Application {
  return {
    id: a.id,
    programmeId: a.programmeId,
    tenantId: a.tenantId,
    tenantName,
    tenantKind,
    requestedFen: a.requestedFen,
    purpose: a.purpose,
    status: a.status as Application['status'],
    reason: a.reason,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    voucherId: a.voucherId,
    createdAt: a.createdAt.toISOString(),
  };
}

