import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DataUsagePolicy, type DataProduct } from '@shuzhi/schema';
import { translate } from '../../i18n/dictionaries.ts';
import { I18nProvider } from '../../i18n/I18nProvider.tsx';
import type { Lang } from '../../i18n/lang.ts';
import { policyInWords } from './policy.ts';
import { buildUseRequest, emptyQueryForm, parseCsv, type QueryForm } from './query.ts';
import { QueryBuilder } from './QueryBuilder.tsx';
import { CataloguePage } from './CataloguePage.tsx';

const tr = (lang: Lang) => (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate(lang, key, params);

const kPolicy = DataUsagePolicy.parse({
  permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'planning'] }] }, { action: 'join' }],
  prohibitions: [{ action: 'train' }],
  duties: [{ action: 'pay-per-use' }, { action: 'attribute' }],
  output: { kind: 'k-anonymity', k: 10 },
  computeRegions: ['xinjiang'],
  resultsMayLeaveRegion: false,
  approval: 'provider',
  contractDays: 90,
});
const dpPolicy = DataUsagePolicy.parse({ permissions: [{ action: 'aggregate' }], output: { kind: 'differential-privacy', epsilonBudget: 3, maxEpsilonPerQuery: 0.5 }, computeRegions: ['xinjiang', 'gansu'] });

const schema: DataProduct['schema'] = {
  columns: [
    { name: 'meter_id', type: 'string', role: 'identifier' },
    { name: 'county', type: 'string', role: 'dimension', categories: ['Hami', 'Turpan'] },
    { name: 'year', type: 'integer', role: 'dimension' },
    { name: 'energy_kwh', type: 'number', role: 'measure', bounds: [0, 1000] },
  ],
};

describe('the usage policy in plain words', () => {
  it('says in English what is allowed, prohibited and owed, the output rule, where it runs, who approves and for how long', () => {
    const lines = policyInWords(kPolicy, 1250, tr('en'));
    expect(lines.map((l) => l.kind)).toEqual(['permission', 'permission', 'prohibition', 'duty', 'duty', 'output', 'regions', 'leave', 'approval', 'term']);
    const text = lines.map((l) => l.text);
    expect(text[0]).toBe('Allowed: aggregate queries (when the purpose is one of research, planning)');
    expect(text[1]).toBe('Allowed: joins with your own data');
    expect(text[2]).toBe('Prohibited: model training next to the data');
    expect(text[3]).toContain('¥12.50 per use');
    expect(text[5]).toContain('at least 10 records');
    expect(text[6]).toContain('xinjiang');
    expect(text[7]).toContain('may not leave');
    expect(text[8]).toContain('provider decides every request');
    expect(text[9]).toBe('Contract term: 90 days');
  });

  it('says the same in Chinese, with the ε budget for a differentially private product', () => {
    const text = policyInWords(dpPolicy, 0, tr('zh-CN')).map((l) => l.text);
    expect(text[0]).toBe('允许：聚合统计查询');
    expect(text.find((l) => l.startsWith('输出规则'))).toContain('ε = 3');
    expect(text.find((l) => l.startsWith('输出规则'))).toContain('最多花费 ε = 0.5');
    expect(text.find((l) => l.startsWith('计算地点'))).toContain('xinjiang、gansu');
    expect(text).toContain('结果可交付给区域外的使用方');
    expect(text).toContain('审批：符合政策的申请自动同意并签署合同');
    expect(text.some((l) => l.startsWith('义务'))).toBe(false);
  });

  it('shows a constraint it has no words for as written, rather than hiding it', () => {
    const odd = { ...kPolicy, permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'spatial', operator: 'within', rightOperand: 'CN-65' }] }] };
    expect(policyInWords(odd, 0, tr('en'))[0]!.text).toBe('Allowed: aggregate queries (when spatial within CN-65)');
  });
});

