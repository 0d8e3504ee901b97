import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { GovPrefillResponse } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { ApplyForm } from '../src/modules/gov/ApplyForm.tsx';
import { VerifyPage } from '../src/modules/gov/VerifyPage.tsx';

const prefill: GovPrefillResponse = {
  draftId: 'app_draft1',
  itemId: 'item_newborn',
  fields: [
    { key: 'child.name', label: { zh: '新生儿姓名', en: 'Newborn name' }, type: 'text', serviceIds: ['s'], status: 'filled', optional: false, value: '测试新生儿0001', source: 'certificates.birthMedical.childName', sourceLabel: { zh: '电子证照库', en: 'E-licence library' } },
    { key: 'contact.phone', label: { zh: '联系电话', en: 'Contact phone' }, type: 'phone', serviceIds: ['s'], status: 'needed', optional: false, blockedByConsent: [] },
  ],
  materials: [{ materialId: 'mat_birth_medical_cert', name: { zh: '出生医学证明', en: 'Birth medical certificate' }, serviceIds: ['s'], status: 'fetched', trustLevel: 'A', certificateIds: ['lic_1'] }],
  ask: { fields: ['contact.phone'], materials: [] },
  commitmentAvailable: false,
};

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('gov ApplyForm', () => {
  it('shows what was filled and from where, asks only the rest, and puts a server field error on its field', async () => {
    const calls: { url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ url, body });
      if (url.endsWith('/gov/prefill')) return json(200, prefill);
      return json(400, { type: 'x', title: 'VALIDATION_FAILED', status: 400, code: 'VALIDATION_FAILED', detail: 'bad', errors: [{ path: 'answers.contact.phone', message: '手机号码应为以1开头的11位数字 / a mobile number has 11 digits starting with 1' }] });
    }));
    render(
      <I18nProvider initialLang="en">
        <ApplyForm itemId="item_newborn" channel="app" onDone={() => {}} />
      </I18nProvider>,
    );
    expect((screen.getByTestId('gov-prefill') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('gov-consent-agree'));
    fireEvent.click(screen.getByTestId('gov-prefill'));
    await screen.findByTestId('gov-form');
    expect(screen.getByTestId('gov-filled-child.name').textContent).toContain('E-licence library');
    expect(screen.queryByTestId('gov-field-child.name')).toBeNull();
    fireEvent.change(screen.getByTestId('gov-field-contact.phone'), { target: { value: '12' } });
    fireEvent.click(screen.getByTestId('gov-submit'));
    await screen.findByTestId('gov-error-answers.contact.phone');
    const submit = calls.find((c) => c.url.endsWith('/gov/applications'))!;
    expect(submit.body).toMatchObject({ itemId: 'item_newborn', draftId: 'app_draft1', answers: { 'contact.phone': '12' } });
    // The same form resubmits with the same idempotency key.
    fireEvent.click(screen.getByTestId('gov-submit'));
    await waitFor(() => expect(calls.filter((c) => c.url.endsWith('/gov/applications')).length).toBe(2));
    const [a, b] = calls.filter((c) => c.url.endsWith('/gov/applications')).map((c) => (c.body as { idempotencyKey: string }).idempotencyKey);
    expect(a).toBe(b);
  });
});

describe('gov VerifyPage', () => {
  it('says tampered when the server says so', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { result: 'tampered', certificateId: 'X', name: null, issuer: null, holderName: null, issuedAt: null, keyId: null, checkedAt: '2026-01-01T00:00:00Z' })));
    render(
      <I18nProvider initialLang="zh-CN">
        <VerifyPage id="X" />
      </I18nProvider>,
    );
    const v = await screen.findByTestId('gov-verdict');
    expect(v.getAttribute('data-result')).toBe('tampered');
    expect(v.textContent).toContain('篡改');
  });
});
