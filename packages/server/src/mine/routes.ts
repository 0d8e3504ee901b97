import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  MineAcknowledge, MineAlarm, MineAlarmQuery, MineAuditEntry, MineAuditQuery, MineCommandBody, MineCommandKinds, MineCommandResult,
  MineCertificate, MineCertificates, MineFaceConfig, MineFaceInput, MineFaceSettings, MineFaceState, MineFaceSummary, MineFleet, MineThumbprint, MineTrend,
  MineTrendQuery, Page, Text,
} from '@shuzhi/schema';
import type { Role } from '@shuzhi/schema';
import type { Principal } from '../auth/principal.ts';
import { requireRole } from '../auth/principal.ts';
import { errors } from '../errors.ts';
import { clientAddress } from '../http/client-address.ts';
import type { Env } from '../http/context.ts';
import { jsonBody, jsonOk, principalIn, principalOf, router } from '../http/context.ts';
import { liveStream } from '../http/sse.ts';
import { mineErrors } from './errors.ts';
import type { Actor, LiveMessage, MineService } from './service.ts';
import { SIGNED_IN, problems } from '../http/openapi.ts';

/** Who may watch a face (HMI, streams, alarms, audit), command it, or engineer it. */
export const MINE_WATCH_ROLES = ['mine-operator', 'mine-engineer', 'viewer', 'operator'] as const satisfies readonly Role[];
export const MINE_COMMAND_ROLES = ['mine-operator'] as const satisfies readonly Role[];
export const MINE_ENGINEER_ROLES = ['mine-engineer'] as const satisfies readonly Role[];
/**
 * Who decides which PLC certificates the link trusts: the mine engineer who commissions a face, and
 * the platform operator who runs the server and its PKI. Never the control room (mine-operator) or viewers.
 */
export const MINE_PKI_ROLES = ['mine-engineer', 'operator'] as const satisfies readonly Role[];

const FaceParam = z.object({ id: Text(64).min(1) });
const AlarmParam = z.object({ id: Text(128).min(1) });
const items = <T extends z.ZodType>(s: T) => z.object({ items: z.array(s) });
const TAGS = ['mine'];

const actorOf = (p: Principal, c: Context<Env>): Actor => ({ userId: p.userId, username: p.username, role: p.role, origin: clientAddress(c) });

