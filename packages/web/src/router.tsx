import { useEffect, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

/**
 * Hash routing (`#/compute/jobs`): deep links work from any static host and need nothing from the server.
 */
export function currentPath(): string {
  const raw = typeof location === 'undefined' ? '' : location.hash.replace(/^#/, '');
  const path = raw.split('?')[0] ?? '';
  return path.startsWith('/') ? path : '/';
}

/** A parameter of the route's query (`#/compute/workers?site=x`, `site` → `x`); null when absent. */
export function routeQueryParam(name: string): string | null {
  const raw = typeof location === 'undefined' ? '' : location.hash.replace(/^#/, '');
  const at = raw.indexOf('?');
  return at < 0 ? null : new URLSearchParams(raw.slice(at + 1)).get(name);
}

/** Rewrites the route's query in place (no navigation, no history entry), so a filter survives a reload or a shared link. */
export function replaceRouteQuery(params: Record<string, string | null | undefined>): void {
  if (typeof location === 'undefined' || typeof history === 'undefined') return;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const qs = q.toString();
  history.replaceState(history.state, '', `#${currentPath()}${qs ? `?${qs}` : ''}`);
}

export function navigate(path: string): void {
  if (currentPath() === path) return;
  location.hash = path;
}

export function useRoutePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return path;
}

/** `/compute/jobs/:id` against `/compute/jobs/job_1` → `{ id: 'job_1' }`; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const val = s[i]!;
    if (seg.startsWith(':')) {
      try {
        params[seg.slice(1)] = decodeURIComponent(val);
      } catch {
        return null;
      }
    } else if (seg !== val) return null;
  }
  return params;
}

export function hrefFor(path: string): string {
  return `#${path}`;
}

export function Link({
  to,
  children,
  ...rest
}: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  return (
    <a href={hrefFor(to)} {...rest}>
      {children}
    </a>
  );
}
