import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  Application,
  ApplicationInput,
  ApplicationStatus,
  BillRunResult,
  BudgetInput,
  DecisionInput,
  Month,
  PriceEntry,
  PriceInput,
  Programme,
  ProgrammeInput,
  ProgrammeReport,
  ResourceType,
  RevenueReport,
  Statement,
  StatementSummary,
  PaymentCallbackResult,
  TopUp,
  TopUpInput,
  TopUpQuery,
  TopUpResult,
  Text,
  Voucher,
  Wallet,
} from '@shuzhi/schema';
import { sql } from 'drizzle-orm';
import { requireRole } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import { adminProgramme, requireProgrammeAccess, tenantScope } from './access.ts';
import { billingPrices } from './db-schema.ts';
import { listPrices } from './pricing.ts';
import { programmeReport, revenueReport } from './reports.ts';
import type { BillingService } from './service.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './topups.ts';
import { peerAddress, RateLimiter, rateLimited } from '../http/rate-limit.ts';
import type { Logger } from '../log.ts';
import { PUBLIC, SIGNED_IN, problems } from '../http/openapi.ts';

const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });
const TenantQuery = z.object({ tenantId: Text(64).min(1).optional() });
const IdParam = z.object({ id: Text(128).min(1) });
const tags = ['billing'];