export function mineRoutes(svc: MineService) {
  const r = router();

  /** A refused attempt to act is evidence too: it is audited before the 403 goes out. */
  async function guard(c: Context<Env>, roles: readonly Role[], action: string, what: string, faceId: string | null, target: string): Promise<Actor> {
    const p = principalOf(c);
    const actor = actorOf(p, c);
    if (!roles.includes(p.role)) {
      await svc.recordForbidden(actor, faceId, action, target);
      requireRole(p, roles, what);
    }
    return actor;
  }

  const watch = (c: Context<Env>) => principalIn(c, MINE_WATCH_ROLES, 'watch the mine');

  r.openapi(
    createRoute({ operationId: 'listMineFaces', summary: 'List working faces', security: SIGNED_IN, method: 'get', path: '/api/mine/faces', tags: TAGS, responses: { 200: jsonOk(items(MineFaceSummary)), ...problems(401, 403) } }),
    async (c) => {
      watch(c);
      return c.json({ items: await svc.listFaces() }, 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'registerMineFace', summary: 'Register a working face', security: SIGNED_IN, method: 'post', path: '/api/mine/faces', tags: TAGS, request: { body: jsonBody(MineFaceInput) }, responses: { 201: jsonOk(MineFaceState), ...problems(400, 401, 403, 409, 413) } }),
    async (c) => {
      const body = c.req.valid('json');
      const actor = await guard(c, MINE_ENGINEER_ROLES, 'face-register', 'register a face', body.id, body.id);
      return c.json(await svc.registerFace(body, actor), 201);
    },
  );

  r.openapi(
    createRoute({ operationId: 'getMineFace', summary: "Get a working face's live state", security: SIGNED_IN, method: 'get', path: '/api/mine/faces/{id}', tags: TAGS, request: { params: FaceParam }, responses: { 200: jsonOk(MineFaceState), ...problems(400, 401, 403, 404) } }),
    (c) => {
      watch(c);
      return c.json(svc.faceState(c.req.valid('param').id), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'getMineFaceConfig', summary: "A working face's configuration", security: SIGNED_IN, method: 'get', path: '/api/mine/faces/{id}/config', tags: TAGS, request: { params: FaceParam }, responses: { 200: jsonOk(MineFaceConfig), ...problems(400, 401, 403, 404) } }),
    (c) => {
      watch(c);
      return c.json(svc.faceConfig(c.req.valid('param').id), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'updateMineFaceSettings',
      summary: "Change a working face's settings",
      security: SIGNED_IN,
      method: 'patch',
      path: '/api/mine/faces/{id}/settings',
      tags: TAGS,
      request: { params: FaceParam, body: jsonBody(MineFaceSettings) },
      responses: { 200: jsonOk(MineFaceState), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const actor = await guard(c, MINE_ENGINEER_ROLES, 'settings-change', 'change sequences or limits', id, id);
      return c.json(await svc.updateSettings(id, c.req.valid('json'), actor), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'commandMineFace',
      summary: 'Send a command to a working face',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/mine/faces/{id}/commands/{kind}',
      tags: TAGS,
      description: 'start / stop the face sequence, emergency stop, reset. mine-operator only; every attempt is audited.',
      request: { params: FaceParam.extend({ kind: z.enum(MineCommandKinds) }) },
      responses: { 200: jsonOk(MineCommandResult), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, kind } = c.req.valid('param');
      const actor = await guard(c, MINE_COMMAND_ROLES, `command.${kind}`, 'command the face', id, id);
      if (!svc.hasFace(id)) throw errors.notFound('face', id);
      // the body is optional: { comment } for the audit
      const parsed = MineCommandBody.safeParse(await c.req.json().catch(() => ({})));
      const comment = parsed.success ? parsed.data.comment : undefined;
      return c.json(await svc.command(id, kind, actor, comment), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'getMineFaceTrends',
      summary: "A working face's trends",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/mine/faces/{id}/trends',
      tags: TAGS,
      request: { params: FaceParam, query: MineTrendQuery },
      responses: { 200: jsonOk(items(MineTrend)), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      watch(c);
      const { id } = c.req.valid('param');
      if (!svc.hasFace(id)) throw errors.notFound('face', id);
      const q = c.req.valid('query');
      const tags = q.tags.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 50);
      return c.json({ items: await svc.historian.trends(id, tags, new Date(Date.now() - q.minutes * 60_000)) }, 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'listMineAlarms', summary: 'List alarms', security: SIGNED_IN, method: 'get', path: '/api/mine/alarms', tags: TAGS, request: { query: MineAlarmQuery }, responses: { 200: jsonOk(Page(MineAlarm)), ...problems(400, 401, 403) } }),
    async (c) => {
      watch(c);
      await svc.flushed();
      return c.json(await svc.alarms.list(c.req.valid('query')), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'acknowledgeMineAlarm',
      summary: 'Acknowledge an alarm',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/mine/alarms/{id}/acknowledge',
      tags: TAGS,
      description: 'Only once the cause has returned to normal (cleared, unacknowledged); records user and comment.',
      request: { params: AlarmParam, body: jsonBody(MineAcknowledge) },
      responses: { 200: jsonOk(MineAlarm), ...problems(400, 401, 403, 404, 409, 413) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const actor = await guard(c, MINE_COMMAND_ROLES, 'alarm.acknowledge', 'acknowledge alarms', null, id);
      return c.json(await svc.acknowledge(id, c.req.valid('json').comment, actor), 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'silenceMineAlarm',
      summary: "Silence an alarm's horn",
      security: SIGNED_IN,
      method: 'post',
      path: '/api/mine/alarms/{id}/silence',
      tags: TAGS,
      request: { params: AlarmParam },
      responses: { 200: jsonOk(MineAlarm), ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const actor = await guard(c, MINE_COMMAND_ROLES, 'alarm.silence', 'silence alarms', null, id);
      return c.json(await svc.silence(id, actor), 200);
    },
  );

  r.openapi(
    createRoute({ operationId: 'getMineAudit', summary: "The mine's audit trail", security: SIGNED_IN, method: 'get', path: '/api/mine/audit', tags: TAGS, request: { query: MineAuditQuery }, responses: { 200: jsonOk(items(MineAuditEntry)), ...problems(400, 401, 403) } }),
    async (c) => {
      watch(c);
      await svc.flushed();
      const q = c.req.valid('query');
      return c.json({ items: await svc.audit.list({ faceId: q.faceId, user: q.user, action: q.action, logins: q.logins === 'true', limit: q.limit }) }, 200);
    },
  );

  r.openapi(
    createRoute({
      operationId: 'listMineCertificates',
      summary: "The mine link's certificates",
      security: SIGNED_IN,
      method: 'get',
      path: '/api/mine/certificates',
      tags: TAGS,
      description: "The mine link's PKI: this server's OPC UA certificate (public part, to import into a PLC) and the trusted and rejected PLC certificates. mine-engineer and operator.",
      responses: { 200: jsonOk(MineCertificates), ...problems(401, 403) },
    }),
    async (c) => {
      await guard(c, MINE_PKI_ROLES, 'certificates.list', 'see the OPC UA certificates', null, 'pki');
      return c.json(await svc.certificates(), 200);
    },
  );

  for (const verb of ['trust', 'reject'] as const) {
    r.openapi(
      createRoute({
        operationId: `${verb}MineCertificate`,
        summary: verb === 'trust' ? 'Trust a PLC certificate' : 'Reject a PLC certificate',
        security: SIGNED_IN,
        method: 'post',
        path: `/api/mine/certificates/{thumbprint}/${verb}`,
        tags: TAGS,
        description:
          verb === 'trust'
            ? 'Moves a PLC certificate (usually from rejected/) to trusted/; faces waiting on it connect at once. Audited.'
            : 'Takes trust away: the certificate moves to rejected/ and is refused from the next connection on. Audited.',
        request: { params: z.object({ thumbprint: MineThumbprint }) },
        responses: { 200: jsonOk(MineCertificate), ...problems(400, 401, 403, 404) },
      }),
      async (c) => {
        const { thumbprint } = c.req.valid('param');
        const actor = await guard(c, MINE_PKI_ROLES, `certificate-${verb}`, `${verb} OPC UA certificates`, null, thumbprint.toLowerCase());
        const cert = await svc.setCertificateTrust(thumbprint, verb === 'trust', actor);
        if (!cert) throw mineErrors.certificateNotFound(thumbprint.toLowerCase());
        return c.json(cert, 200);
      },
    );
  }

  r.openapi(
    createRoute({ operationId: 'getMineFleet', summary: "The mine fleet's state", security: SIGNED_IN, method: 'get', path: '/api/mine/fleet', tags: TAGS, responses: { 200: jsonOk(MineFleet), ...problems(401, 403) } }),
    (c) => {
      watch(c);
      return c.json(svc.fleet(), 200);
    },
  );

  // Server-sent events: `state` (full picture, first and on every mode/sequence/alarm change),
  // `telemetry` (changed tags only), `alarm` (each alarm change), `log` (controller messages).
  r.get('/api/mine/faces/:id/stream', (c) => {
    watch(c);
    const id = c.req.param('id');
    if (!svc.hasFace(id)) throw errors.notFound('face', id);
    return liveStream<LiveMessage>(c, {
      subscribe: (push) => svc.subscribe(id, push),
      first: () => ({ event: 'state', data: JSON.stringify(svc.faceState(id)) }),
      // a client that cannot keep up loses old telemetry, never state or alarms
      trim(queue) {
        if (queue.length <= 2000) return;
        const keep = queue.filter((m) => m.event !== 'telemetry');
        queue.length = 0;
        queue.push(...keep, { event: 'state', data: svc.faceState(id) });
      },
      toMessages: (batch) => batch.map((m) => ({ event: m.event, data: JSON.stringify(m.data) })),
    });
  });

  return r;
}
