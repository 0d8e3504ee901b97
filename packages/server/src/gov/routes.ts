import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  GovAccessEntry,
  GovApplicationSummary,
  GovApplicationView,
  GovCatalogueItem,
  GovCertificateView,
  GovContact,
  GovGrant,
  GovMe,
  GovMetrics,
  GovNotification,
  GovOutboxStatus,
  GovPrefillRequest,
  GovPrefillResponse,
  GovQueueEntry,
  GovSubmitApplication,
  GovSubmitResponse,
  GovSupplementSubmission,
  GovTaskActionRequest,
  GovTicket,
  GovVerification,
  jsonTextProblem,
  Text,
} from '@shuzhi/schema';
import { requireRole } from '../auth/principal.ts';
import { peerAddress, type RateLimiter, rateLimited } from '../http/rate-limit.ts';
import type { Logger } from '../log.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import type { CatalogueStore } from './catalogue-store.ts';
import { govMetrics } from './metrics-query.ts';
import { APPLICANT_ROLES, CASE_ROLES } from './roles.ts';
import type { GovService } from './service.ts';
import { catalogueView } from './views.ts';
import { PUBLIC, SIGNED_IN, problems } from '../http/openapi.ts';

const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });
const AppId = z.object({ id: Text(100).min(1) });
const TaskParams = z.object({ id: Text(100).min(1), serviceId: Text(100).min(1) });
const tags = ['gov'];
/** A catalogue item as data: free-form JSON, held to the same text rule as every other request. */
const CatalogueItemBody = z
  .object({ item: z.record(z.string(), z.unknown()), services: z.array(z.record(z.string(), z.unknown())).optional() })
  .check((ctx) => {
    const bad = jsonTextProblem(ctx.value);
    if (bad) ctx.issues.push({ code: 'custom', path: bad.path, message: bad.message, input: ctx.value });
  });

const FILERS = [...APPLICANT_ROLES, 'window'] as const;

