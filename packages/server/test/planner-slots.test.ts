import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localHour, parseScenario, SLOT_MINUTES } from '@shuzhi/compute';
import { PLANNER_SLOT_MINUTES, PlannerSettings } from '@shuzhi/schema';
import { buildLiveScenario, type LiveJob } from '../src/planner/live-scenario.ts';
import { DEFAULT_SETTINGS } from '../src/planner/service.ts';
import { smallSite } from './helpers.ts';

const site = smallSite('a');
site.power.carbonGPerKWh = Array.from({ length: 24 }, (_, h) => 100 * h);
site.power.tariffFenPerKWh = Array.from({ length: 24 }, (_, h) => h + 1);
// 10:20 UTC: the current 15-minute slot starts at 10:15, the current hour at 10:00.
const NOW = Date.parse('2026-03-02T10:20:00Z');
const job: LiveJob = {
  id: 'j', tenantId: 't', type: 'cpu', units: 2, hours: 0.5, home: 'a', dataGB: 0, regions: [],
  releaseAt: Date.parse('2026-03-02T11:40:00Z'), deadlineAt: null,
};

function build(slotMinutes: number) {
  return buildLiveScenario({
    nowMs: NOW, settings: { ...DEFAULT_SETTINGS, horizonHours: 4, defaultSlackHours: 1, slotMinutes },
    sites: [site], links: [], jobs: [job], busyUnits: () => 0,
  });
}

test('the live planner plans in the network\'s slot length: 15-minute slots, hourly tables resampled', () => {
  const b = build(15);
  const s = parseScenario(b.scenario);
  assert.equal(b.startMs, Date.parse('2026-03-02T10:15:00Z'));
  assert.equal(s.slotMinutes, 15);
  assert.equal(s.slots, 16); // 4 hours × 4
  // Slot t starts at 10:15 + 15 min × t; each takes its Beijing hour's value (10:15 UTC is 18:15 BJT).
  for (let t = 0; t < s.slots; t++) {
    const h = localHour(b.startMs + t * 15 * 60_000);
    assert.equal(s.sites[0]!.grid.carbonGPerKWh[t], 100 * h, `slot ${t}`);
    assert.equal(s.sites[0]!.grid.fenPerKWh[t], h + 1, `slot ${t}`);
  }
  // Released 11:40 → slot 5 (11:30–11:45); 0.5 h is 2 slots; 1 h of slack is 4 slots: deadline 5 + 2 + 4.
  assert.deepEqual({ release: s.jobs[0]!.release, deadline: s.jobs[0]!.deadline }, { release: 5, deadline: 11 });
});

test('the live planner at the default 60-minute slots is unchanged: hourly slots from the current hour', () => {
  const b = build(60);
  const s = parseScenario(b.scenario);
  assert.equal(b.startMs, Date.parse('2026-03-02T10:00:00Z'));
  assert.equal(s.slots, 4);
  // Released 11:40 → slot 1; 0.5 h holds 1 slot; 1 h of slack: deadline 1 + 1 + 1.
  assert.deepEqual({ release: s.jobs[0]!.release, deadline: s.jobs[0]!.deadline }, { release: 1, deadline: 3 });
  assert.equal(DEFAULT_SETTINGS.slotMinutes, 60);
});

test('planner settings: slotMinutes defaults to 60 and must be 5, 15, 30 or 60 (the error names the field)', () => {
  const { slotMinutes: _omit, ...rest } = DEFAULT_SETTINGS;
  assert.equal(PlannerSettings.parse(rest).slotMinutes, 60);
  for (const ok of [5, 15, 30, 60]) assert.equal(PlannerSettings.parse({ ...rest, slotMinutes: ok }).slotMinutes, ok);
  const bad = PlannerSettings.safeParse({ ...rest, slotMinutes: 20 });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((i) => [i.path.join('.'), i.message]), [['slotMinutes', 'slotMinutes must be one of 5, 15, 30, 60']]);
  // The settings accept exactly the slot lengths a scenario accepts.
  assert.deepEqual(PLANNER_SLOT_MINUTES, [...SLOT_MINUTES]);
});
