import { z } from 'zod';
import { Text } from './common.ts';

/**
 * API contracts of the data space (数据要素×, 可信数据空间): data products held at one site of the
 * network, usage policies in ODRL terms, signed contracts, and uses computed next to the data.
 * The rules (policy evaluation, query checks, output rules, noise) live in @shuzhi/data.
 */

/** The 12 domains of 国数政策〔2023〕11号, in the plan's order. */
export const DataDomains = [
  'industry',
  'agriculture',
  'commerce',
  'transport',
  'finance',
  'science',
  'culture-tourism',
  'health',
  'emergency',
  'meteorology',
  'urban',
  'green',
] as const;
export const DataDomain = z.enum(DataDomains);
export type DataDomain = z.infer<typeof DataDomain>;

/** Names of the domains as the plan writes them (zh) and in English. */
export const DataDomainNames: Record<DataDomain, { zh: string; en: string }> = {
  industry: { zh: '工业制造', en: 'Industrial manufacturing' },
  agriculture: { zh: '现代农业', en: 'Modern agriculture' },
  commerce: { zh: '商贸流通', en: 'Commerce and trade' },
  transport: { zh: '交通运输', en: 'Transport' },
  finance: { zh: '金融服务', en: 'Financial services' },
  science: { zh: '科技创新', en: 'Science and technology innovation' },
  'culture-tourism': { zh: '文化旅游', en: 'Culture and tourism' },
  health: { zh: '医疗健康', en: 'Health care' },
  emergency: { zh: '应急管理', en: 'Emergency management' },
  meteorology: { zh: '气象服务', en: 'Meteorological services' },
  urban: { zh: '城市治理', en: 'Urban governance' },
  green: { zh: '绿色低碳', en: 'Green and low-carbon' },
};

export const DataText = z.object({ zh: Text(2000).min(1), en: Text(2000).min(1) });
export type DataText = z.infer<typeof DataText>;

/** A column name as SQL sees it: never quoted user text, so it can be spliced into a query safely. */
export const DataColumnName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a column name: lower-case letters, digits and _, starting with a letter');

export const DataColumnTypes = ['string', 'integer', 'number', 'date', 'timestamp', 'boolean'] as const;
export const DataColumnType = z.enum(DataColumnTypes);
export type DataColumnType = z.infer<typeof DataColumnType>;

/**
 * What a column may be used for. `dimension`: grouped and filtered on. `measure`: aggregated (count,
 * sum, avg). `identifier`: names one record (a meter id, a person): only a join key, never grouped,
 * filtered or output. `sensitive`: never used at all.
 */
export const DataColumnRoles = ['dimension', 'measure', 'identifier', 'sensitive'] as const;
export const DataColumnRole = z.enum(DataColumnRoles);
export type DataColumnRole = z.infer<typeof DataColumnRole>;

export const DataColumn = z.object({
  name: DataColumnName,
  type: DataColumnType,
  role: DataColumnRole,
  description: DataText.optional(),
  /** Measures: values are clamped to [lo, hi] before summing; required for sum/avg under differential privacy. */
  bounds: z.tuple([z.number(), z.number()]).optional(),
  /**
   * Dimensions: the full set of values. Under differential privacy a query may group only by columns
   * with categories, so the groups released come from the schema, not from the data.
   */
  categories: z.array(Text(200)).max(500).optional(),
  unit: Text(40).optional(),
});
export type DataColumn = z.infer<typeof DataColumn>;

export const DataSchema = z.object({ columns: z.array(DataColumn).min(1).max(200) });
export type DataSchema = z.infer<typeof DataSchema>;

// ---------------------------------------------------------------------------------------------
// Usage policies (ODRL 2.2 terms: permission, prohibition, duty; constraint = leftOperand operator rightOperand)

/** What a contract may let a consumer do with the data. */
export const DataActions = ['aggregate', 'join', 'train'] as const;
export const DataAction = z.enum(DataActions);
export type DataAction = z.infer<typeof DataAction>;

/** Purposes a consumer states when asking (a closed vocabulary, so a policy can be evaluated). */
export const DataPurposes = ['research', 'planning', 'public-service', 'credit-assessment', 'commercial-analytics', 'model-training'] as const;
export const DataPurpose = z.enum(DataPurposes);
export type DataPurpose = z.infer<typeof DataPurpose>;

/**
 * ODRL left operands this policy language evaluates. `purpose`: the purpose stated in the request.
 * `consumer`: the consumer's tenant id. `consumerRegion`: the consumer's home region. `dateTime`:
 * the time of a use (ISO 8601). `count`: uses under one contract so far (checked before each use).
 */
