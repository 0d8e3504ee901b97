import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { GovNotification, GovPrefillResponse } from '@shuzhi/schema';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import { ApplyForm } from '../src/modules/gov/ApplyForm.tsx';
import { NotificationsList } from '../src/modules/gov/NotificationsList.tsx';
import { VerifyPage } from '../src/modules/gov/VerifyPage.tsx';
import { wallDoor } from '../src/doors/wall/index.tsx';

/**
 * In Uyghur (right to left) every run that is not Uyghur — a Chinese name, a number, an id, a date — must
 * sit in its own bidi isolate (<bdi>, or FSI…PDI inside server text), or the browser reorders it with the
 * sentence around it ("2025-06-01" read as "01-06-2025" beside Arabic script, a Chinese name split).
 */
const foreign = /[\u3400-\u9fff0-9A-Za-z]/;

/** Text nodes with a foreign run and no isolating ancestor (form controls keep their own direction). */
function unisolated(root: HTMLElement): string[] {
  const out: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent ?? '';
    if (!foreign.test(text)) continue;
    const isolated = n.parentElement?.closest('bdi, option, select, input, textarea, svg, [dir]');
    const innerIsolates = /^[^\u2068]*\u2068[^\u2069]*\u2069[^\u2068]*$/u.test(text) && !foreign.test(text.replace(/\u2068[^\u2069]*\u2069/gu, ''));
    if (!isolated && !innerIsolates) out.push(text);
  }
  return out;
}

