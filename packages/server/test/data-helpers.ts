import type { DataServerModule } from '../src/data/module.ts';
import { client, login, type TestPlatform } from './helpers.ts';

export const dataOf = (t: TestPlatform) => t.p.modules.find((m) => m.name === 'data') as DataServerModule;

export type DataClient = ReturnType<typeof client> & { putCsv(path: string, csv: string): Promise<{ status: number; body: any }> };

/** A signed-in user's client, with a raw text/csv PUT for dataset uploads. */
export async function dataClient(t: TestPlatform, username: string): Promise<DataClient> {
  const cookie = await login(t.url, username);
  return {
    ...client(t.url, { cookie }),
    async putCsv(path, csv) {
      const res = await fetch(`${t.url}${path}`, { method: 'PUT', headers: { cookie, origin: t.url, 'content-type': 'text/csv' }, body: csv });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

export const METER_COUNTIES = ['沙湾', '玛纳斯', '石河子'];

/** A small metered-energy product at the Urumqi site (region xinjiang). */
export function meterProduct(over: Record<string, unknown> & { policy?: Record<string, unknown> } = {}): Record<string, unknown> {
  const { policy, ...rest } = over;
  return {
    title: { zh: '测试电表用电量', en: 'Test meter energy use' },
    description: { zh: '按县统计的电表读数（测试）', en: 'Meter readings by county (test)' },
    domain: 'green',
    siteId: 'urumqi',
    synthetic: true,
    source: 'test fixture',
    licence: 'CC0',
    feeFenPerUse: 300,
    schema: {
      columns: [
        { name: 'county', type: 'string', role: 'dimension', categories: METER_COUNTIES },
        { name: 'meter_id', type: 'string', role: 'identifier' },
        { name: 'kwh', type: 'number', role: 'measure', bounds: [0, 100] },
      ],
    },
    policy: {
      permissions: [{ action: 'aggregate', constraints: [] }],
      output: { kind: 'k-anonymity', k: 3 },
      computeRegions: ['xinjiang'],
      approval: 'automatic',
      ...policy,
    },
    ...rest,
  };
}

/** `rows` meter readings spread over the counties, deterministic. */
export function meterCsv(rows: number): string {
  const lines = ['meter_id,county,kwh'];
  for (let i = 0; i < rows; i++) lines.push(`m${i},${METER_COUNTIES[i % METER_COUNTIES.length]},${(i * 7) % 100}`);
  return `${lines.join('\n')}\n`;
}
