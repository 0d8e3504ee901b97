import { streamSSE } from 'hono/streaming';
import type { Principal } from '../../auth/principal.ts';
import type { EventBus, PublishedEvent } from '../../events/bus.ts';
import { principalOf, router } from '../context.ts';

/** Tenants get their own tenant's events and the network's live figures; staff roles get all. */
function visible(p: Principal, e: PublishedEvent): boolean {
  if (p.role === 'operator' || p.role === 'viewer') return true;
  if (e.entity === 'live') return true;
  return e.tenantId !== null && e.tenantId === p.tenantId;
}

export function eventRoutes(bus: EventBus) {
  const r = router();
  r.get('/api/events', (c) => {
    const p = principalOf(c);
    return streamSSE(c, async (stream) => {
      const queue: PublishedEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = bus.subscribe((e) => {
        if (!visible(p, e)) return;
        queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ user: p.username }) });
      while (!stream.aborted && !stream.closed) {
        if (queue.length === 0) {
          await new Promise<void>((res) => {
            wake = res;
            setTimeout(res, 15_000);
          });
          wake = null;
          if (queue.length === 0) {
            await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
        }
        const batch = queue.splice(0, queue.length);
        for (const { tenantId: _t, ...e } of batch) {
          await stream.writeSSE({ data: JSON.stringify(e), ...(e.id ? { id: String(e.id) } : {}) });
        }
      }
      unsubscribe();
    });
  });
  return r;
}
