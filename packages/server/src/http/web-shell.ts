import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role, User } from '@shuzhi/schema';

/** The element the web app reads its session from at start (packages/web/src/boot/session.ts). */
export const SESSION_ELEMENT_ID = 'shuzhi-session';

/** Where the web build puts the door build (packages/web/vite.config.ts, `vite build --mode door`). */
export const DOOR_DIR = 'door';

/** Whose page carries the door build inline: the citizen app's and the kiosk's users. */
const DOOR_ROLES: ReadonlySet<Role> = new Set<Role>(['citizen', 'enterprise']);

/**
 * The GETs the citizen app's and the kiosk's start screens make first (index.html's boot script starts those
 * it is not handed): a door's shell carries their answers, so the start screen needs no request at all.
 */
export const DOOR_START_DATA = ['/api/gov/catalogue', '/api/gov/notifications', '/api/gov/grants'] as const;

export interface WebShell {
  /**
   * CSP sources for the shell's inline scripts (the early-fetch boot script in index.html, the door build):
   * each allowed by its hash, so `script-src` stays closed to any other inline script.
   */
  scriptSources: string[];
  /**
   * The shell for one request, with who is signed in embedded (null: nobody) so the app paints its door
   * at once instead of asking /api/auth/me a round trip later. Per user: never stored in a shared cache.
   * A citizen's or a company's shell carries the door build itself (scripts and styles), so the door needs
   * no request beyond the page: on a slow link each round trip is ≈ 2 s (`npm run bench -- web`).
   */
  render(user: User | null, startData?: Record<string, unknown>): string;
  /** Whether this user's shell carries the door build (and so the start screen's data, DOOR_START_DATA). */
  carriesDoor(user: User | null): boolean;
}

/** JSON that can sit inside a <script> element: no `</script>`, no `<!--`. */
function scriptSafeJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * index.html with the app's scripts and styles (the tags vite put in <head>) replaced by the door build's,
 * inline; null without a door build. Code that would end its element early is a build defect, refused here.
 */
function doorShell(dist: string, index: string): { html: string; script: string } | null {
  const js = join(dist, DOOR_DIR, 'door.js');
  const css = join(dist, DOOR_DIR, 'door.css');
  if (!existsSync(js) || !existsSync(css)) return null;
  const script = readFileSync(js, 'utf8');
  const style = readFileSync(css, 'utf8');
  if (/<\/script|<!--/i.test(script) || /<\/style/i.test(style)) throw new Error(`${join(dist, DOOR_DIR)}: the door build would end its inline element early`);
  const html = index
    .replace(/<script type="module"[^>]*\bsrc="\/assets\/[^"]*"[^>]*><\/script>\s*/g, '')
    .replace(/<link rel="(modulepreload|stylesheet)"[^>]*\bhref="\/assets\/[^"]*"[^>]*>\s*/g, '')
    // Replacer functions: minified code is full of `$&`-like sequences a replacement string would expand.
    .replace('</head>', () => `<style>${style}</style></head>`)
    .replace('</body>', () => `<script type="module">${script}</script></body>`);
  return { html, script };
}

/** `html` with the session first in <head>: the boot script further down reads it. */
function withSession(html: string, session: { user: User | null; door?: true; data?: Record<string, unknown> }): string {
  const head = html.indexOf('<head>');
  const at = head + '<head>'.length;
  return `${html.slice(0, at)}<script type="application/json" id="${SESSION_ELEMENT_ID}">${scriptSafeJson(session)}</script>${html.slice(at)}`;
}

export function loadWebShell(dist: string | undefined): WebShell | null {
  if (!dist || !existsSync(join(dist, 'index.html'))) return null;
  const index = readFileSync(join(dist, 'index.html'), 'utf8');
  if (!index.includes('<head>')) throw new Error(`${join(dist, 'index.html')} has no <head>: rebuild the web app (npm run build)`);
  // Classic and JSON scripts without src; only executable ones need a hash, JSON data blocks are never run.
  const scriptSources = [...index.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>([\s\S]*?)<\/script>/g)].map((m) => sha256(m[1]!));
  const door = doorShell(dist, index);
  if (door) scriptSources.push(sha256(door.script));
  const carriesDoor = (user: User | null) => door !== null && user !== null && DOOR_ROLES.has(user.role);
  return {
    scriptSources,
    carriesDoor,
    render: (user, startData) => (carriesDoor(user) ? withSession(door!.html, { user, door: true, data: startData ?? {} }) : withSession(index, { user })),
  };
}
