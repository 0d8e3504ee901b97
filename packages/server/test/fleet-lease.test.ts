// The lease a render farm hands out for its size (workers/fleet-lease.ts), its setting, and the windows
// that must allow the longest lease: figures computed by hand from lease = 3 × nodes / budget seconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { fleetLeaseMs, longestFleetLeaseMs, longestLeaseOf, MAX_FLEET_LEASE_MS } from '../src/workers/fleet-lease.ts';

const DEFAULTS = { floorMs: 30_000, heartbeatsPerSec: 1000 };

test('a small farm keeps the configured lease; past the budget the lease grows to 3 × nodes / budget seconds, up to 120 s', () => {
  assert.equal(fleetLeaseMs(0, DEFAULTS), 30_000);
  assert.equal(fleetLeaseMs(1, DEFAULTS), 30_000);
  // 10,000 nodes every 10 s = 1,000/s: just the budget.
  assert.equal(fleetLeaseMs(10_000, DEFAULTS), 30_000);
  // 3 × 10,001 / 1,000 = 30.003 s, rounded up to the whole second.
  assert.equal(fleetLeaseMs(10_001, DEFAULTS), 31_000);
  // 3 × 20,000 / 1,000 = 60 s: they heartbeat every 20 s, 1,000/s in all.
  assert.equal(fleetLeaseMs(20_000, DEFAULTS), 60_000);
  assert.equal(fleetLeaseMs(40_000, DEFAULTS), 120_000);
  // 150 s would be needed: the maximum holds (the fleet then asks 1,250/s).
  assert.equal(fleetLeaseMs(50_000, DEFAULTS), MAX_FLEET_LEASE_MS);
  assert.equal(MAX_FLEET_LEASE_MS, 120_000);
});

test('the budget scales the lease; 0 turns it off; a configured lease above the maximum wins', () => {
  // 3 × 20,000 / 2,000 = 30 s: the floor.
  assert.equal(fleetLeaseMs(20_000, { floorMs: 30_000, heartbeatsPerSec: 2000 }), 30_000);
  // 3 × 20,000 / 500 = 120 s.
  assert.equal(fleetLeaseMs(20_000, { floorMs: 30_000, heartbeatsPerSec: 500 }), 120_000);
  // 3 × 3 / 1 = 9 s (the render test's tiny budget).
  assert.equal(fleetLeaseMs(3, { floorMs: 3000, heartbeatsPerSec: 1 }), 9000);
  assert.equal(fleetLeaseMs(20_000, { floorMs: 30_000, heartbeatsPerSec: 0 }), 30_000);
  assert.equal(fleetLeaseMs(50_000, { floorMs: 300_000, heartbeatsPerSec: 1000 }), 300_000);
});

test('the longest lease a worker may hold: the maximum, the configured one if longer, or the configured one with the budget off', () => {
  assert.equal(longestFleetLeaseMs(DEFAULTS), 120_000);
  assert.equal(longestFleetLeaseMs({ floorMs: 300_000, heartbeatsPerSec: 1000 }), 300_000);
  assert.equal(longestFleetLeaseMs({ floorMs: 30_000, heartbeatsPerSec: 0 }), 30_000);
  for (const n of [0, 1, 9_999, 10_001, 20_000, 33_333, 40_000, 1_000_000]) assert.ok(fleetLeaseMs(n, DEFAULTS) <= longestFleetLeaseMs(DEFAULTS), `${n} nodes`);
});

test('SHUZHI_HEARTBEAT_BUDGET: default 1,000/s; a bad value fails the start with a message that names the setting', () => {
  const c = loadConfig({});
  assert.equal(c.SHUZHI_HEARTBEAT_BUDGET, 1000);
  assert.equal(longestLeaseOf(c), 120_000);
  assert.equal(loadConfig({ SHUZHI_HEARTBEAT_BUDGET: '0' }).SHUZHI_HEARTBEAT_BUDGET, 0);
  for (const bad of ['-1', '1.5', 'fast']) {
    assert.throws(
      () => loadConfig({ SHUZHI_HEARTBEAT_BUDGET: bad }),
      (err: unknown) => err instanceof ConfigError && /SHUZHI_HEARTBEAT_BUDGET/.test(err.message),
      bad,
    );
  }
});
