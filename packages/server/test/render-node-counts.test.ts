import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@shuzhi/schema';
import { NodeCounts } from '../src/render/node-counts.ts';
import type { NodeState } from '../src/render/state.ts';

/** The shortest lease; each node heartbeats on its own, one to four times that (a big farm's longer leases). */
const LEASE = 1000;

function tally(counts: NodeCounts, nodes: NodeState[], now: number) {
  const t = { total: nodes.length, idle: 0, busy: 0, offline: 0 };
  for (const n of nodes) t[counts.statusOf(n, now)]++;
  return t;
}

test('the node counters agree with a walk over every node after any sequence of syncs, tasks, departures and silences, each node judged on its own lease', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = createRng(seed);
    const counts = new NodeCounts(() => LEASE);
    const nodes: NodeState[] = [];
    let now = 0;
    for (let step = 0; step < 400; step++) {
      now += rng.int(0, 400);
      const n = nodes.length && rng.next() < 0.9 ? nodes[rng.int(0, nodes.length - 1)]! : null;
      if (!n) {
        // A node first known from a persisted lease: away until it syncs.
        const fresh: NodeState = { id: `n${nodes.length}`, siteId: 's', tags: [], slots: 1, lastSeen: 0, persistedAt: 0, inSync: 0, left: true, tasks: new Set(), leaseMs: LEASE * rng.int(1, 4) };
        nodes.push(fresh);
        counts.update(fresh);
      } else {
        switch (rng.int(0, 5)) {
          case 0: // a sync begins; its answer names the lease the node heartbeats on from now
            n.left = false;
            n.leaseMs = LEASE * rng.int(1, 4);
            n.lastSeen = now;
            counts.seen(n);
            n.inSync++;
            break;
          case 1: // a sync ends
            if (n.inSync > 0) n.inSync--;
            n.lastSeen = now;
            counts.seen(n);
            break;
          case 2:
            n.tasks.add(`t${step}`);
            counts.update(n);
            break;
          case 3:
            n.tasks.delete([...n.tasks][0]!);
            counts.update(n);
            break;
          case 4:
            n.left = true;
            counts.update(n);
            break;
          default: // time passes; only the sweep sees it
            break;
        }
      }
      counts.sweep(now);
      assert.deepEqual(counts.get(), tally(counts, nodes, now), `seed ${seed}, step ${step}`);
    }
  }
});
