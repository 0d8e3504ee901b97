import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planCommand } from '@shuzhi/server';

function capture() {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } }, restore() {} };
}

const scenario = {
  version: 1, start: '2023-06-05T00:00:00Z', slotMinutes: 60, slots: 4, regions: ['xinjiang', 'chongqing'],
  links: [{ from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 5 }],
  sites: [
    { id: 'hami', region: 'xinjiang', pools: [{ type: 'gpu', units: 4, busyW: 875, idleW: 350 }], grid: { fenPerKWh: [40, 10, 40, 40], carbonGPerKWh: [600, 600, 600, 600] }, renewables: { kW: [0, 5, 5, 0], fenPerKWh: 20 } },
    { id: 'cq', region: 'chongqing', pools: [{ type: 'gpu', units: 4, busyW: 875, idleW: 350 }], grid: { fenPerKWh: [60, 60, 30, 60], carbonGPerKWh: [500, 500, 500, 500] } },
  ],
  jobs: [
    { id: 'a', type: 'gpu', units: 2, hours: 2, release: 0, deadline: 4, flex: 'rigid', home: 'hami', dataGB: 10, regions: ['xinjiang', 'chongqing'] },
    { id: 'b', type: 'gpu', units: 4, hours: 1, release: 0, deadline: 3, flex: 'divisible', home: 'cq', regions: ['chongqing'] },
  ],
};

test('plan --json prints the DESIGN §4 shape for every policy', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
  const file = path.join(dir, 's.json');
  writeFileSync(file, JSON.stringify(scenario));
  const c = capture();
  let code: number;
  try { code = await planCommand(['--scenario', file, '--json', '--time-limit', '10'], c.io); } finally { c.restore(); rmSync(dir, { recursive: true }); }
  assert.equal(code, 0, c.err.join(''));
  const rep = JSON.parse(c.out.join(''));
  assert.equal(rep.scenario.jobs, 2);
  assert.equal(rep.scenario.sites, 2);
  assert.deepEqual(rep.results.map((r: { policy: string }) => r.policy), ['fifo', 'greedy', 'optimal']);
  for (const r of rep.results) {
    for (const k of ['objective', 'costFen', 'energyKWh', 'greenKWh', 'greenShare', 'carbonKg', 'transferFen', 'deadlineMisses', 'unservedUnitHours', 'solveMs']) {
      assert.equal(typeof r[k], 'number', `${r.policy}.${k}`);
    }
    assert.ok(rep.lowerBound.objective <= r.objective + 1e-6);
  }
  for (const k of ['objective', 'costFen', 'carbonKg']) assert.equal(typeof rep.lowerBound[k], 'number');
});

test('a bad scenario file exits 2 with the bad path named', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
  const file = path.join(dir, 's.json');
  writeFileSync(file, JSON.stringify({ ...scenario, sites: [{ ...scenario.sites[0], grid: { fenPerKWh: [1], carbonGPerKWh: [1, 1, 1, 1] } }, scenario.sites[1]] }));
  const c = capture();
  let code: number, missing: number, notJson: number;
  try {
    code = await planCommand(['--scenario', file], c.io);
    missing = await planCommand(['--scenario', path.join(dir, 'nope.json')], c.io);
    writeFileSync(file, '{');
    notJson = await planCommand(['--scenario', file], c.io);
  } finally { c.restore(); rmSync(dir, { recursive: true }); }
  assert.equal(code, 2);
  assert.equal(missing, 2);
  assert.equal(notJson, 2);
  assert.match(c.err.join(''), /sites\[0\]\.grid\.fenPerKWh: expected 4 values, got 1/);
  assert.match(c.err.join(''), /not valid JSON/);
});
