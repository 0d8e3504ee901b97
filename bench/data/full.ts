import { DataContractRequest, DataProductInput, DataQuery, type DataContract, type DataProduct, type DataQueryInput, type DataUse, type DataUseRequest } from '@shuzhi/schema';
import type { Platform, Principal } from '@shuzhi/server';

/** The data module's services as the bench drives them (its public surface through `platform.modules`). */
interface DataModule {
  products: {
    register(p: Principal, input: DataProductInput): Promise<DataProduct>;
    ingestFile(p: Principal, id: string, path: string): Promise<DataProduct>;
  };
  contracts: { request(p: Principal, req: DataContractRequest): Promise<DataContract> };
  uses: {
    submit(p: Principal, req: DataUseRequest): Promise<DataUse>;
    settled(id: string, timeoutMs?: number): Promise<DataUse>;
  };
  store: { dirOf(siteId: string, productId: string): string };
}

export const tenantPrincipal = (tenantId: string): Principal => ({
  userId: `bench-${tenantId}`,
  username: `bench-${tenantId}`,
  displayName: `bench ${tenantId}`,
  role: 'tenant',
  tenantId,
  department: null,
  via: 'token',
});

/**
 * The full path of a use: contract check and planning (submit), a compute job of the consumer at the
 * data's site run by the site's data plane (DuckDB over the stored Parquet), the output rule, release.
 */
export class FullPath {
  private seq = 0;
  private constructor(
    private readonly data: DataModule,
    private readonly consumer: Principal,
    readonly product: DataProduct,
    readonly contract: DataContract,
  ) {}

  /** Registers the product from a Parquet file on the site's disk and agrees a contract for the consumer. */
  static async setUp(platform: Platform, input: DataProductInput, parquet: string, providerTenantId: string, consumerTenantId: string): Promise<FullPath> {
    const data = platform.modules.find((m) => m.name === 'data') as unknown as DataModule | undefined;
    if (!data) throw new Error('the data module is not loaded');
    const provider = tenantPrincipal(providerTenantId);
    const consumer = tenantPrincipal(consumerTenantId);
    // As the routes do: the services take input their zod schemas have parsed (defaults filled in).
    const draft = await data.products.register(provider, DataProductInput.parse({ ...input, providerTenantId }));
    const product = await data.products.ingestFile(provider, draft.id, parquet);
    const contract = await data.contracts.request(consumer, DataContractRequest.parse({ productId: product.id, purpose: 'planning', actions: ['aggregate'], note: 'npm run bench -- data' }));
    if (contract.state !== 'agreed') throw new Error(`the bench contract was not agreed: ${contract.state} ${JSON.stringify(contract.reasons)}`);
    return new FullPath(data, consumer, product, contract);
  }

  /** The Parquet the site's data plane reads for this product. */
  get parquetGlob(): string {
    return `${this.data.store.dirOf(this.product.siteId, this.product.id)}/*.parquet`;
  }

  async run(query: DataQueryInput): Promise<DataUse> {
    const use = await this.data.uses.submit(this.consumer, { contractId: this.contract.id, query: DataQuery.parse(query), idempotencyKey: `bench-data-${process.pid}-${++this.seq}` });
    const done = await this.data.uses.settled(use.id, 600_000);
    if (done.state !== 'released') throw new Error(`use ${done.id} ${done.state}: ${done.refusal ? `${done.refusal.code}: ${done.refusal.message}` : 'no reason'}`);
    return done;
  }
}