const prefill: GovPrefillResponse = {
  draftId: 'app_draft1',
  itemId: 'item_newborn',
  fields: [
    { key: 'child.name', label: { zh: '新生儿姓名', en: 'Newborn name' }, type: 'text', serviceIds: ['s'], status: 'filled', optional: false, value: '测试新生儿0001', source: 'certificates.birthMedical.childName', sourceLabel: { zh: '电子证照库', en: 'E-licence library' } },
    { key: 'child.birthDate', label: { zh: '出生日期', en: 'Date of birth' }, type: 'date', serviceIds: ['s'], status: 'filled', optional: false, value: '2025-06-01', source: 'certificates.birthMedical.birthDate', sourceLabel: { zh: '电子证照库', en: 'E-licence library' } },
    { key: 'child.weight', label: { zh: '出生体重（克）', en: 'Birth weight (g)' }, type: 'number', serviceIds: ['s'], status: 'filled', optional: false, value: 3250, source: 'certificates.birthMedical.weight', sourceLabel: { zh: '电子证照库', en: 'E-licence library' } },
    { key: 'parents.married', label: { zh: '父母已婚', en: 'Parents married' }, type: 'boolean', serviceIds: ['s'], status: 'filled', optional: false, value: true, source: 'marriage.married', sourceLabel: { zh: '婚姻登记库', en: 'Marriage registry' } },
    { key: 'contact.phone', label: { zh: '联系电话', en: 'Contact phone' }, type: 'phone', serviceIds: ['s'], status: 'needed', optional: false, blockedByConsent: [] },
  ],
  materials: [{ materialId: 'mat_birth_medical_cert', name: { zh: '出生医学证明', en: 'Birth medical certificate' }, serviceIds: ['s'], status: 'fetched', trustLevel: 'A', certificateIds: ['lic_1'] }],
  ask: { fields: ['contact.phone'], materials: [] },
  commitmentAvailable: false,
};

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Uyghur pages keep foreign runs isolated', () => {
  it('the application form: the page is right to left, registry values, days and numbers are isolated and worded by Intl', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(prefill)));
    const { container } = render(
      <I18nProvider initialLang="ug">
        <ApplyForm itemId="item_newborn" channel="app" stepwise onDone={() => {}} />
      </I18nProvider>,
    );
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ug');
    fireEvent.click(screen.getByTestId('gov-consent-agree'));
    fireEvent.click(screen.getByTestId('gov-prefill'));
    await screen.findByTestId('gov-step');
    expect(unisolated(container)).toEqual([]);
    // Step 1 of 2, the numbers each in a <bdi>.
    expect([...screen.getByTestId('gov-step').querySelectorAll('bdi')].map((b) => b.textContent)).toEqual(['2', '1']);
    // Finish the one question to reach the filled table and the submit screen.
    fireEvent.change(screen.getByTestId('gov-field-contact.phone'), { target: { value: '13900001111' } });
    fireEvent.click(screen.getByText('كېيىنكى قەدەم'));
    await screen.findByTestId('gov-filled-child.birthDate');
    expect(unisolated(container)).toEqual([]);
    expect(screen.getByTestId('gov-filled-child.birthDate').querySelector('bdi:not([lang])')!.textContent).toBe('1-ئىيۇن، 2025');
    expect(screen.getByTestId('gov-filled-child.weight').textContent).toContain('3,250');
    expect(screen.getByTestId('gov-filled-parents.married').textContent).toContain('ھەئە');
    expect(screen.getByTestId('gov-filled-child.name').querySelector('bdi[lang="zh-CN"]')!.textContent).toBe('新生儿姓名');
  });

  it('the notices: Uyghur text with its isolates, older Chinese ones in a <bdi>, dates in a <bdi>', async () => {
    const notes: GovNotification[] = [
      { id: 'ntf_2', kind: 'received', applicationId: 'app_2', message: { zh: '已受理', en: 'Received', ug: '«بوۋاق تۇغۇلۇش» ئىلتىماسىڭىز (\u2068app_2\u2069) قوبۇل قىلىندى' }, at: '2025-06-01T00:30:00Z', readAt: null },
      { id: 'ntf_1', kind: 'ready', applicationId: 'app_1', message: { zh: '您的申请已办结，2 份电子证照已发放', en: 'Done' }, at: '2025-05-01T00:30:00Z', readAt: null },
    ];
    vi.stubGlobal('fetch', vi.fn(async () => json({ items: notes })));
    const { container } = render(
      <I18nProvider initialLang="ug">
        <NotificationsList />
      </I18nProvider>,
    );
    await screen.findByText(/قوبۇل قىلىندى/);
    expect(unisolated(container)).toEqual([]);
  });

  it('the public certificate check: Uyghur words, the language picker, Uyghur dates, the holder and ids isolated', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({
      result: 'valid', certificateId: 'lic_0001', name: { zh: '出生医学证明', en: 'Birth medical certificate' }, issuer: '卫生健康委员会',
      holderName: '测试新生儿0001', issuedAt: '2025-06-01T00:30:00Z', keyId: 'key_1', checkedAt: '2025-06-02T02:00:00Z',
    })));
    const { container } = render(
      <I18nProvider initialLang="ug">
        <VerifyPage id="lic_0001" />
      </I18nProvider>,
    );
    await screen.findByTestId('gov-verdict');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('ئېلېكترونلۇق گۇۋاھنامىنى دەلىللەش');
    expect(screen.getByTestId('lang-ug').getAttribute('aria-pressed')).toBe('true');
    // 08:30 in Beijing, worded from CLDR's Uyghur names (Chromium's ICU has none).
    expect(screen.getByTestId('gov-verify-issued').textContent).toContain('1-ئىيۇن، 2025، 08:30');
    expect(unisolated(container)).toEqual([]);
  });

  it("the wall clock: the day in the wall's language", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ status: 'ok', demo: false })));
    vi.useFakeTimers({ now: new Date('2025-06-01T04:00:00Z'), toFake: ['Date'] });
    try {
      const Layout = wallDoor.Layout;
      render(
        <I18nProvider initialLang="ug">
          <Layout user={{ id: 'u', username: 'viewer', displayName: 'viewer', role: 'viewer', tenantId: null, department: null }} path="/wall" onLogout={() => {}}>
            <p />
          </Layout>
        </I18nProvider>,
      );
      expect(screen.getByTestId('wall-date').textContent).toBe('1-ئىيۇن، 2025');
    } finally {
      vi.useRealTimers();
    }
  });

  it('catches a run left bare (the check can fail)', () => {
    const div = document.createElement('div');
    div.innerHTML = '<p>ئىلتىماس نومۇرى: app_1</p><p>ئىلتىماس <bdi>app_2</bdi></p><p>(\u2068app_3\u2069) قوبۇل</p>';
    expect(unisolated(div)).toEqual(['ئىلتىماس نومۇرى: app_1']);
  });
});
