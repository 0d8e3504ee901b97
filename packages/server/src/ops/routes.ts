import { requireRole } from '../auth/principal.ts';
import { principalOf, router } from '../http/context.ts';
import type { PlatformMetrics } from './metrics.ts';

export interface ReadinessCheck {
  /** 'ok' or why not, in words an operator can act on. */
  database: string;
  migrations: string;
  /** Which process runs the work that must happen once: 'self', another replica's id, or why none. */
  leader: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck;
}

/**
 * The operator's surface. `/api/health` (in app.ts) says the process answers; `/api/ready` says it can
 * do its job (a load balancer sends traffic only then); `/metrics` is for Prometheus, with an
 * operator's API token (`authorization: Bearer …` in the scrape config).
 */
export function opsRoutes(parts: { metrics: PlatformMetrics; readiness: () => Promise<Readiness> }) {
  const r = router();
  r.get('/api/ready', async (c) => {
    const s = await parts.readiness();
    c.header('Cache-Control', 'no-store');
    return c.json({ status: s.ready ? 'ready' : 'not-ready', checks: s.checks }, s.ready ? 200 : 503);
  });
  r.get('/metrics', async (c) => {
    requireRole(principalOf(c), ['operator'], 'read the platform\'s metrics');
    const { contentType, body } = await parts.metrics.scrape();
    c.header('Content-Type', contentType);
    c.header('Cache-Control', 'no-store');
    return c.body(body);
  });
  return r;
}
