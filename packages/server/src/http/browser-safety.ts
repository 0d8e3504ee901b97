import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../errors.ts';
import { isHttps, requestOrigin } from './client-address.ts';
import type { Env } from './context.ts';
import { DOCS_CSP } from './api-docs.ts';

/**
 * The web app: scripts and connections only from here, and the shell's own inline scripts by their hash;
 * ECharts tooltips and print styles need inline styles.
 */
export const appCsp = (inlineScripts: readonly string[] = []) => [
  "default-src 'self'",
  ["script-src 'self'", ...inlineScripts].join(' '),
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface BrowserSafetyOptions {
  /** SHUZHI_PUBLIC_URL: its origin is accepted besides the one in the Host header. */
  publicUrl?: string | undefined;
  /** The session cookie's name. */
  sessionCookie: string;
  /** CSP sources ('sha256-…') of the web shell's inline scripts. */
  inlineScripts?: readonly string[] | undefined;
}

function originOfReferer(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

const safetyHeaders = (csp: string): Record<string, string> => ({
  'content-security-policy': csp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
});

/**
 * The security headers of an API answer when they are the same for every request, or null when they
 * depend on it (HSTS: an https public URL, sent only on requests that came over https).
 */
export function fixedSafetyHeaders(opts: BrowserSafetyOptions): Record<string, string> | null {
  if (opts.publicUrl && new URL(opts.publicUrl).protocol === 'https:') return null;
  return safetyHeaders(appCsp(opts.inlineScripts));
}

/**
 * What a browser must not be tricked into, and what it is told to refuse:
 *
 * - a write (POST/PUT/PATCH/DELETE) carried by the session cookie must come from a page of this
 *   server — its Origin (or, when a browser sends none, its Referer) must be this server's origin —
 *   else 403 CSRF_ORIGIN. Bearer-token calls carry no ambient credential and are exempt. A login
 *   from a foreign page is refused the same way (login CSRF), one with no Origin at all (CLI) is not.
 * - every answer carries a Content-Security-Policy, nosniff, a referrer policy and no-framing;
 *   HSTS when the configured public URL is https and the request came over it.
 */
export function browserSafety(opts: BrowserSafetyOptions): MiddlewareHandler<Env>[] {
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : null;
  const hsts = publicOrigin?.startsWith('https:') ?? false;
  const csp = appCsp(opts.inlineScripts);

  // Outermost, so refusals (including the one below) carry the headers too.
  const headers: MiddlewareHandler<Env> = async (c, next) => {
    await next();
    const h = new Headers(safetyHeaders(c.req.path === '/api/docs' ? DOCS_CSP : csp));
    if (hsts && isHttps(c)) h.set('strict-transport-security', 'max-age=31536000');
    try {
      h.forEach((v, k) => c.res.headers.set(k, v));
    } catch {
      // Immutable headers (a response passed through from fetch): copy it.
      const res = new Response(c.res.body, c.res);
      h.forEach((v, k) => res.headers.set(k, v));
      c.res = res;
    }
  };

  const sameOrigin: MiddlewareHandler<Env> = async (c, next) => {
    if (UNSAFE.has(c.req.method) && !c.req.header('authorization')) {
      const cookieAuth = getCookie(c, opts.sessionCookie) !== undefined;
      const origin = c.req.header('origin') ?? originOfReferer(c.req.header('referer'));
      const isLogin = c.req.path === '/api/auth/login';
      if (cookieAuth || (isLogin && origin !== null)) {
        const own = [publicOrigin, requestOrigin(c)].filter((o): o is string => o !== null);
        if (origin === null || !own.includes(origin)) {
          throw new AppError(
            'CSRF_ORIGIN',
            403,
            origin === null
              ? 'A write with the session cookie must say where it comes from (Origin or Referer header); scripts should use an API token (Authorization: Bearer …) instead.'
              : `A write with the session cookie must come from this server's own pages (${own.join(' or ') || 'unknown'}), not from ${origin}. Behind a proxy, set SHUZHI_PUBLIC_URL or SHUZHI_TRUSTED_PROXIES.`,
          );
        }
      }
    }
    await next();
  };

  return [headers, sameOrigin];
}
