import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, lte } from 'drizzle-orm';
import { account, transfer } from '@shuzhi/compute';
import { PaymentCallback, type PaymentCallbackResult, type TopUp, type TopUpInput, type TopUpState } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { AppError, errors, zodIssues } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { billingPaymentCallbacks, billingTopUps } from './db-schema.ts';
import { balanceOf, claimKey, shanghaiMonth, writeEntries } from './ledger.ts';

type Row = typeof billingTopUps.$inferSelect;

/** How long a top-up waits for its payment before it expires. */
export const TOPUP_TTL_MS = 24 * 3600_000;
/** A callback whose timestamp is further than this from the server's clock is refused (replay window). */
export const CALLBACK_MAX_SKEW_MS = 5 * 60_000;
/** Largest callback body read. */
const MAX_CALLBACK_BYTES = 16 * 1024;

export const SIGNATURE_HEADER = 'x-shuzhi-signature';
export const TIMESTAMP_HEADER = 'x-shuzhi-timestamp';

/** The signature a provider sends: `sha256=` + hex HMAC-SHA256(key, `<timestamp>.<raw body>`). */
export function signPaymentCallback(key: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

const hashOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/**
 * Top-ups as payment intents. Asking for one moves no money: the wallet is credited exactly once, by a
 * `topup` ledger transaction whose idempotency key is the intent's id, when an operator confirms the
 * payment or the provider's signed callback arrives. Refused callbacks are audited as events.
 */
export class TopUpService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly now: () => number,
    /** SHUZHI_PAYMENT_HMAC_KEY; without it the callback endpoint is off. */
    private readonly hmacKey: string | undefined,
  ) {}

  private async tenant(tenantId: string): Promise<void> {
    const [t] = await this.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!t) throw errors.notFound('tenant', tenantId);
  }

  private async view(row: Row, replayed: boolean): Promise<TopUp> {
    return {
      id: row.id,
      tenantId: row.tenantId,
      amountFen: row.amountFen,
      state: row.state as TopUpState,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      decidedAt: row.decidedAt?.toISOString() ?? null,
      creditedVia: (row.creditedVia as TopUp['creditedVia']) ?? null,
      txnId: row.txnId,
      balanceFen: await balanceOf(this.db, account.wallet(row.tenantId)),
      replayed,
    };
  }

  /** A tenant (or an operator for a tenant) asks to top up: a pending intent, no money moved. */
  async request(p: Principal, tenantId: string, input: TopUpInput): Promise<TopUp> {
    await this.tenant(tenantId);
    const idemKey = `topup:${tenantId}:${input.idempotencyKey}`;
    const requestHash = hashOf({ tenantId, amountFen: input.amountFen });
    const now = this.now();
    const ev: PublishedEvent[] = [];
    const id = newId('tup');
    const inserted = await this.db.transaction(async (tx) => {
      const rows = await tx
        .insert(billingTopUps)
        .values({ id, tenantId, amountFen: input.amountFen, state: 'pending', idemKey, requestHash, createdBy: p.userId, createdAt: new Date(now), expiresAt: new Date(now + TOPUP_TTL_MS) })
        .onConflictDoNothing({ target: billingTopUps.idemKey })
        .returning();
      if (!rows.length) return null;
      await this.bus.record(tx, ev, {
        kind: 'billing.topup.requested',
        entity: 'billing-topup',
        entityId: id,
        tenantId,
        actor: p.userId,
        data: { amountFen: input.amountFen },
      });
      return rows[0]!;
    });
    this.bus.publish(ev);
    if (inserted) return this.view(inserted, false);
    const [prior] = await this.db.select().from(billingTopUps).where(eq(billingTopUps.idemKey, idemKey));
    if (!prior) throw errors.conflict('IDEMPOTENCY_CONFLICT', 'The idempotency key is being used by a call that did not finish; retry shortly.');
    if (prior.requestHash !== requestHash) {
      throw errors.conflict('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different request; use a new key for a new payment.');
    }
    return this.view(await this.expireIfDue(prior), true);
  }

  async list(tenantId: string | null, q: { state?: TopUpState | undefined; limit: number }): Promise<TopUp[]> {
    const where = and(tenantId ? eq(billingTopUps.tenantId, tenantId) : undefined, q.state ? eq(billingTopUps.state, q.state) : undefined);
    const rows = await this.db.select().from(billingTopUps).where(where).orderBy(desc(billingTopUps.createdAt)).limit(q.limit);
    return Promise.all(rows.map((r) => this.view(r, false)));
  }

  /** One top-up; a tenant sees only its own (others' are answered as not found). */
  async get(p: Principal, id: string): Promise<TopUp> {
    return this.view(await this.load(p, id), false);
  }

  private async load(p: Principal, id: string): Promise<Row> {
    if (!['tenant', 'operator', 'viewer'].includes(p.role)) throw errors.forbidden('read top-ups');
    const [row] = await this.db.select().from(billingTopUps).where(eq(billingTopUps.id, id));
    if (!row || (p.role === 'tenant' && row.tenantId !== p.tenantId)) throw errors.notFound('topup', id);
    return row;
  }

  /** An operator confirms the payment arrived (a bank statement, a counter receipt): the wallet is credited once. */
  async confirm(p: Principal, id: string): Promise<TopUp> {
    await this.load(p, id);
    const { row, replayed } = await this.credit(id, { via: 'operator', actor: p.userId, amountFen: null, nonce: null });
    return this.view(row, replayed);
  }

  /**
   * An operator records money that already arrived (the demo's finance team, test funding): the
   * intent and its confirmation in one go, idempotent by the key like any top-up.
   */
  async recordPaid(operator: Principal, tenantId: string, input: TopUpInput): Promise<TopUp> {
    const intent = await this.request(operator, tenantId, input);
    return intent.state === 'credited' ? intent : this.confirm(operator, intent.id);
  }

  /** The tenant (or an operator) withdraws a pending top-up; it can no longer be credited. */
  async cancel(p: Principal, id: string): Promise<TopUp> {
    const row = await this.load(p, id);
    const out = await this.close(row.id, 'cancelled', p.userId);
    if (out.state !== 'cancelled') {
      throw new AppError('TOPUP_NOT_PENDING', 409, `Top-up ${id} is ${out.state}; only a pending top-up can be cancelled.`);
    }
    return this.view(out, false);
  }

  /** Pending top-ups past their time expire (the billing sweep calls this). */
  async expireDue(): Promise<number> {
    const due = await this.db
      .select({ id: billingTopUps.id })
      .from(billingTopUps)
      .where(and(eq(billingTopUps.state, 'pending'), lte(billingTopUps.expiresAt, new Date(this.now()))))
      .limit(500);
    let n = 0;
    for (const d of due) if ((await this.close(d.id, 'expired', 'system')).state === 'expired') n++;
    return n;
  }

  private async expireIfDue(row: Row): Promise<Row> {
    if (row.state !== 'pending' || row.expiresAt.getTime() > this.now()) return row;
    return this.close(row.id, 'expired', 'system');
  }

  /** pending → cancelled | expired, once; answers the row as it is afterwards. */
  private async close(id: string, to: 'cancelled' | 'expired', actor: string): Promise<Row> {
    const ev: PublishedEvent[] = [];
    const row = await this.db.transaction(async (tx) => {
      const [r] = await tx
        .update(billingTopUps)
        .set({ state: to, decidedAt: new Date(this.now()), decidedBy: actor })
        .where(and(eq(billingTopUps.id, id), eq(billingTopUps.state, 'pending')))
        .returning();
      if (!r) return null;
      await this.bus.record(tx, ev, { kind: `billing.topup.${to}`, entity: 'billing-topup', entityId: id, tenantId: r.tenantId, actor, data: { amountFen: r.amountFen } });
      return r;
    });
    this.bus.publish(ev);
    if (row) return row;
    const [now] = await this.db.select().from(billingTopUps).where(eq(billingTopUps.id, id));
    return now!;
  }

  /**
   * pending → credited, exactly once: the intent row is claimed with a conditional update (a
   * concurrent confirm or callback waits on its lock and then finds it credited), and the ledger
   * transaction's idempotency key is the intent id. A credited intent answers `replayed`.
   */
  private async credit(
    id: string,
    by: { via: 'operator' | 'payment-callback'; actor: string; amountFen: number | null; nonce: string | null },
    inTx?: (tx: Tx, row: Row) => Promise<void>,
  ): Promise<{ row: Row; replayed: boolean }> {
    const now = this.now();
    const ev: PublishedEvent[] = [];
    const out = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(billingTopUps).where(eq(billingTopUps.id, id)).for('update');
      if (!current) throw errors.notFound('topup', id);
      if (by.amountFen !== null && by.amountFen !== current.amountFen) {
        throw new AppError('PAYMENT_AMOUNT_MISMATCH', 422, `The payment of ${by.amountFen} fen does not match top-up ${id} of ${current.amountFen} fen; nothing was credited.`);
      }
      if (current.state === 'credited') {
        await inTx?.(tx, current);
        return { row: current, replayed: true };
      }
      if (current.state === 'pending' && current.expiresAt.getTime() <= now) {
        throw new AppError('TOPUP_NOT_PENDING', 409, `Top-up ${id} expired at ${current.expiresAt.toISOString()} before it was paid; nothing was credited. Ask the tenant to make a new one.`);
      }
      if (current.state !== 'pending') {
        throw new AppError('TOPUP_NOT_PENDING', 409, `Top-up ${id} is ${current.state}; nothing was credited.`);
      }
      const claim = await claimKey(tx, {
        key: `topup:${id}`,
        request: { topUpId: id, tenantId: current.tenantId, amountFen: current.amountFen },
        kind: 'topup',
        month: shanghaiMonth(now),
        tenantId: current.tenantId,
        memo: `wallet top-up ${id} (${by.via})`,
        actor: by.actor,
      });
      if (!claim.replayed) await writeEntries(tx, claim.txnId, transfer(account.external, account.wallet(current.tenantId), current.amountFen));
      const [row] = await tx
        .update(billingTopUps)
        .set({ state: 'credited', decidedAt: new Date(now), decidedBy: by.actor, creditedVia: by.via, paymentRef: by.nonce, txnId: claim.txnId })
        .where(eq(billingTopUps.id, id))
        .returning();
      await inTx?.(tx, row!);
      await this.bus.record(tx, ev, {
        kind: 'billing.topup',
        entity: 'billing-wallet',
        entityId: current.tenantId,
        tenantId: current.tenantId,
        actor: by.actor,
        data: { amountFen: current.amountFen, txnId: claim.txnId, topUpId: id, via: by.via },
      });
      return { row: row!, replayed: false };
    });
    this.bus.publish(ev);
    return out;
  }

  /**
   * The payment provider's callback: verified (key configured, HMAC over timestamp and raw body,
   * timestamp within five minutes, amount equal to the intent's), then credited once. The same nonce
   * again, or another callback for a credited intent, credits nothing. Every refusal is audited.
   */
  async paymentCallback(raw: string, headers: { signature: string | undefined; timestamp: string | undefined }, address: string): Promise<PaymentCallbackResult> {
    if (!this.hmacKey) {
      throw new AppError(
        'PAYMENT_CALLBACK_DISABLED',
        503,
        'Payment callbacks are off on this server: set SHUZHI_PAYMENT_HMAC_KEY (the key shared with the payment provider) to turn them on. Until then an operator confirms top-ups (POST /api/billing/topups/{id}/confirm).',
      );
    }
    // What the body claims, for the audit of a refusal only (nothing is trusted before the signature checks).
    let claimed: Partial<PaymentCallback> = {};
    let json: unknown;
    try {
      json = raw.length <= MAX_CALLBACK_BYTES ? JSON.parse(raw) : undefined;
      if (json && typeof json === 'object') claimed = json as Partial<PaymentCallback>;
    } catch {
      json = undefined;
    }
    try {
      if (raw.length > MAX_CALLBACK_BYTES) throw new AppError('PAYMENT_CALLBACK_TOO_LARGE', 413, `A payment callback has at most ${MAX_CALLBACK_BYTES} bytes.`);
      const ts = headers.timestamp ?? '';
      const sig = headers.signature ?? '';
      if (!/^\d{1,12}$/.test(ts) || !/^sha256=[0-9a-f]{64}$/.test(sig)) {
        throw new AppError('PAYMENT_SIGNATURE_INVALID', 401, `Send ${TIMESTAMP_HEADER}: <Unix seconds> and ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">.`);
      }
      const expected = Buffer.from(signPaymentCallback(this.hmacKey, ts, raw));
      if (!timingSafeEqual(expected, Buffer.from(sig))) {
        throw new AppError('PAYMENT_SIGNATURE_INVALID', 401, 'The callback signature does not match its body and timestamp; nothing was credited.');
      }
      const skew = Math.abs(this.now() - Number(ts) * 1000);
      if (skew > CALLBACK_MAX_SKEW_MS) {
        throw new AppError('PAYMENT_TIMESTAMP_STALE', 401, `The callback's timestamp is ${Math.round(skew / 1000)} s from the server's clock (at most ${CALLBACK_MAX_SKEW_MS / 1000} s); a replayed or delayed callback is refused.`);
      }
      if (json === undefined) throw new AppError('BAD_JSON', 400, 'The callback body is not JSON.');
      const parsed = PaymentCallback.safeParse(json);
      if (!parsed.success) throw errors.validation(zodIssues(parsed.error.issues));
      const cb = parsed.data;
      const { row, replayed } = await this.credit(cb.topUpId, { via: 'payment-callback', actor: 'payment-callback', amountFen: cb.amountFen, nonce: cb.nonce }, async (tx, r) => {
        const [seen] = await tx
          .insert(billingPaymentCallbacks)
          .values({ nonce: cb.nonce, topUpId: cb.topUpId, amountFen: cb.amountFen, result: r.paymentRef === cb.nonce ? 'credited' : 'duplicate' })
          .onConflictDoNothing()
          .returning({ nonce: billingPaymentCallbacks.nonce });
        if (seen) return;
        const [prior] = await tx.select().from(billingPaymentCallbacks).where(eq(billingPaymentCallbacks.nonce, cb.nonce));
        if (prior && (prior.topUpId !== cb.topUpId || prior.amountFen !== cb.amountFen)) {
          throw new AppError('PAYMENT_NONCE_REUSED', 409, `Nonce ${cb.nonce} was already used for another payment; nothing was credited.`);
        }
      });
      if (replayed) this.log.info({ topUpId: cb.topUpId, nonce: cb.nonce }, 'billing: a payment callback for a credited top-up was answered as a replay');
      return { topUpId: row.id, state: row.state as TopUpState, replayed };
    } catch (err) {
      if (err instanceof AppError) await this.auditRefusal(err, claimed, address, headers.timestamp);
      throw err;
    }
  }

  /** A refused callback, as an event: why, from where, what it claimed. Never the signature or the key. */
  private async auditRefusal(err: AppError, claimed: Partial<PaymentCallback>, address: string, timestamp: string | undefined): Promise<void> {
    const topUpId = typeof claimed.topUpId === 'string' ? claimed.topUpId.slice(0, 64) : null;
    const ev: PublishedEvent[] = [];
    try {
      await this.db.transaction(async (tx) => {
        await this.bus.record(tx, ev, {
          kind: 'billing.payment.refused',
          entity: 'billing-topup',
          entityId: topUpId && /^[A-Za-z0-9_-]+$/.test(topUpId) ? topUpId : 'unknown',
          actor: 'payment-callback',
          data: {
            code: err.code,
            address,
            timestamp: timestamp?.slice(0, 20) ?? null,
            amountFen: typeof claimed.amountFen === 'number' ? claimed.amountFen : null,
            nonce: typeof claimed.nonce === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(claimed.nonce) ? claimed.nonce : null,
          },
        });
      });
      this.bus.publish(ev);
    } catch (auditErr) {
      this.log.error({ code: err.code, address, auditError: auditErr instanceof Error ? auditErr.message : String(auditErr) }, 'billing: a refused payment callback could not be audited');
    }
    this.log.warn({ code: err.code, address, topUpId }, 'billing: payment callback refused');
  }
}
