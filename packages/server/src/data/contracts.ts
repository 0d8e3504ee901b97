import { and, desc, eq, inArray, lte, or, type SQL } from 'drizzle-orm';
import type { Clock, DataContract, DataContractRequest, DataContractTerms, DataPurpose, DataAction } from '@shuzhi/schema';
import { evaluateRequest, signContract, verifyContract } from '@shuzhi/data';
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { sites } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { EventBus, PublishedEvent } from '../events/bus.ts';
import { newId } from '../ids.ts';
import { dataContracts, dataProducts } from './db-schema.ts';
import { DataServerError, dataErrors } from './errors.ts';
import { publicKeyOf, type SigningKey } from './keys.ts';
import type { ProductService } from './products.ts';
import { contractView, type ContractRow, type ProductRow } from './views.ts';

const DAY_MS = 86_400_000;

/** What the contracts need of the uses: a consumer's differential-privacy budget on a product. */
export interface EpsilonSource {
  epsilonOf(productId: string, consumerTenantId: string): Promise<{ budget: number; spent: number; left: number } | null>;
}

type Reason = { code: string; message: string };

const isStaff = (p: Principal) => p.role === 'operator';
const isParty = (p: Principal, row: ContractRow) => isStaff(p) || (p.tenantId !== null && (row.providerTenantId === p.tenantId || row.consumerTenantId === p.tenantId));

/**
 * Contracts between a consumer and a product's provider: asked for, evaluated against the product's
 * policy, agreed (signed with the module's Ed25519 key), declined, revoked or expired.
 */
export class ContractService {
  constructor(
    private readonly deps: { db: Db; bus: EventBus; clock: Clock; key: SigningKey; products: ProductService; uses: EpsilonSource },
  ) {}