describe('the query builder’s request', () => {
  const t = tr('en');
  const product = { schema, policy: kPolicy };
  const form = (patch: Partial<QueryForm>): QueryForm => ({ ...emptyQueryForm, ...patch });

  it('builds an aggregate with typed filter values', () => {
    const r = buildUseRequest(
      'dc_1',
      product,
      form({
        measures: [{ fn: 'count', column: '' }, { fn: 'sum', column: 'energy_kwh' }],
        groupBy: ['county'],
        filters: [{ column: 'year', op: 'in', value: '2023, 2024' }, { column: 'county', op: 'neq', value: 'Hami' }],
      }),
      t,
    );
    expect(r).toEqual({
      ok: true,
      body: {
        contractId: 'dc_1',
        query: {
          action: 'aggregate',
          measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }],
          groupBy: ['county'],
          filters: [{ column: 'year', op: 'in', value: [2023, 2024] }, { column: 'county', op: 'neq', value: 'Hami' }],
        },
      },
    });
  });

  it('names the missing measure column and, under differential privacy, a missing or too large ε', () => {
    const bad = buildUseRequest('dc_1', product, form({ measures: [{ fn: 'avg', column: '' }] }), t);
    expect(bad.ok ? null : bad.errors['measures.0']).toBe('Pick a measure column');
    const dp = { schema, policy: dpPolicy };
    const none = buildUseRequest('dc_1', dp, form({}), t);
    expect(none.ok ? null : Object.keys(none.errors)).toEqual(['epsilon']);
    const big = buildUseRequest('dc_1', dp, form({ epsilon: '0.8' }), t);
    expect(big.ok ? null : big.errors.epsilon).toBe('A query spends at most ε = 0.5');
    const fine = buildUseRequest('dc_1', dp, form({ epsilon: '0.25', groupBy: ['county'] }), t);
    expect(fine.ok && fine.body.query.epsilon).toBe(0.25);
  });

  it('turns pasted CSV into a join on the consumer’s rows, and refuses a join key the CSV lacks', () => {
    const csv = 'meter_id,tariff\nM001,A\n"M,002",B\nM003,\n';
    expect(parseCsv(csv)).toEqual({ columns: ['meter_id', 'tariff'], rows: [['M001', 'A'], ['M,002', 'B'], ['M003', null]] });
    const ok = buildUseRequest('dc_1', product, form({ joinCsv: csv, joinOn: 'meter_id', joinGroupBy: ['tariff'] }), t);
    expect(ok.ok && ok.body.query).toMatchObject({ action: 'join', join: { on: 'meter_id', columns: ['meter_id', 'tariff'], groupBy: ['tariff'] } });
    const missing = buildUseRequest('dc_1', product, form({ joinCsv: 'id,tariff\n1,A', joinOn: 'meter_id' }), t);
    expect(missing.ok ? null : missing.errors.join).toContain('meter_id');
  });
});

describe('QueryBuilder', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('offers only measure columns to aggregate and dimensions to group by, and posts the use request', async () => {
    const posted: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init?: RequestInit) => {
        posted.push(JSON.parse(String(init?.body)));
        return new Response(JSON.stringify({ id: 'du_1' }), { status: 201, headers: { 'content-type': 'application/json' } });
      }),
    );
    const submitted = vi.fn();
    const product = { id: 'dp_1', schema, policy: kPolicy } as DataProduct;
    render(
      <I18nProvider initialLang="en">
        <QueryBuilder contractId="dc_9" product={product} onSubmitted={submitted} />
      </I18nProvider>,
    );
    expect(screen.queryByTestId('data-query-group-meter_id')).toBeNull();
    expect(screen.queryByTestId('data-query-group-energy_kwh')).toBeNull();
    fireEvent.click(screen.getByTestId('data-query-add-measure'));
    const columns = screen.getByTestId('data-query-column-1') as HTMLSelectElement;
    expect([...columns.options].map((o) => o.value)).toEqual(['', 'energy_kwh']);
    fireEvent.change(columns, { target: { value: 'energy_kwh' } });
    fireEvent.click(screen.getByTestId('data-query-group-county'));
    fireEvent.click(screen.getByTestId('data-query-submit'));
    await waitFor(() => expect(submitted).toHaveBeenCalledWith({ id: 'du_1' }));
    expect(posted[0]).toMatchObject({ contractId: 'dc_9', query: { action: 'aggregate', measures: [{ fn: 'count' }, { fn: 'sum', column: 'energy_kwh' }], groupBy: ['county'], filters: [] } });
    expect((posted[0] as { idempotencyKey: string }).idempotencyKey.length).toBeGreaterThanOrEqual(8);
  });
});

describe('CataloguePage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('counts products per domain on the chips, labels synthetic sets, and asks the server for the domain picked', async () => {
    const asked: string[] = [];
    const cotton = {
      id: 'dp_cotton',
      providerTenantId: 'xj-agri',
      providerName: '新疆农业数据',
      title: { zh: '棉田传感器', en: 'Cotton field sensors' },
      description: { zh: '合成', en: 'synthetic' },
      domain: 'agriculture',
      siteId: 'hami',
      regionId: 'xinjiang',
      schema,
      synthetic: true,
      source: 'generated',
      quality: '',
      licence: 'CC BY 4.0',
      feeFenPerUse: 500,
      policy: kPolicy,
      state: 'listed',
      rows: 12000,
      preview: [],
      createdAt: '2026-12-01T00:00:00Z',
    };
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        const body = url.startsWith('/api/data/domains')
          ? { items: [{ domain: 'agriculture', name: { zh: '现代农业', en: 'Modern agriculture' }, products: 1 }] }
          : url.startsWith('/api/data/products')
            ? { items: [cotton], total: 1 }
            : { items: [] };
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    render(
      <I18nProvider initialLang="en">
        <CataloguePage />
      </I18nProvider>,
    );
    const card = await screen.findByTestId('data-product-dp_cotton');
    expect(card.textContent).toContain('Synthetic');
    expect(card.textContent).toContain('groups ≥ 10');
    expect(card.textContent).toContain('¥5.00 per use');
    await waitFor(() => expect(screen.getByTestId('data-chip-agriculture').textContent).toBe('Modern agriculture1'));
    expect(screen.getByTestId('data-chip-green').textContent).toBe('Green and low-carbon0');
    fireEvent.click(screen.getByTestId('data-chip-agriculture'));
    await waitFor(() => expect(asked).toContain('/api/data/products?domain=agriculture'));
  });
});