export function govRoutes(svc: GovService, catalogue: CatalogueStore, verifyLimit: RateLimiter, log: Logger, outbox: () => Promise<GovOutboxStatus>) {
  const r = router();

  // Public verification is anonymous: each client address gets a budget of calls (the identifiers are
  // unguessable, and a flood must not turn into database load). Counted before validation.
  for (const path of ['/api/public/gov/verify', '/api/public/gov/verify/*']) {
    r.use(path, async (c, next) => {
      const wait = verifyLimit.take(peerAddress(c));
      if (wait) return rateLimited(c, log, wait, 'certificate verifications');
      await next();
    });
  }

  r.openapi(createRoute({ operationId: 'getGovIdentity', summary: "The caller's identity in the registries", security: SIGNED_IN, method: 'get', path: '/api/gov/me', tags, responses: { 200: jsonOk(GovMe), ...problems(401) } }), async (c) => c.json(await svc.me(principalOf(c)), 200));

  r.openapi(createRoute({ operationId: 'getGovCatalogue', summary: 'The one-thing service catalogue', security: SIGNED_IN, method: 'get', path: '/api/gov/catalogue', tags, responses: { 200: jsonOk(items(GovCatalogueItem)), ...problems(401) } }), async (c) => {
    principalOf(c);
    return c.json({ items: catalogueView(await catalogue.load()) }, 200);
  });

  r.openapi(
    createRoute({
      operationId: 'addGovCatalogueItem',
      summary: 'Add a catalogue item (operators)',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/gov/catalogue/items',
      tags,
      description: 'Adds an item (or a new version of one), with any new services, as data. Operators only.',
      request: { body: jsonBody(CatalogueItemBody) },
      responses: { 201: jsonOk(GovCatalogueItem), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const p = principalIn(c, ['operator'], 'edit the catalogue');
      const item = await catalogue.addItem(c.req.valid('json'), p.userId);
      const view = catalogueView(await catalogue.load()).find((i) => i.id === item.id)!;
      return c.json(view, 201);
    },
  );

  r.openapi(createRoute({ operationId: 'prefillGovApplication', summary: 'Prefill an application from the registries', security: SIGNED_IN, method: 'post', path: '/api/gov/prefill', tags, request: { body: jsonBody(GovPrefillRequest) }, responses: { 200: jsonOk(GovPrefillResponse), ...problems(400, 401, 403, 409, 413) } }), async (c) =>
    c.json(await svc.prefill(principalIn(c, FILERS, 'file applications'), c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({ operationId: 'submitGovApplication', summary: 'Submit a one-thing application', security: SIGNED_IN, method: 'post', path: '/api/gov/applications', tags, request: { body: jsonBody(GovSubmitApplication) }, responses: { 201: jsonOk(GovSubmitResponse), 200: jsonOk(GovSubmitResponse), ...problems(400, 401, 403, 409, 413) } }),
    async (c) => {
      const out = await svc.submit(principalIn(c, FILERS, 'file applications'), c.req.valid('json'));
      return c.json(out, out.created ? 201 : 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listGovApplications',
      summary: 'List applications',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/gov/applications',
      tags,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0), status: Text(40).optional() }) },
      responses: { 200: jsonOk(z.object({ items: z.array(GovApplicationSummary), total: z.number().int() })), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await svc.list(principalIn(c, CASE_ROLES, 'list applications'), c.req.valid('query')), 200),
  );

  r.openapi(createRoute({ operationId: 'getGovApplication', summary: 'Get an application', security: SIGNED_IN, method: 'get', path: '/api/gov/applications/{id}', tags, request: { params: AppId }, responses: { 200: jsonOk(GovApplicationView), ...problems(400, 401, 403, 404) } }), async (c) =>
    c.json(await svc.get(principalIn(c, CASE_ROLES, 'read applications'), c.req.valid('param').id), 200),
  );

  r.openapi(
    createRoute({ operationId: 'supplementGovApplication', summary: 'Submit supplementary material', security: SIGNED_IN, method: 'post', path: '/api/gov/applications/{id}/supplement', tags, request: { params: AppId, body: jsonBody(GovSupplementSubmission) }, responses: { 200: jsonOk(GovApplicationView), ...problems(400, 401, 403, 404, 409, 413) } }),
    async (c) => c.json(await svc.supplement(principalIn(c, FILERS, 'supplement applications'), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  r.openapi(
    createRoute({ operationId: 'actOnGovTask', summary: "An officer acts on an application's task", security: SIGNED_IN, method: 'post', path: '/api/gov/applications/{id}/tasks/{serviceId}/actions', tags, request: { params: TaskParams, body: jsonBody(GovTaskActionRequest) }, responses: { 200: jsonOk(GovApplicationView), ...problems(400, 401, 403, 404, 409, 413) } }),
    async (c) => {
      const { id, serviceId } = c.req.valid('param');
      return c.json(await svc.act(principalIn(c, ['officer'], 'act on department tasks'), id, serviceId, c.req.valid('json')), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listGovTasks',
      summary: "An officer's queue of tasks",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/gov/tasks',
      tags,
      request: { query: z.object({ state: Text(40).optional(), escalated: z.enum(['true', 'false']).optional() }) },
      responses: { 200: jsonOk(items(GovQueueEntry)), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ items: await svc.queue(principalIn(c, ['officer', 'supervisor', 'operator'], 'see work queues'), { state: q.state, escalated: q.escalated === 'true' }) }, 200);
    },
  );

  r.openapi(createRoute({ operationId: 'listGovCertificates', summary: "The caller's certificates", security: SIGNED_IN, method: 'get', path: '/api/gov/certificates', tags, responses: { 200: jsonOk(items(GovCertificateView)), ...problems(401, 403) } }), async (c) =>
    c.json({ items: await svc.myCertificates(principalIn(c, APPLICANT_ROLES, 'list your certificates')) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'getGovAccessLog', summary: "Who read the caller's data", security: SIGNED_IN, method: 'get', path: '/api/gov/access-log', tags, request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) }, responses: { 200: jsonOk(items(GovAccessEntry)), ...problems(400, 401, 403) } }),
    async (c) => c.json({ items: await svc.accessLog(principalIn(c, [...APPLICANT_ROLES, 'supervisor', 'operator'], 'read the data-use log'), c.req.valid('query')) }, 200),
  );

  r.openapi(createRoute({ operationId: 'listGovNotifications', summary: "The caller's notifications", security: SIGNED_IN, method: 'get', path: '/api/gov/notifications', tags, responses: { 200: jsonOk(items(GovNotification)), ...problems(401, 403) } }), async (c) =>
    c.json({ items: await svc.notifications(principalIn(c, APPLICANT_ROLES, 'read notifications')) }, 200),
  );

  r.openapi(
    createRoute({ operationId: 'markGovNotificationRead', summary: 'Mark one of the caller\'s notifications read', security: SIGNED_IN, method: 'post', path: '/api/gov/notifications/{id}/read', tags, request: { params: AppId }, responses: { 204: { description: 'Marked read' }, ...problems(401, 403, 404) } }),
    async (c) => {
      await svc.markNotificationRead(principalIn(c, APPLICANT_ROLES, 'read notifications'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  r.openapi(createRoute({ operationId: 'getGovContact', summary: "The caller's contact for notices by e-mail and SMS", security: SIGNED_IN, method: 'get', path: '/api/gov/contact', tags, responses: { 200: jsonOk(GovContact), ...problems(401, 403, 409) } }), async (c) =>
    c.json(await svc.contact(principalIn(c, APPLICANT_ROLES, 'read your contact details')), 200),
  );
  r.openapi(
    createRoute({ operationId: 'setGovContact', summary: "Set the caller's contact for notices (null = no notices on that channel)", security: SIGNED_IN, method: 'put', path: '/api/gov/contact', tags, request: { body: jsonBody(GovContact) }, responses: { 200: jsonOk(GovContact), ...problems(400, 401, 403, 409, 413) } }),
    async (c) => c.json(await svc.setContact(principalIn(c, APPLICANT_ROLES, 'set your contact details'), c.req.valid('json')), 200),
  );
  r.openapi(createRoute({ operationId: 'getGovOutbox', summary: 'Delivery of notices by e-mail and SMS: counts and latest failures', security: SIGNED_IN, method: 'get', path: '/api/gov/outbox', tags, responses: { 200: jsonOk(GovOutboxStatus), ...problems(401, 403) } }), async (c) => {
    principalIn(c, ['operator', 'supervisor'], 'see notice delivery');
    return c.json(await outbox(), 200);
  });

  r.openapi(createRoute({ operationId: 'listGovGrants', summary: "The caller's grants", security: SIGNED_IN, method: 'get', path: '/api/gov/grants', tags, responses: { 200: jsonOk(items(GovGrant)), ...problems(401, 403) } }), async (c) => c.json({ items: await svc.grants(principalIn(c, APPLICANT_ROLES, 'read entitlements')) }, 200));

  r.openapi(
    createRoute({
      operationId: 'registerBirth',
      summary: 'Register a birth',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/gov/registry/births',
      tags,
      description: 'A birth registered without an application (免申办): the child enters the registries and the family is granted what the rules give.',
      request: { body: jsonBody(z.object({ parentResidentId: Text(18).min(18), childName: Text(40).min(1), childSex: z.enum(['male', 'female']), childBirthDate: z.iso.date() })) },
      responses: { 201: jsonOk(z.object({ grants: z.number().int() })), ...problems(400, 401, 403, 409, 413) },
    }),
    async (c) => c.json(await svc.registerBirth(principalIn(c, ['operator', 'officer'], 'register births'), c.req.valid('json')), 201),
  );

  r.openapi(createRoute({ operationId: 'getGovMetrics', summary: 'Service metrics', security: SIGNED_IN, method: 'get', path: '/api/gov/metrics', tags, responses: { 200: jsonOk(GovMetrics), ...problems(401, 403) } }), async (c) => {
    const p = principalIn(c, ['supervisor', 'operator', 'viewer'], 'see the service dashboard');
    return c.json(await govMetrics(svc.db, catalogue, svc.clock.now()), 200);
  });

  r.openapi(createRoute({ operationId: 'takeGovTicket', summary: 'Take a service-hall queue ticket', security: SIGNED_IN, method: 'post', path: '/api/gov/tickets', tags, responses: { 201: jsonOk(GovTicket), ...problems(401, 403, 409) } }), async (c) => {
    principalIn(c, FILERS, 'take a queue ticket');
    return c.json(await svc.takeTicket(), 201);
  });
  r.openapi(createRoute({ operationId: 'callNextGovTicket', summary: 'Call the next ticket', security: SIGNED_IN, method: 'post', path: '/api/gov/tickets/next', tags, responses: { 200: jsonOk(z.object({ ticket: GovTicket.nullable() })), ...problems(401, 403, 409) } }), async (c) =>
    c.json({ ticket: await svc.callNext(principalIn(c, ['window'], 'call tickets')) }, 200),
  );
  r.openapi(createRoute({ operationId: 'listGovTickets', summary: 'List queue tickets', security: SIGNED_IN, method: 'get', path: '/api/gov/tickets', tags, responses: { 200: jsonOk(items(GovTicket)), ...problems(401, 403) } }), async (c) => {
    principalIn(c, ['window', 'supervisor'], 'see the ticket queue');
    return c.json({ items: await svc.tickets() }, 200);
  });

  // Public: the QR code on a certificate leads here; no login (OpenCRVS #9238).
  r.openapi(
    createRoute({ operationId: 'verifyGovCertificateById', summary: 'Verify a certificate by id', security: PUBLIC, method: 'get', path: '/api/public/gov/verify/{id}', tags, request: { params: z.object({ id: Text(64).min(1) }) }, responses: { 200: jsonOk(GovVerification), ...problems(400, 401, 404, 429) } }),
    async (c) => c.json(await svc.verify(c.req.valid('param').id), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'verifyGovCertificate',
      summary: 'Verify a presented certificate',
      security: PUBLIC,
      method: 'post',
      path: '/api/public/gov/verify',
      tags,
      description: 'Verify a presented certificate (its canonical signed text).',
      request: { body: jsonBody(z.object({ certificateId: Text(64).min(1), text: Text(20_000).min(2) })) },
      responses: { 200: jsonOk(GovVerification), ...problems(400, 401, 413, 429) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(await svc.verify(b.certificateId, b.text), 200);
    },
  );
  r.openapi(
    createRoute({ operationId: 'listGovIssuerKeys', summary: "The issuer's public keys", security: PUBLIC, method: 'get', path: '/api/public/gov/keys', tags, responses: { 200: jsonOk(z.object({ keyId: z.string(), alg: z.literal('Ed25519'), publicKeyPem: z.string() })), ...problems(401) } }),
    async (c) => c.json(await svc.publicKey(), 200),
  );

  return r;
}