  async request(p: Principal, req: DataContractRequest): Promise<DataContract> {
    const consumerTenantId = this.#consumerFor(p, req.consumerTenantId);
    if (req.idempotencyKey) {
      const again = await this.#byIdempotencyKey(consumerTenantId, req.idempotencyKey);
      if (again) return this.#view(again);
    }
    const product = await this.deps.products.rowToRequest(p, req.productId);
    if (product.state !== 'listed') {
      throw new DataServerError('PRODUCT_NOT_LISTED', `Product ${product.id} is ${product.state}: it takes no new contracts${product.state === 'draft' ? ' until its dataset is uploaded' : ''}.`);
    }
    const consumerRegion = await this.#homeRegion(consumerTenantId);
    const now = this.deps.clock.now();
    const verdict = evaluateRequest(product.policy, { consumerTenantId, consumerRegion, purpose: req.purpose, actions: req.actions }, now);
    const id = newId('dc');
    const base = {
      id,
      productId: product.id,
      providerTenantId: product.providerTenantId,
      consumerTenantId,
      consumerRegion,
      purpose: req.purpose,
      actions: req.actions,
      note: req.note,
      reasons: verdict.reasons,
      idempotencyKey: req.idempotencyKey ?? null,
      createdAt: new Date(now),
    };
    const row: ContractRow =
      verdict.decision === 'agree'
        ? { ...base, ...this.#agreement(id, product, consumerTenantId, req.purpose, req.actions, now), uses: 0, revokedAt: null }
        : {
            ...base,
            state: verdict.decision === 'refuse' ? 'declined' : 'requested',
            terms: null,
            proof: null,
            uses: 0,
            decidedAt: verdict.decision === 'refuse' ? new Date(now) : null,
            expiresAt: null,
            revokedAt: null,
          };
    const pending: PublishedEvent[] = [];
    const inserted = await this.deps.db.transaction(async (tx) => {
      const [r] = await tx.insert(dataContracts).values(row).onConflictDoNothing({ target: [dataContracts.consumerTenantId, dataContracts.idempotencyKey] }).returning();
      // Another request with the same idempotency key got in first: answer with its contract.
      if (!r) return null;
      await this.#event(tx, pending, r, 'requested', p.userId);
      if (r.state !== 'requested') await this.#event(tx, pending, r, r.state, p.userId);
      return r;
    });
    this.deps.bus.publish(pending);
    return this.#view(inserted ?? (await this.#byIdempotencyKey(consumerTenantId, req.idempotencyKey!))!);
  }

  /** The provider (or the operator) agrees to — and signs — or declines a contract waiting for it. */
  async decide(p: Principal, id: string, d: { decision: 'agree' | 'decline'; reason: string }): Promise<DataContract> {
    const row = await this.#visible(p, id);
    if (!isStaff(p) && row.providerTenantId !== p.tenantId) throw errors.forbidden("decide a contract: only the product's provider decides");
    if (row.state !== 'requested') throw new DataServerError('CONTRACT_ALREADY_DECIDED', `Contract ${id} is ${row.state}; only a requested contract can be decided.`);
    const now = this.deps.clock.now();
    const reason: Reason = {
      code: d.decision === 'agree' ? 'PROVIDER_AGREED' : 'PROVIDER_DECLINED',
      message: d.reason || (d.decision === 'agree' ? 'The provider agreed.' : 'The provider declined.'),
    };
    let set: Partial<ContractRow>;
    if (d.decision === 'agree') {
      const [product] = await this.deps.db.select().from(dataProducts).where(eq(dataProducts.id, row.productId));
      if (product!.state !== 'listed') throw new DataServerError('PRODUCT_NOT_LISTED', `Product ${product!.id} is ${product!.state}: it takes no new contracts; decline this one.`);
      set = { ...this.#agreement(id, product!, row.consumerTenantId, row.purpose as DataPurpose, row.actions as DataAction[], now), reasons: [...row.reasons, reason] };
    } else {
      set = { state: 'declined', decidedAt: new Date(now), reasons: [...row.reasons, reason] };
    }
    return this.#transition(p, row, set, ['requested'], 'CONTRACT_ALREADY_DECIDED');
  }

  /** Either party or the operator ends a contract; no new use starts under it from now on. */
  async revoke(p: Principal, id: string, r: { reason: string }): Promise<DataContract> {
    const row = await this.#visible(p, id);
    const states = ['requested', 'agreed'];
    if (!states.includes(row.state)) throw new DataServerError('CONTRACT_NOT_REVOCABLE', `Contract ${id} is ${row.state}; only a requested or agreed contract can be revoked.`);
    const now = new Date(this.deps.clock.now());
    return this.#transition(p, row, { state: 'revoked', revokedAt: now, reasons: [...row.reasons, { code: 'REVOKED', message: r.reason }] }, states, 'CONTRACT_NOT_REVOCABLE');
  }

  /** Whether the stored terms still carry the signature made when the contract was agreed. */
  async verify(id: string): Promise<{ contractId: string; result: 'valid' | 'tampered' | 'unsigned'; keyId: string | null; publicKeyPem: string | null }> {
    const [row] = await this.deps.db.select({ terms: dataContracts.terms, proof: dataContracts.proof }).from(dataContracts).where(eq(dataContracts.id, id));
    if (!row) throw dataErrors.contractNotFound(id);
    if (!row.terms || !row.proof) return { contractId: id, result: 'unsigned', keyId: null, publicKeyPem: null };
    const key = await publicKeyOf(this.deps.db, row.proof.keyId);
    // A proof naming a key this server never had cannot be trusted either.
    const result = key ? verifyContract(row.terms, row.proof, key.key) : 'tampered';
    return { contractId: id, result, keyId: row.proof.keyId, publicKeyPem: key?.pem ?? null };
  }

  async list(p: Principal, f: { as?: 'consumer' | 'provider' | undefined; productId?: string | undefined }): Promise<DataContract[]> {
    await this.sweepExpired();
    const where: SQL[] = [];
    if (!isStaff(p)) {
      if (!p.tenantId) return [];
      if (f.as === 'consumer') where.push(eq(dataContracts.consumerTenantId, p.tenantId));
      else if (f.as === 'provider') where.push(eq(dataContracts.providerTenantId, p.tenantId));
      else where.push(or(eq(dataContracts.consumerTenantId, p.tenantId), eq(dataContracts.providerTenantId, p.tenantId))!);
    }
    if (f.productId) where.push(eq(dataContracts.productId, f.productId));
    const rows = await this.deps.db.select().from(dataContracts).where(and(...where)).orderBy(desc(dataContracts.createdAt), desc(dataContracts.id)).limit(500);
    return this.#views(rows);
  }

  async get(p: Principal, id: string): Promise<DataContract> {
    await this.sweepExpired();
    return this.#view(await this.#visible(p, id));
  }

  /** Agreed contracts past their end become expired (on a timer, and before every read). */
  async sweepExpired(): Promise<number> {
    const now = new Date(this.deps.clock.now());
    const pending: PublishedEvent[] = [];
    const expired = await this.deps.db.transaction(async (tx) => {
      const rows = await tx
        .update(dataContracts)
        .set({ state: 'expired' })
        .where(and(eq(dataContracts.state, 'agreed'), lte(dataContracts.expiresAt, now)))
        .returning();
      for (const r of rows) await this.#event(tx, pending, r, 'expired', null);
      return rows.length;
    });
    this.deps.bus.publish(pending);
    return expired;
  }

  /** The state, signed terms and proof of an agreement made at `now`. */
  #agreement(id: string, product: ProductRow, consumerTenantId: string, purpose: DataPurpose, actions: DataAction[], now: number) {
    const terms: DataContractTerms = {
      contractId: id,
      productId: product.id,
      providerTenantId: product.providerTenantId,
      consumerTenantId,
      purpose,
      actions,
      policy: product.policy,
      feeFenPerUse: product.feeFenPerUse,
      agreedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + product.policy.contractDays * DAY_MS).toISOString(),
    };
    const proof = signContract(terms, this.deps.key.privateKey, this.deps.key.keyId);
    return { state: 'agreed', terms, proof, decidedAt: new Date(now), expiresAt: new Date(terms.expiresAt) };
  }