export const DataLeftOperands = ['purpose', 'consumer', 'consumerRegion', 'dateTime', 'count'] as const;
export const DataLeftOperand = z.enum(DataLeftOperands);
export type DataLeftOperand = z.infer<typeof DataLeftOperand>;

export const DataOperators = ['eq', 'neq', 'lt', 'lteq', 'gt', 'gteq', 'isAnyOf', 'isNoneOf'] as const;
export const DataOperator = z.enum(DataOperators);
export type DataOperator = z.infer<typeof DataOperator>;

/**
 * One constraint. Loosely typed on purpose: a policy arrives as data and `validatePolicy` (in
 * @shuzhi/data) names the field of any constraint it cannot evaluate, e.g. `lt` on a purpose.
 */
export const DataConstraint = z.object({
  leftOperand: z.string().max(64),
  operator: z.string().max(32),
  rightOperand: z.union([Text(200), z.number(), z.array(Text(200)).max(200)]),
});
export type DataConstraint = z.infer<typeof DataConstraint>;

export const DataRule = z.object({
  action: z.string().max(32),
  constraints: z.array(DataConstraint).max(20).default([]),
});
export type DataRule = z.infer<typeof DataRule>;

/** Duties the consumer takes on: pay the fee per use; cite the provider in what it publishes. */
export const DataDuties = ['pay-per-use', 'attribute'] as const;
export const DataDuty = z.object({ action: z.enum(DataDuties) });

/** The rule every result passes before it is released to the consumer. */
export const DataOutputRule = z.discriminatedUnion('kind', [
  /** Aggregates only, and every group released counts at least `k` records; otherwise the query is refused. */
  z.object({ kind: z.literal('k-anonymity'), k: z.number().int().min(2).max(10_000) }),
  /**
   * Calibrated noise (discrete Laplace, scale Δ/ε) on every aggregate; each consumer has a budget of
   * `epsilonBudget` per product, each query spends at most `maxEpsilonPerQuery`; when spent, refused.
   */
  z.object({
    kind: z.literal('differential-privacy'),
    epsilonBudget: z.number().positive().max(100),
    maxEpsilonPerQuery: z.number().positive().max(10),
  }),
]);
export type DataOutputRule = z.infer<typeof DataOutputRule>;

export const DataUsagePolicy = z.object({
  permissions: z.array(DataRule).min(1).max(10),
  prohibitions: z.array(DataRule).max(10).default([]),
  duties: z.array(DataDuty).max(5).default([]),
  output: DataOutputRule,
  /** Regions whose sites may compute on the data; must include the region of the data's site. */
  computeRegions: z.array(Text(64).min(1)).min(1).max(20),
  /** Whether a result may be delivered to a consumer whose home region is outside `computeRegions`. */
  resultsMayLeaveRegion: z.boolean().default(true),
  /** `automatic`: a request the policy allows is agreed at once; `provider`: the provider decides every request. */
  approval: z.enum(['automatic', 'provider']).default('automatic'),
  /** How long an agreed contract runs. */
  contractDays: z.number().int().min(1).max(3650).default(365),
});
export type DataUsagePolicy = z.infer<typeof DataUsagePolicy>;
export type DataUsagePolicyInput = z.input<typeof DataUsagePolicy>;

// ---------------------------------------------------------------------------------------------
// Products

export const DataProductStates = ['draft', 'listed', 'withdrawn'] as const;
export type DataProductState = (typeof DataProductStates)[number];

export const DataProductInput = z.object({
  title: DataText,
  description: DataText,
  domain: DataDomain,
  /** The site whose store holds the dataset; it never leaves this site. */
  siteId: Text(64).min(1),
  schema: DataSchema,
  /** True for generated data; the catalogue labels it 合成数据 / synthetic everywhere it is shown. */
  synthetic: z.boolean(),
  /** Where the data comes from (a citation for public sets). */
  source: Text(500).min(1),
  quality: Text(2000).default(''),
  licence: Text(200).min(1),
  /** The data fee per use, in fen, paid to the provider through the ledger. */
  feeFenPerUse: z.number().int().min(0).max(100_000_000),
  policy: DataUsagePolicy,
  /** Filled in by the server: the provider's tenant (an operator may register for any tenant). */
  providerTenantId: Text(64).min(1).optional(),
});
export type DataProductInput = z.infer<typeof DataProductInput>;

export const DataProduct = z.object({
  id: z.string(),
  providerTenantId: z.string(),
  providerName: z.string(),
  title: DataText,
  description: DataText,
  domain: DataDomain,
  siteId: z.string(),
  regionId: z.string(),
  schema: DataSchema,
  synthetic: z.boolean(),
  source: z.string(),
  quality: z.string(),
  licence: z.string(),
  feeFenPerUse: z.number().int(),
  policy: DataUsagePolicy,
  state: z.enum(DataProductStates),
  /** Rows in the dataset at its site (null until the dataset is in the store). */
  rows: z.number().int().nullable(),
  /** A generated preview: values drawn from the schema's categories and bounds, never the real rows. */
  preview: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  createdAt: z.string(),
});
export type DataProduct = z.infer<typeof DataProduct>;

