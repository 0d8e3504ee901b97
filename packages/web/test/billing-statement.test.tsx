import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import type { Statement } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';

const statement: Statement = {
  month: '2026-11',
  tenantId: 'xj-energy-data',
  tenantName: 'Xinjiang Energy Data (demo)',
  openingFen: 0,
  closingFen: 0,
  chargedFen: 0,
  voucherFen: 0,
  walletFen: 0,
  topUpsFen: 0,
  dataFeesFen: 0,
  dataIncomeFen: 285,
  lines: [],
  topUps: [],
  bySite: [],
  dataUses: [
    { useId: 'du_a1', contractId: 'dc_1', productId: 'dp_1', siteId: 'urumqi', role: 'provider', counterpartyTenantId: 'tianshan-ai', feeFen: 300, platformFeeFen: 15, providerFen: 285, releasedAt: '2026-11-20T08:00:00.000Z' },
  ],
  dataIncomeClosingFen: 285,
} as unknown as Statement;

vi.mock('../src/modules/billing/api.ts', () => ({
  billingApi: { statement: vi.fn(async () => statement), csvUrl: () => '/x.csv' },
}));

const { StatementPage } = await import('../src/modules/billing/StatementPage.tsx');

afterEach(cleanup);

describe('the monthly statement shows the data space', () => {
  it('a provider sees its data income and each use it earned from, with the commission', async () => {
    render(
      <I18nProvider initialLang="en">
        <StatementPage month="2026-11" tenantId="xj-energy-data" />
      </I18nProvider>,
    );
    expect(await screen.findByText('Data uses (数据要素×)')).toBeTruthy();
    const row = screen.getByText('du_a1').closest('tr')!;
    expect(row.textContent).toContain('earned as provider');
    expect(row.textContent).toContain('tianshan-ai');
    expect(row.textContent).toContain('¥0.15');
    expect(row.textContent).toContain('¥2.85');
    expect(screen.getByText(/Data income \(after commission\)/).textContent).toContain('¥2.85');
  });

  it('a month without data uses has no data-use table', async () => {
    statement.dataUses = [];
    render(
      <I18nProvider initialLang="zh-CN">
        <StatementPage month="2026-11" tenantId="xj-energy-data" />
      </I18nProvider>,
    );
    expect(await screen.findByText(/数据使用费（支出）/)).toBeTruthy();
    expect(screen.queryByText('数据使用（数据要素×）')).toBeNull();
  });
});
