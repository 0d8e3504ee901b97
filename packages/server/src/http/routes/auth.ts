import { createRoute } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { CreatedToken, CreateTokenRequest, LoginRequest, User } from '@shuzhi/schema';
import type { AuthStore } from '../../auth/store.ts';
import type { Principal } from '../../auth/principal.ts';
import { errors } from '../../errors.ts';
import type { EventBus } from '../../events/bus.ts';
import { jsonBody, jsonOk, principalOf, router } from '../context.ts';

export const SESSION_COOKIE = 'shuzhi_session';

const toUser = (p: Principal): User => ({
  id: p.userId,
  username: p.username,
  displayName: p.displayName,
  role: p.role,
  tenantId: p.tenantId,
  department: p.department,
});

export function authRoutes(auth: AuthStore, audit: (e: { kind: string; actor: string; data: Record<string, unknown> }) => Promise<void>, _bus: EventBus) {
  const r = router();
  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login',
      tags: ['auth'],
      request: { body: jsonBody(LoginRequest) },
      responses: { 200: jsonOk(User) },
    }),
    async (c) => {
      const { username, password } = c.req.valid('json');
      const res = await auth.login(username, password);
      await audit({ kind: res ? 'auth.login' : 'auth.login_failed', actor: res?.principal.userId ?? username, data: { username } });
      if (!res) throw errors.authInvalid();
      setCookie(c, SESSION_COOKIE, res.session, { httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 12 * 3600 });
      return c.json(toUser(res.principal), 200);
    },
  );
  r.post('/api/auth/logout', async (c) => {
    const s = getCookie(c, SESSION_COOKIE);
    if (s) await auth.logout(s);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
  r.openapi(
    createRoute({ method: 'get', path: '/api/auth/me', tags: ['auth'], responses: { 200: jsonOk(User) } }),
    (c) => c.json(toUser(principalOf(c)), 200),
  );
  r.openapi(
    createRoute({
      method: 'post',
      path: '/api/tokens',
      tags: ['auth'],
      request: { body: jsonBody(CreateTokenRequest) },
      responses: { 201: jsonOk(CreatedToken, 'The token; it is shown only once') },
    }),
    async (c) => {
      const p = principalOf(c);
      const body = c.req.valid('json');
      if (body.siteId !== undefined) {
        throw errors.validation([{ path: 'siteId', message: 'API tokens are not bound to sites any more: an operator enrolls a worker for a site (POST /api/workers), which gets a credential of its own' }]);
      }
      const t = await auth.createToken(p.userId, body.name);
      return c.json(t, 201);
    },
  );
  return r;
}