export const DataProductQuery = z.object({
  domain: DataDomain.optional(),
  region: Text(64).optional(),
  provider: Text(64).optional(),
  /** Free text, matched against titles and descriptions in both languages. */
  q: Text(200).optional(),
});

// ---------------------------------------------------------------------------------------------
// Contracts

export const DataContractStates = ['requested', 'agreed', 'declined', 'revoked', 'expired'] as const;
export const DataContractState = z.enum(DataContractStates);
export type DataContractState = z.infer<typeof DataContractState>;

export const DataContractRequest = z.object({
  productId: Text(64).min(1),
  purpose: DataPurpose,
  actions: z.array(DataAction).min(1).max(3),
  /** What the consumer will do with it, in its own words (shown to the provider). */
  note: Text(1000).default(''),
  idempotencyKey: Text(128).min(8).optional(),
  /** Operators only: ask on behalf of this consumer tenant. */
  consumerTenantId: Text(64).optional(),
});
export type DataContractRequest = z.infer<typeof DataContractRequest>;

export const DataContractDecision = z.object({
  decision: z.enum(['agree', 'decline']),
  reason: Text(1000).default(''),
});

export const DataContractRevoke = z.object({ reason: Text(1000).min(1) });

/** The signed part of a contract (what the Ed25519 signature covers). */
export const DataContractTerms = z.object({
  contractId: z.string(),
  productId: z.string(),
  providerTenantId: z.string(),
  consumerTenantId: z.string(),
  purpose: DataPurpose,
  actions: z.array(DataAction),
  policy: DataUsagePolicy,
  feeFenPerUse: z.number().int(),
  agreedAt: z.string(),
  expiresAt: z.string(),
});
export type DataContractTerms = z.infer<typeof DataContractTerms>;

export const DataContractProof = z.object({ alg: z.literal('Ed25519'), keyId: z.string(), signature: z.string() });
export type DataContractProof = z.infer<typeof DataContractProof>;

export const DataContract = z.object({
  id: z.string(),
  productId: z.string(),
  productTitle: DataText,
  providerTenantId: z.string(),
  consumerTenantId: z.string(),
  purpose: DataPurpose,
  actions: z.array(DataAction),
  note: z.string(),
  state: DataContractState,
  /** Why it is in this state (the policy's reasons, the provider's, the revoker's). */
  reasons: z.array(z.object({ code: z.string(), message: z.string() })),
  terms: DataContractTerms.nullable(),
  proof: DataContractProof.nullable(),
  uses: z.number().int(),
  /** Under differential privacy: the consumer's budget on this product and what is left. */
  epsilon: z.object({ budget: z.number(), spent: z.number(), left: z.number() }).nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type DataContract = z.infer<typeof DataContract>;

export const DataContractVerification = z.object({
  contractId: z.string(),
  result: z.enum(['valid', 'tampered', 'unsigned']),
  keyId: z.string().nullable(),
  publicKeyPem: z.string().nullable(),
});

// ---------------------------------------------------------------------------------------------
// Queries and uses

export const DataAggregateFns = ['count', 'sum', 'avg'] as const;
export const DataAggregateFn = z.enum(DataAggregateFns);
export type DataAggregateFn = z.infer<typeof DataAggregateFn>;

export const DataMeasure = z.object({
  fn: DataAggregateFn,
  /** The measure column; omitted for count (records in the group). */
  column: DataColumnName.optional(),
});
export type DataMeasure = z.infer<typeof DataMeasure>;

export const DataFilterOps = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in'] as const;
export const DataFilter = z.object({
  column: DataColumnName,
  op: z.enum(DataFilterOps),
  value: z.union([Text(200), z.number(), z.boolean(), z.array(z.union([Text(200), z.number()])).min(1).max(200)]),
});
export type DataFilter = z.infer<typeof DataFilter>;

/**
 * The consumer's own rows, joined at the data's site on one of the product's identifier or dimension
 * columns (`on`), and grouped by the consumer's `groupBy` columns: e.g. its customers' meter ids with a
 * tariff class. Its rows go to the site, never the product's rows to the consumer.
 */
export const DataJoin = z.object({
  on: DataColumnName,
  /** The consumer's column names; `on` must be one of them. */
  columns: z.array(DataColumnName).min(1).max(10),
  rows: z.array(z.array(z.union([Text(200), z.number(), z.null()]))).min(1).max(10_000),
  groupBy: z.array(DataColumnName).max(3).default([]),
});
export type DataJoin = z.infer<typeof DataJoin>;

/** A linear model fitted next to the data (action `train`): y on x per group, coefficients only. */
export const DataTrain = z.object({ target: DataColumnName, feature: DataColumnName });
export type DataTrain = z.infer<typeof DataTrain>;

export const DataQuery = z.object({
  action: DataAction.default('aggregate'),
  measures: z.array(DataMeasure).max(10).default([]),
  groupBy: z.array(DataColumnName).max(4).default([]),
  filters: z.array(DataFilter).max(10).default([]),
  join: DataJoin.optional(),
  train: DataTrain.optional(),
  /** Differential privacy only: the ε this query spends (at most the policy's maxEpsilonPerQuery). */
  epsilon: z.number().positive().max(10).optional(),
});
export type DataQuery = z.infer<typeof DataQuery>;
export type DataQueryInput = z.input<typeof DataQuery>;

export const DataUseRequest = z.object({
  contractId: Text(64).min(1),
  query: DataQuery,
  idempotencyKey: Text(128).min(8).optional(),
});
export type DataUseRequest = z.infer<typeof DataUseRequest>;

export const DataResultGroup = z.object({
  /** Group-by values (the product's and the join's), by column name. */
  key: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** Aggregates by name (`count`, `sum_energy_kwh`, `avg_price`, `slope`, `intercept`, `r2`). */
  values: z.record(z.string(), z.number().nullable()),
});
export type DataResultGroup = z.infer<typeof DataResultGroup>;

export const DataResult = z.object({
  groups: z.array(DataResultGroup),
  /** How the result was made safe to release. */
  release: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('k-anonymity'), k: z.number().int(), smallestGroup: z.number().int() }),
    z.object({
      kind: z.literal('differential-privacy'),
      mechanism: z.literal('discrete-laplace'),
      epsilonSpent: z.number(),
      /** Noise scale per aggregate name, in the aggregate's units. */
      scale: z.record(z.string(), z.number()),
    }),
  ]),
  rowsScanned: z.number().int(),
});
export type DataResult = z.infer<typeof DataResult>;

