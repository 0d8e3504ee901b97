import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, Platform, seedDemo } from './packages/server/src/index.ts';
import { govMetrics } from './packages/server/src/gov/metrics-query.ts';
const dir = mkdtempSync(join(tmpdir(), 'gov-demo-smoke-'));
const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: dir, LOG_LEVEL: 'info', SHUZHI_DEMO: '1' }) });
await seedDemo(p);
const gov = p.modules.find((m) => m.name === 'gov') as any;
await gov.seedDemo();
await p.start();
const t0 = Date.now();
await gov.startDemo('http://127.0.0.1:0');
const timer = setInterval(async () => {
  const m = await govMetrics(gov.deps.db, gov.catalogue);
  console.log(`t+${Math.round((Date.now() - t0) / 1000)}s cases ${m.totals.cases} closed ${m.totals.closedCases} demo ${m.totals.demoCases}`);
}, 30_000);
await new Promise((r) => setTimeout(r, 9 * 60_000));
clearInterval(timer);
const m = await govMetrics(gov.deps.db, gov.catalogue);
console.log('item                                   cases closed  steps b→a   materials b→a   days b→a   trips b→a  channels');
for (const i of m.items) {
  const f = (x: any) => `${x.before === null ? '–' : x.before.toFixed(1)}→${x.after === null ? '–' : x.after.toFixed(1)}`.padEnd(12);
  console.log(`${i.itemId.padEnd(38)} ${String(i.cases).padStart(5)} ${String(i.closedCases).padStart(6)}  ${f(i.steps)} ${f(i.materials)}    ${f(i.workingDays)} ${f(i.trips)} ${JSON.stringify(i.byChannel)}`);
}
console.log(JSON.stringify(m.totals));
await p.close();
process.exit(0);
