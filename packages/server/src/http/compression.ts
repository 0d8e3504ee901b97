import { compress } from 'hono/compress';
import type { MiddlewareHandler } from 'hono';

/**
 * Answers that carry a secret (a session, an API token, a worker credential, a job's sealed environment as
 * handed to its worker) beside text an attacker can influence (a token's name, a job's spec). Compressing
 * them would let the attacker guess the secret from the compressed length (BREACH), so they go as they are:
 * they are small, and none is on a page's first load.
 */
const SECRET_BEARING: { method?: string; path: RegExp }[] = [
  { path: /^\/api\/auth(\/|$)/ }, // login, logout, me: the session
  { path: /^\/api\/tokens(\/|$)/ }, // API tokens: the token itself on creation
  { method: 'POST', path: /^\/api\/workers\/?$/ }, // enrolment: the worker credential
  { path: /^\/api\/workers\/[^/]+\/(rotate|sync)$/ }, // a new credential; the leased task's environment (its secrets)
];

export function carriesSecrets(method: string, path: string): boolean {
  return SECRET_BEARING.some((r) => (!r.method || r.method === method) && r.path.test(path));
}

/**
 * JSON answers gzip'd for browsers that accept it: on a slow link the catalogue's 63 KB are 1.3 s, gzip'd under
 * 10 KB (`npm run bench -- web`). The event stream is left alone (hono's filter excludes text/event-stream),
 * and so are the answers that carry secrets (carriesSecrets).
 */
export function compressApi(): MiddlewareHandler {
  const gzip = compress({ encoding: 'gzip' });
  return (c, next) => (carriesSecrets(c.req.method, c.req.path) ? next() : gzip(c, next));
}
