import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { User } from '@shuzhi/schema';
import { UserProvider } from '../src/api/context.tsx';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';

const quota = (tenantId: string, nominal: number, used: number, borrowed: number, lent: number) => ({
  tenantId, project: null, type: 'gpu', nominal, cohort: 'ai', borrowingLimit: null, lendingLimit: 16, used, borrowed, lent,
});
const set = vi.fn(async (body: { tenantId: string; type: string }) => ({ ...quota(body.tenantId, 8, 0, 0, 0), ...body }));

vi.mock('../src/modules/quotas/api.ts', () => ({
  quotaApi: {
    list: vi.fn(async () => ({ items: [quota('karamay-studio', 32, 8, 0, 16), quota('tianshan-ai', 64, 80, 16, 0)] })),
    fairShare: vi.fn(async () => ({ halfLifeHours: 168, rows: [{ tenantId: 'tianshan-ai', shares: 1, normShares: 0.5, effectiveUsage: 12.5, normUsage: 1, factor: 0.25 }] })),
    set,
  },
}));

const { QuotasPage } = await import('../src/modules/quotas/QuotasPage.tsx');

afterEach(cleanup);

const page = (role: User['role'], lang: 'en' | 'zh-CN' = 'en') =>
  render(
    <I18nProvider initialLang={lang}>
      <UserProvider user={{ id: 'u', username: 'u', displayName: 'U', role, tenantId: role === 'tenant' ? 'tianshan-ai' : null } as User}>
        <QuotasPage />
      </UserProvider>
    </I18nProvider>,
  );

describe('quotas page', () => {
  it('shows use, borrowed and lent per tenant and the fair-share factor', async () => {
    page('operator');
    const row = (await screen.findByTestId('quota-tianshan-ai-gpu')).textContent!;
    expect(row).toContain('80');
    expect(row).toContain('16');
    expect(screen.getByTestId('quota-karamay-studio-gpu').textContent).toContain('16');
    expect(screen.getByTestId('fairshare-table').textContent).toContain('0.2500');
    expect(screen.getByText('usage half-life 168 h')).toBeTruthy();
  });

  it('an operator sets a quota through the form; a tenant has no form', async () => {
    page('operator');
    const form = await screen.findByTestId('quota-form');
    const inputs = form.querySelectorAll('input');
    fireEvent.change(inputs[0]!, { target: { value: 'xju-lab' } });
    fireEvent.change(inputs[2]!, { target: { value: '12' } });
    fireEvent.submit(form);
    expect(await screen.findByText('Saved the gpu quota of xju-lab')).toBeTruthy();
    expect(set).toHaveBeenCalledWith(expect.objectContaining({ tenantId: 'xju-lab', nominal: 12, project: null, borrowingLimit: null }));
    cleanup();
    page('tenant', 'zh-CN');
    await screen.findByTestId('quotas-table');
    expect(screen.queryByTestId('quota-form')).toBeNull();
    expect(screen.getByText('借入')).toBeTruthy();
  });
});
