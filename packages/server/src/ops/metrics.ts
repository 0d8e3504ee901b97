import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MiddlewareHandler } from 'hono';

export type LabelValues = Record<string, string>;
export interface Sample {
  labels?: LabelValues;
  value: number;
}

/** Process figures (CPU, memory, event-loop lag, GC) are the process's, not one platform's: gathered once. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'shuzhi_' });
  }
  return processRegistry;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The platform's Prometheus metrics. Each module adds its own figures through `gauge`, `counterOf`
 * and `histogram` (ServerModule.metrics); figures kept elsewhere (a queue's length, a table's counts)
 * are read when Prometheus scrapes, so nothing is counted twice.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly durations: Histogram<'method' | 'route'>;

  constructor() {
    this.requests = new Counter({
      name: 'shuzhi_http_requests_total',
      help: 'HTTP requests answered, by method, matched route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.durations = new Histogram({
      name: 'shuzhi_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the first byte of a stream), by method and matched route',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
  }

  /** A gauge whose samples are read at scrape time. A failing read leaves the gauge empty, not the scrape. */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Sample[] | Promise<Sample[]>): void {
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      async collect() {
        this.reset();
        let samples: Sample[];
        try {
          samples = await read();
        } catch {
          return;
        }
        for (const s of samples) this.set(s.labels ?? {}, s.value);
      },
    });
  }

  /**
   * A counter mirroring numbers that only grow, kept by the code that counts (the farm's assignments,
   * verifications by result): `read` gives each series' total so far.
   */
  counterOf(name: string, help: string, read: () => number): void;
  counterOf(name: string, help: string, labelNames: readonly string[], read: () => Sample[]): void;
  counterOf(name: string, help: string, a: readonly string[] | (() => number), b?: () => Sample[]): void {
    const labelNames = typeof a === 'function' ? [] : [...a];
    const read: () => Sample[] = typeof a === 'function' ? () => [{ value: a() }] : b!;
    const seen = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        for (const s of read()) {
          const key = JSON.stringify(s.labels ?? {});
          // A restarted source starts again from 0; Prometheus' rate() treats a drop as a reset too.
          const before = Math.min(seen.get(key) ?? 0, s.value);
          // inc by 0 too: a series that exists but has not moved yet is shown as 0, not missing.
          this.inc(s.labels ?? {}, Math.max(0, s.value - before));
          seen.set(key, s.value);
        }
      },
    });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets = DURATION_BUCKETS): Histogram<L> {
    return new Histogram({ name, help, labelNames: [...labelNames], buckets, registers: [this.registry] });
  }

  /** Counts and times every request by its matched route (never the raw path: ids would explode the series). */
  http(): MiddlewareHandler {
    return async (c, next) => {
      const start = process.hrtime.bigint();
      try {
        await next();
      } finally {
        const route = c.req.path.startsWith('/api/') || c.req.path === '/metrics' ? routeOf(c.req) : 'web';
        this.countRequest(c.req.method, route, c.res.status, start);
      }
    };
  }

  /** One answered request, by its matched route (as the app's router names it), timed from `start` (hrtime). */
  countRequest(method: string, route: string, status: number, start: bigint): void {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    this.requests.inc({ method, route, status: String(status) });
    this.durations.observe({ method, route }, seconds);
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([this.registry, processMetrics()]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

function routeOf(req: { routePath: string }): string {
  try {
    const r = req.routePath;
    return r === '*' || r === '/*' || r === '/api/*' ? 'unmatched' : r;
  } catch {
    return 'unmatched';
  }
}
