import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ApiTokenInfo, CreatedToken, CreateTokenRequest, LoginRequest, Text, TokenListQuery, User } from '@shuzhi/schema';
import type { AuthStore } from '../../auth/store.ts';
import type { Principal } from '../../auth/principal.ts';
import type { LoginThrottle } from '../../auth/throttle.ts';
import { errors } from '../../errors.ts';
import type { EventBus } from '../../events/bus.ts';
import { clientAddress, isHttps } from '../client-address.ts';
import { jsonBody, jsonOk, principalOf, router, type Env } from '../context.ts';
import { PUBLIC, SIGNED_IN, problems } from '../openapi.ts';

export const SESSION_COOKIE = 'shuzhi_session';

/** The signed-in user as the API and the web shell describe them. */
export const toUser = (p: Principal): User => ({
  id: p.userId,
  username: p.username,
  displayName: p.displayName,
  role: p.role,
  tenantId: p.tenantId,
  department: p.department,
});

export interface AuthRouteOptions {
  throttle: LoginThrottle;
  /** The configured public URL is https: the cookie is Secure whatever this request came over. */
  alwaysSecure?: boolean;
}

type Audit = (e: { kind: string; actor: string; data: Record<string, unknown> }) => Promise<void>;

export function authRoutes(auth: AuthStore, audit: Audit, _bus: EventBus, opts: AuthRouteOptions) {
  const r = router();
  const secure = (c: Context<Env>) => opts.alwaysSecure === true || isHttps(c);
  r.openapi(
    createRoute({
      operationId: 'logIn',
      summary: 'Log in; sets the session cookie',
      security: PUBLIC,
      method: 'post',
      path: '/api/auth/login',
      tags: ['auth'],
      description:
        'Wrong passwords are throttled per account and per client address: past the budget the answer is 429 LOGIN_THROTTLED with Retry-After, and each further failure doubles the wait.',
      request: { body: jsonBody(LoginRequest) },
      responses: { 200: jsonOk(User), ...problems(400, 401, 413, 429) },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const address = clientAddress(c);
      const done = opts.throttle.attempt(username, address);
      let res: Awaited<ReturnType<AuthStore['login']>>;
      try {
        res = await auth.login(username, password);
      } catch (err) {
        done(null);
        throw err;
      }
      done(res !== null);
      await audit({ kind: res ? 'auth.login' : 'auth.login_failed', actor: res?.principal.userId ?? username, data: { username, address } });
      if (!res) throw errors.authInvalid();
      setCookie(c, SESSION_COOKIE, res.session, { httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 12 * 3600, secure: secure(c) });
      return c.json(toUser(res.principal), 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'logOut',
      summary: 'Log out; ends the session and clears its cookie',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/auth/logout',
      tags: ['auth'],
      responses: { 204: { description: 'Logged out' }, ...problems(401, 403) },
    }),
    async (c) => {
      const s = getCookie(c, SESSION_COOKIE);
      if (s) await auth.logout(s);
      deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(c) });
      return c.body(null, 204);
    },
  );
  r.openapi(
    createRoute({ operationId: 'getCurrentUser', summary: 'The signed-in user', security: SIGNED_IN, method: 'get', path: '/api/auth/me', tags: ['auth'], responses: { 200: jsonOk(User), ...problems(401) } }),
    (c) => c.json(toUser(principalOf(c)), 200),
  );
  r.openapi(
    createRoute({
      operationId: 'createApiToken',
      summary: 'Create an API token for the caller',
      security: SIGNED_IN,
      method: 'post',
      path: '/api/tokens',
      tags: ['auth'],
      description: 'An API token for the caller; it expires after expiresInDays (default 90, at most 365).',
      request: { body: jsonBody(CreateTokenRequest) },
      responses: { 201: jsonOk(CreatedToken, 'The token; it is shown only once'), ...problems(400, 401, 403, 413) },
    }),
    async (c) => {
      const p = principalOf(c);
      const body = c.req.valid('json');
      if (body.siteId !== undefined) {
        throw errors.validation([{ path: 'siteId', message: 'API tokens are not bound to sites any more: an operator enrolls a worker for a site (POST /api/workers), which gets a credential of its own' }]);
      }
      const t = await auth.createToken(p.userId, body.name, undefined, body.expiresInDays);
      await audit({ kind: 'auth.token_created', actor: p.userId, data: { tokenId: t.id, name: t.name, expiresAt: t.expiresAt, address: clientAddress(c) } });
      return c.json(t, 201);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'listApiTokens',
      summary: 'List API tokens',
      security: SIGNED_IN,
      method: 'get',
      path: '/api/tokens',
      tags: ['auth'],
      description: "The caller's API tokens that have not expired (never their secrets); operators may ask for everyone's with ?all=1.",
      request: { query: TokenListQuery },
      responses: { 200: jsonOk(z.object({ items: z.array(ApiTokenInfo) })), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const p = principalOf(c);
      const all = ['1', 'true'].includes(c.req.valid('query').all ?? '');
      if (all && p.role !== 'operator') throw errors.forbidden("list other users' tokens");
      return c.json({ items: await auth.listTokens(all ? null : p.userId) }, 200);
    },
  );
  r.openapi(
    createRoute({
      operationId: 'revokeApiToken',
      summary: 'Revoke an API token',
      security: SIGNED_IN,
      method: 'delete',
      path: '/api/tokens/{id}',
      tags: ['auth'],
      description: 'Revokes a token at once: your own, or (operators) anyone\'s.',
      request: { params: z.object({ id: Text(64).min(1) }) },
      responses: { 200: jsonOk(ApiTokenInfo, 'The revoked token'), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const p = principalOf(c);
      const t = await auth.revokeToken(p, c.req.valid('param').id);
      await audit({ kind: 'auth.token_revoked', actor: p.userId, data: { tokenId: t.id, name: t.name, owner: t.userId, address: clientAddress(c) } });
      return c.json(t, 200);
    },
  );
  return r;
}