  /** One state change, only from `from` (a concurrent change loses with `code`), with its event. */
  async #transition(p: Principal, row: ContractRow, set: Partial<ContractRow>, from: string[], code: 'CONTRACT_ALREADY_DECIDED' | 'CONTRACT_NOT_REVOCABLE'): Promise<DataContract> {
    const pending: PublishedEvent[] = [];
    const updated = await this.deps.db.transaction(async (tx) => {
      const [u] = await tx.update(dataContracts).set(set).where(and(eq(dataContracts.id, row.id), inArray(dataContracts.state, from))).returning();
      if (!u) throw new DataServerError(code, `Contract ${row.id} changed meanwhile; read it again.`);
      await this.#event(tx, pending, u, u.state, p.userId);
      return u;
    });
    this.deps.bus.publish(pending);
    return this.#view(updated);
  }

  #event(tx: Tx, pending: PublishedEvent[], r: ContractRow, what: string, actor: string | null) {
    return this.deps.bus.record(tx, pending, {
      kind: `data.contract.${what}`,
      entity: 'data-contract',
      entityId: r.id,
      tenantId: r.consumerTenantId,
      actor,
      data: { contractId: r.id, productId: r.productId, providerTenantId: r.providerTenantId, consumerTenantId: r.consumerTenantId, state: r.state, reasons: r.reasons.map((x) => x.code) },
    });
  }

  async #visible(p: Principal, id: string): Promise<ContractRow> {
    const [row] = await this.deps.db.select().from(dataContracts).where(eq(dataContracts.id, id));
    if (!row || !isParty(p, row)) throw dataErrors.contractNotFound(id);
    return row;
  }

  async #byIdempotencyKey(consumerTenantId: string, key: string): Promise<ContractRow | undefined> {
    const [row] = await this.deps.db
      .select()
      .from(dataContracts)
      .where(and(eq(dataContracts.consumerTenantId, consumerTenantId), eq(dataContracts.idempotencyKey, key)));
    return row;
  }

  /** A tenant asks for itself; the operator asks on behalf of a named tenant. */
  #consumerFor(p: Principal, named: string | undefined): string {
    if (isStaff(p)) {
      if (!named) throw new DataServerError('TENANT_REQUIRED', 'An operator asks on behalf of a consumer: name it in consumerTenantId.');
      return named;
    }
    if (!p.tenantId) throw errors.forbidden('ask for data contracts (only tenants and the operator may)');
    if (named && named !== p.tenantId) throw errors.forbidden('ask for a contract on behalf of another tenant');
    return p.tenantId;
  }

  /** The consumer's home region: the region of a site it owns, when the network knows one. */
  async #homeRegion(tenantId: string): Promise<string | null> {
    const [site] = await this.deps.db.select({ region: sites.region }).from(sites).where(eq(sites.ownerTenantId, tenantId)).orderBy(sites.id).limit(1);
    return site?.region ?? null;
  }

  async #view(row: ContractRow): Promise<DataContract> {
    return (await this.#views([row]))[0]!;
  }

  async #views(rows: ContractRow[]): Promise<DataContract[]> {
    if (rows.length === 0) return [];
    const products = await this.deps.db
      .select({ id: dataProducts.id, title: dataProducts.title, policy: dataProducts.policy })
      .from(dataProducts)
      .where(inArray(dataProducts.id, [...new Set(rows.map((r) => r.productId))]));
    const byId = new Map(products.map((x) => [x.id, x]));
    return Promise.all(
      rows.map(async (r) => {
        const product = byId.get(r.productId)!;
        const out = product.policy.output;
        // Before its first use the consumer's budget is untouched (its row is made by the first use).
        const epsilon =
          out.kind === 'differential-privacy'
            ? ((await this.deps.uses.epsilonOf(r.productId, r.consumerTenantId)) ?? { budget: out.epsilonBudget, spent: 0, left: out.epsilonBudget })
            : null;
        return contractView(r, product.title, epsilon);
      }),
    );
  }
}
