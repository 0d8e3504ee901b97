import type { Principal } from '../../auth/principal.ts';
import type { EventBus, PublishedEvent } from '../../events/bus.ts';
import { principalOf, router } from '../context.ts';
import { liveStream } from '../sse.ts';

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
    return liveStream<PublishedEvent>(c, {
      subscribe: (push) => bus.subscribe((e) => {
        if (visible(p, e)) push(e);
      }),
      first: () => ({ event: 'hello', data: JSON.stringify({ user: p.username }) }),
      // The tenant field decides who sees an event; it does not go to the browser.
      toMessages: (batch) => batch.map(({ tenantId: _t, ...e }) => ({ data: JSON.stringify(e), ...(e.id ? { id: String(e.id) } : {}) })),
    });
  });
  return r;
}