export function billingRoutes(b: BillingService, log: Logger) {
  const r = router();
  // Refused callbacks are audited (a row each): an address gets a bounded number of tries.
  const callbackLimiter = new RateLimiter({ perWindow: 120, windowMs: 60_000 });

  r.openapi(
    createRoute({ operationId: 'getWallet', summary: "A tenant's wallet", security: SIGNED_IN, method: 'get', path: '/api/billing/wallet', tags, request: { query: TenantQuery }, responses: { 200: jsonOk(Wallet), ...problems(400, 401, 403) } }),
    async (c) => {
      const tenantId = tenantScope(principalOf(c), c.req.valid('query').tenantId);
      return c.json(await b.statements.wallet(tenantId), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'setBudget',
      summary: "Set a tenant's budget caps",
      security: SIGNED_IN,
      method: 'put',
      path: '/api/billing/budget',
      tags,
      request: { query: TenantQuery, body: jsonBody(BudgetInput) },
      responses: { 200: jsonOk(Wallet), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['tenant', 'operator'], 'set budget caps');
      const tenantId = tenantScope(p, c.req.valid('query').tenantId);
      return c.json(await b.statements.setBudget(p, tenantId, c.req.valid('json').monthlyCapFen), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'createTopUp',
      summary: 'Start a wallet top-up',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/billing/topups',
      tags,
      description:
        'Asks to top up a wallet: a payment intent in state `pending`; no money moves. It is credited once an operator confirms the payment (POST /api/billing/topups/{id}/confirm) or the payment provider\'s signed callback arrives (POST /api/public/billing/payment-callback); unpaid, it expires after 24 h.',
      request: { body: jsonBody(TopUpInput) },
      responses: { 201: jsonOk(TopUpResult), 200: jsonOk(TopUpResult, 'Replayed'), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['tenant', 'operator'], 'top up wallets');
      const input = c.req.valid('json');
      const tenantId = tenantScope(p, input.tenantId);
      const out = await b.topUps.request(p, tenantId, input);
      return c.json(out, out.replayed ? 200 : 201);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listTopUps',
      summary: 'List top-ups',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/billing/topups',
      tags,
      description: 'Top-ups, newest first: a tenant its own; operators and viewers every tenant\'s (or one, with tenantId) — e.g. `state=pending` to confirm payments.',
      request: { query: TopUpQuery },
      responses: { 200: jsonOk(items(TopUp)), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const p = principalOf(c);
      const q = c.req.valid('query');
      const tenantId = p.role === 'tenant' ? tenantScope(p, q.tenantId) : (requireRole(p, ['operator', 'viewer'], 'read top-ups'), q.tenantId ?? null);
      return c.json({ items: await b.topUps.list(tenantId, q) }, 200);
    },
  );
  r.openapi(
    createRoute({ operationId: 'getTopUp', summary: 'Get a top-up', security: SIGNED_IN, method: 'get', path: '/api/billing/topups/{id}', tags, request: { params: IdParam }, responses: { 200: jsonOk(TopUp), ...problems(400, 401, 404) } }),
    async (c) => c.json(await b.topUps.get(principalOf(c), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'confirmTopUp',
      summary: 'Confirm a top-up was paid (operators)',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/billing/topups/{id}/confirm',
      tags,
      description: 'Operators: the payment of a pending top-up arrived — credit the wallet (once; confirming again answers `replayed`).',
      request: { params: IdParam },
      responses: { 200: jsonOk(TopUp), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await b.topUps.confirm(principalIn(c, ['operator'], 'confirm top-up payments'), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'cancelTopUp',
      summary: 'Cancel a pending top-up',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/billing/topups/{id}/cancel',
      tags,
      description: 'Withdraws a pending top-up (its tenant or an operator); it can no longer be credited.',
      request: { params: IdParam },
      responses: { 200: jsonOk(TopUp), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await b.topUps.cancel(principalIn(c, ['tenant', 'operator'], 'cancel top-ups'), c.req.valid('param').id), 200),
  );

  // Public (no login): the payment provider calls it. Authenticated by the HMAC signature alone.
  r.openapi(
    createRoute({
      operationId: 'receivePaymentCallback',
      summary: "Payment provider's signed callback",
      security: PUBLIC,
      method: 'post',
      path: '/api/public/billing/payment-callback',
      tags,
      description:
        'The payment provider reports a paid top-up. Body (JSON): {"topUpId","amountFen","nonce","status":"paid"}. Headers: `X-Shuzhi-Timestamp: <Unix seconds>` and `X-Shuzhi-Signature: sha256=<hex HMAC-SHA256 under SHUZHI_PAYMENT_HMAC_KEY of "<timestamp>.<raw body>">`. Timestamps more than 5 min off, wrong signatures and amounts that differ from the top-up are refused and audited; the same nonce (or another callback for a credited top-up) credits nothing. 503 PAYMENT_CALLBACK_DISABLED without a key.',
      // No body schema here: the signature covers the raw bytes, so the handler reads them itself.
      responses: { 200: jsonOk(PaymentCallbackResult), ...problems(400, 401, 404, 409, 413, 422, 429, 503) },
    }),
    async (c) => {
      const address = peerAddress(c);
      const wait = callbackLimiter.take(address);
      if (wait) return rateLimited(c, log, wait, 'payment callbacks') as never;
      const raw = await c.req.text();
      const out = await b.topUps.paymentCallback(raw, { signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER) }, address);
      return c.json(out, 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listVouchers',
      summary: 'List compute vouchers',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/billing/vouchers',
      tags,
      request: { query: TenantQuery.extend({ programmeId: Text(64).min(1).optional() }) },
      responses: { 200: jsonOk(items(Voucher)), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const p = principalOf(c);
      const q = c.req.valid('query');
      if (p.role === 'tenant') return c.json({ items: await b.programmes.vouchers({ tenantId: tenantScope(p, q.tenantId), ...(q.programmeId ? { programmeId: q.programmeId } : {}) }) }, 200);
      const own = await adminProgramme(b.db, p);
      if (own && q.programmeId && q.programmeId !== own) throw errors.notFound('programme', q.programmeId);
      const programmeId = own ?? q.programmeId;
      return c.json({ items: await b.programmes.vouchers({ ...(programmeId ? { programmeId } : {}), ...(q.tenantId ? { tenantId: q.tenantId } : {}) }) }, 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listStatements', summary: 'List monthly statements', security: SIGNED_IN, method: 'get', path: '/api/billing/statements', tags, request: { query: TenantQuery }, responses: { 200: jsonOk(items(StatementSummary)), ...problems(400, 401, 403) } }),
    async (c) => {
      const tenantId = tenantScope(principalOf(c), c.req.valid('query').tenantId);
      return c.json({ items: await b.statements.months(tenantId) }, 200);
    },
  );

  // Registered before the JSON statement so that `2026-06.csv` is not read as a month.
  r.get('/api/billing/statements/:file{[0-9]{4}-[0-9]{2}\\.csv}', async (c) => {
    const tenantId = tenantScope(principalOf(c), c.req.query('tenantId') || undefined);
    const month = Month.safeParse(c.req.param('file').slice(0, 7));
    if (!month.success) throw errors.validation([{ path: 'month', message: 'a month like 2026-06' }]);
    const csv = await b.statements.statementCsv(tenantId, month.data);
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="statement-${tenantId}-${month.data}.csv"`,
    });
  });

  r.openapi(
    createRoute({
      operationId: 'getStatement',
      summary: "Get one month's statement",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/billing/statements/{month}',
      tags,
      description: 'A monthly statement. The same statement as CSV: GET /api/billing/statements/{month}.csv',
      request: { params: z.object({ month: Month }), query: TenantQuery },
      responses: { 200: jsonOk(Statement), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const tenantId = tenantScope(principalOf(c), c.req.valid('query').tenantId);
      return c.json(await b.statements.statement(tenantId, c.req.valid('param').month), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listProgrammes', summary: 'List voucher programmes', security: SIGNED_IN, method: 'get', path: '/api/billing/programmes', tags, responses: { 200: jsonOk(items(Programme)), ...problems(401) } }),
    async (c) => c.json({ items: await b.programmes.list(principalOf(c)) }, 200),
  );
  r.openapi(
    createRoute({ operationId: 'createProgramme', summary: 'Create a voucher programme', security: SIGNED_IN, method: 'post', path: '/api/billing/programmes', tags, request: { body: jsonBody(ProgrammeInput) }, responses: { 201: jsonOk(Programme), ...problems(400, 401, 403, 409, 413) } }),
    async (c) => c.json(await b.programmes.create(principalIn(c, ['operator'], 'create voucher programmes'), c.req.valid('json')), 201),
  );
  r.openapi(
    createRoute({ operationId: 'getProgramme', summary: 'Get a voucher programme', security: SIGNED_IN, method: 'get', path: '/api/billing/programmes/{id}', tags, request: { params: IdParam }, responses: { 200: jsonOk(Programme), ...problems(400, 401, 404) } }),
    async (c) => c.json(await b.programmes.get(principalOf(c), c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({ operationId: 'getProgrammeReport', summary: "A voucher programme's report", security: SIGNED_IN, method: 'get', path: '/api/billing/programmes/{id}/report', tags, request: { params: IdParam }, responses: { 200: jsonOk(ProgrammeReport), ...problems(400, 401, 403, 404) } }),
    async (c) => {
      const p = principalOf(c);
      const { id } = c.req.valid('param');
      if (p.role === 'tenant') throw errors.forbidden('read programme reports');
      await requireProgrammeAccess(b.db, p, id, false);
      await b.programmes.get(p, id);
      return c.json(await programmeReport(b.db, id), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'applyForVoucher',
      summary: 'Apply to a voucher programme',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/billing/programmes/{id}/applications',
      tags,
      request: { params: IdParam, body: jsonBody(ApplicationInput) },
      responses: { 201: jsonOk(Application), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await b.programmes.apply(principalIn(c, ['tenant'], 'apply for vouchers'), c.req.valid('param').id, c.req.valid('json')), 201),
  );
  r.openapi(
    createRoute({
      operationId: 'listVoucherApplications',
      summary: 'List voucher applications',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/billing/applications',
      tags,
      request: { query: z.object({ programmeId: Text(64).min(1).optional(), status: ApplicationStatus.optional() }) },
      responses: { 200: jsonOk(items(Application)), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const p = principalIn(c, ['tenant', 'programme', 'operator', 'viewer'], 'read voucher applications');
      return c.json({ items: await b.programmes.applications(p, c.req.valid('query')) }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'decideVoucherApplication',
      summary: 'Approve or reject a voucher application',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/billing/applications/{id}/decision',
      tags,
      request: { params: IdParam, body: jsonBody(DecisionInput) },
      responses: { 200: jsonOk(Application), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => c.json(await b.programmes.decide(principalIn(c, ['programme', 'operator'], 'decide on voucher applications'), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({ operationId: 'getSiteRevenue', summary: 'Site revenue for a month', security: SIGNED_IN, method: 'get', path: '/api/billing/revenue', tags, request: { query: z.object({ month: Month.optional() }) }, responses: { 200: jsonOk(RevenueReport), ...problems(400, 401, 403) } }),
    async (c) => {
      principalIn(c, ['operator', 'viewer'], 'read site revenue');
      return c.json(await revenueReport(b.db, c.req.valid('query').month), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listPrices', summary: 'List prices per site and resource', security: SIGNED_IN, method: 'get', path: '/api/billing/prices', tags, responses: { 200: jsonOk(items(PriceEntry)), ...problems(401) } }),
    async (c) => {
      principalOf(c);
      return c.json({ items: await listPrices(b.db) }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'setPrice',
      summary: "Set a site's price for a resource",
      security: SIGNED_IN,
      method: 'put',
      path: '/api/billing/prices/{siteId}/{resourceType}',
      tags,
      request: { params: z.object({ siteId: Text(64).min(1), resourceType: ResourceType }), body: jsonBody(PriceInput) },
      responses: { 200: jsonOk(PriceEntry), ...problems(400, 401, 403, 404, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'set prices');
      const { siteId, resourceType } = c.req.valid('param');
      const body = c.req.valid('json');
      const current = (await listPrices(b.db)).find((x) => x.siteId === siteId && x.resourceType === resourceType);
      if (!current) throw errors.notFound('pool', `${siteId}/${resourceType}`);
      await b.db
        .insert(billingPrices)
        .values({ siteId, resourceType, fenPerUnitHour: body.fenPerUnitHour, touFenPerUnitHour: body.touFenPerUnitHour, updatedBy: p.userId })
        .onConflictDoUpdate({
          target: [billingPrices.siteId, billingPrices.resourceType],
          set: { fenPerUnitHour: body.fenPerUnitHour, touFenPerUnitHour: body.touFenPerUnitHour, updatedBy: p.userId, updatedAt: sql`now()` },
        });
      return c.json({ siteId, resourceType, fenPerUnitHour: body.fenPerUnitHour, touFenPerUnitHour: body.touFenPerUnitHour, source: 'price-list' as const }, 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'billRun', summary: 'Bill a finished run by hand', security: SIGNED_IN, method: 'post', path: '/api/billing/runs/{id}/bill', tags, request: { params: IdParam }, responses: { 200: jsonOk(BillRunResult), ...problems(400, 401, 403, 404, 409) } }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'bill runs by hand');
      return c.json(await b.charges.billRun(c.req.valid('param').id, p.userId), 200);
    },
  );
  r.openapi(
    createRoute({ operationId: 'expireVouchers', summary: 'Expire vouchers past their programme', security: SIGNED_IN, method: 'post', path: '/api/billing/expire', tags, responses: { 200: jsonOk(z.object({ expired: z.number().int() })), ...problems(401, 403) } }),
    async (c) => {
      principalIn(c, ['operator'], 'expire vouchers');
      return c.json({ expired: await b.programmes.expireDue() }, 200);
    },
  );

  return r;
}