export const DataUseStates = ['queued', 'running', 'released', 'refused', 'failed'] as const;
export const DataUseState = z.enum(DataUseStates);
export type DataUseState = z.infer<typeof DataUseState>;

export const DataUse = z.object({
  id: z.string(),
  contractId: z.string(),
  productId: z.string(),
  providerTenantId: z.string(),
  consumerTenantId: z.string(),
  query: DataQuery,
  state: DataUseState,
  /** The compute job that ran it, and the site it ran at (always the data's site). */
  jobId: z.string().nullable(),
  siteId: z.string(),
  result: DataResult.nullable(),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  epsilonSpent: z.number(),
  feeFen: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type DataUse = z.infer<typeof DataUse>;

// ---------------------------------------------------------------------------------------------
// Scenarios (场景): the contest's worked examples

export const DataScenario = z.object({
  id: z.string(),
  domain: DataDomain,
  title: DataText,
  description: DataText,
  productIds: z.array(z.string()),
  contractId: z.string().nullable(),
  /** The use the demo ran for it, with its released result. */
  useId: z.string().nullable(),
  result: DataResult.nullable(),
  synthetic: z.boolean(),
});
export type DataScenario = z.infer<typeof DataScenario>;

export const DataOverview = z.object({
  byDomain: z.array(z.object({ domain: DataDomain, products: z.number().int(), contracts: z.number().int(), uses: z.number().int() })),
});

// ---------------------------------------------------------------------------------------------
// Catalogue figures and a tenant's data fees (added by the server helper)

/** One of the 12 domains with its names and how many products are listed in it. */
export const DataDomainSummary = z.object({ domain: DataDomain, name: z.object({ zh: z.string(), en: z.string() }), products: z.number().int() });
export type DataDomainSummary = z.infer<typeof DataDomainSummary>;

/** Released uses of one product in one month (UTC, `YYYY-MM`) and the data fees they carried. */
export const DataIncomeLine = z.object({ productId: z.string(), productTitle: DataText, month: z.string(), uses: z.number().int(), feeFen: z.number().int() });
export type DataIncomeLine = z.infer<typeof DataIncomeLine>;

/** A tenant's data fees: earned as a provider, paid as a consumer. */
export const DataIncome = z.object({
  asProvider: z.array(DataIncomeLine),
  asConsumer: z.array(DataIncomeLine),
  earnedFen: z.number().int(),
  paidFen: z.number().int(),
});
export type DataIncome = z.infer<typeof DataIncome>;
