import type { User } from '@shuzhi/schema';

/**
 * What the shell (index.html, rendered per request by the server) hands the app before its scripts run:
 * who is signed in, and the first GETs of the door being opened, already on their way (the inline boot
 * script starts them). On a slow link each request that waits for the scripts costs a round trip
 * (`npm run bench -- web`), so the app takes these instead of asking again.
 */
declare global {
  interface Window {
    __shuzhiEarly?: Record<string, Promise<Response> | undefined>;
  }
}

/** The response the boot script started for this path (pathname and query), once: a later call asks anew. */
export function takeEarly(path: string): Promise<Response> | undefined {
  const early = globalThis.window?.__shuzhiEarly;
  const r = early?.[path];
  if (r) delete early[path];
  return r;
}

/** The session the server embedded in the shell: undefined when there is none (the dev server, tests), so the app asks. */
export function takeEmbeddedSession(): { user: User | null } | undefined {
  const el = globalThis.document?.getElementById('shuzhi-session');
  if (!el) return undefined;
  // Read once: after a sign-out or an expiry it would be stale.
  el.remove();
  try {
    const v = JSON.parse(el.textContent ?? '') as { user?: User | null };
    return { user: v.user ?? null };
  } catch {
    return undefined;
  }
}
