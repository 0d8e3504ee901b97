import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { User } from '@shuzhi/schema';

/** The element the web app reads its session from at start (packages/web/src/boot/session.ts). */
export const SESSION_ELEMENT_ID = 'shuzhi-session';

export interface WebShell {
  /**
   * CSP sources for the shell's inline scripts (the early-fetch boot script in index.html): each allowed by
   * its hash, so `script-src` stays closed to any other inline script.
   */
  scriptSources: string[];
  /**
   * The shell for one request, with who is signed in embedded (null: nobody) so the app paints its door
   * at once instead of asking /api/auth/me a round trip later. Per user: never stored in a shared cache.
   */
  render(user: User | null): string;
}

/** JSON that can sit inside a <script> element: no `</script>`, no `<!--`. */
function scriptSafeJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function loadWebShell(dist: string | undefined): WebShell | null {
  if (!dist || !existsSync(join(dist, 'index.html'))) return null;
  const index = readFileSync(join(dist, 'index.html'), 'utf8');
  // Classic and JSON scripts without src; only executable ones need a hash, JSON data blocks are never run.
  const scriptSources = [...index.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  // First in <head>: the boot script further down reads it.
  const head = index.indexOf('<head>');
  if (head < 0) throw new Error(`${join(dist, 'index.html')} has no <head>: rebuild the web app (npm run build)`);
  const at = head + '<head>'.length;
  return {
    scriptSources,
    render: (user) =>
      `${index.slice(0, at)}<script type="application/json" id="${SESSION_ELEMENT_ID}">${scriptSafeJson({ user })}</script>${index.slice(at)}`,
  };
}
