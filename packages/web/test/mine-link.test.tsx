import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { MineCertificates, MineFaceState, User } from '@shuzhi/schema';
import { UserProvider } from '../src/api/context.tsx';
import { I18nProvider } from '../src/i18n/I18nProvider.tsx';
import type { Lang } from '../src/i18n/lang.ts';
import { InsecureBanner, LinkStatus, SecurityPanel } from '../src/modules/mine/LinkSecurity.tsx';
import { SettingsPage } from '../src/modules/mine/SettingsPage.tsx';

const PLC = 'ab'.repeat(20);
const OWN = 'cd'.repeat(20);
const engineer: User = { id: 'u_e', username: 'mine-engineer', displayName: 'Engineer', role: 'mine-engineer', tenantId: null, department: null };
const viewer: User = { id: 'u_v', username: 'viewer', displayName: 'Viewer', role: 'viewer', tenantId: null, department: null };

type Link = Pick<MineFaceState, 'id' | 'connected' | 'linkError' | 'security'>;
const secure = { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' } as const;
const untrusted: Link = {
  id: 'face-1',
  connected: false,
  security: secure,
  linkError: { code: 'MINE_OPCUA_PLC_CERT_UNTRUSTED', message: `the PLC's certificate ${PLC} at opc.tcp://plc:4840 is not trusted; …`, thumbprint: PLC, at: '2026-12-05T10:00:00.000Z' },
};

const cert = (thumbprint: string, status: 'own' | 'trusted' | 'rejected') => ({
  thumbprint, subject: `CN=${status}`, applicationUri: null, validFrom: '2026-01-01T00:00:00.000Z', validTo: '2036-01-01T00:00:00.000Z', status,
});

function renderWith(node: React.ReactNode, user: User | null = engineer, lang: Lang = 'en') {
  return render(
    <I18nProvider initialLang={lang}>
      <UserProvider user={user}>{node}</UserProvider>
    </I18nProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('mine HMI: why a face is not connected', () => {
  it('names the untrusted PLC certificate and the command that trusts it, in en and zh', () => {
    renderWith(<LinkStatus face={untrusted} />);
    const box = screen.getByTestId('mine-link-error');
    expect(box.getAttribute('role')).toBe('alert');
    expect(box.dataset.code).toBe('MINE_OPCUA_PLC_CERT_UNTRUSTED');
    expect(screen.getByTestId('mine-link-error-text').textContent).toBe(
      `The PLC's certificate ${PLC} is not trusted. Check its thumbprint at the PLC, then trust it with \`shuzhi mine certs trust ${PLC}\` or on this face's Security panel.`,
    );
    cleanup();
    renderWith(<LinkStatus face={untrusted} />, engineer, 'zh-CN');
    expect(screen.getByTestId('mine-link-error-text').textContent).toContain(`PLC 的证书 ${PLC} 不受信任`);
    expect(screen.getByTestId('mine-link-error-text').textContent).toContain(`shuzhi mine certs trust ${PLC}`);
  });

  it('says when the PLC refused our certificate, and when the PLC lacks the configured security', () => {
    renderWith(<LinkStatus face={{ ...untrusted, linkError: { ...untrusted.linkError!, code: 'MINE_OPCUA_CLIENT_CERT_REJECTED', thumbprint: OWN } }} />);
    expect(screen.getByTestId('mine-link-error-text').textContent).toContain(`The PLC refused this server's certificate ${OWN}`);
    cleanup();
    renderWith(<LinkStatus face={{ ...untrusted, linkError: { ...untrusted.linkError!, code: 'MINE_OPCUA_SECURITY_UNSUPPORTED', thumbprint: null } }} />);
    expect(screen.getByTestId('mine-link-error-text').textContent).toContain('SignAndEncrypt / Basic256Sha256');
  });

  it('an unknown failure shows the generic text and the server detail; a connected face shows nothing', () => {
    renderWith(<LinkStatus face={{ ...untrusted, linkError: { code: 'MINE_OPCUA_CONNECT_FAILED', message: 'ECONNREFUSED 127.0.0.1:4840', thumbprint: null, at: untrusted.linkError!.at } }} />);
    expect(screen.getByTestId('mine-link-error-text').textContent).toBe('The PLC cannot be reached at the moment; retrying.');
    expect(screen.getByTestId('mine-link-error').textContent).toContain('ECONNREFUSED 127.0.0.1:4840');
    cleanup();
    renderWith(<LinkStatus face={{ ...untrusted, connected: true }} />);
    expect(screen.queryByTestId('mine-link-error')).toBeNull();
  });

  it('warns while a face runs with security None, and only then', () => {
    renderWith(<InsecureBanner security={{ mode: 'None', policy: 'None' }} />);
    expect(screen.getByTestId('mine-insecure-banner').textContent).toContain('neither signed nor encrypted');
    cleanup();
    renderWith(<InsecureBanner security={secure} />);
    expect(screen.queryByTestId('mine-insecure-banner')).toBeNull();
  });
});

describe('mine HMI: the Security panel', () => {
  it("lists the rejected PLC certificate, marks this face's, and trusts it with one button", async () => {
    const pki: MineCertificates = { folder: '/data/pki/opcua', own: { ...cert(OWN, 'own'), pem: '-----BEGIN CERTIFICATE-----' }, trusted: [], rejected: [cert(PLC, 'rejected')] };
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if ((init?.method ?? 'GET') === 'POST' && url === `/api/mine/certificates/${PLC}/trust`) {
        pki.trusted = pki.rejected;
        pki.rejected = [];
        return new Response(JSON.stringify(cert(PLC, 'trusted')), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      if (url === '/api/mine/certificates') return new Response(JSON.stringify(pki), { status: 200, headers: { 'content-type': 'application/json' } });
      return new Response('{}', { status: 404 });
    });
    vi.stubGlobal('fetch', fetchMock);
    renderWith(<SecurityPanel face={untrusted} />);
    const row = await screen.findByTestId(`mine-cert-${PLC}`);
    expect(row.textContent).toContain("this face's PLC");
    fireEvent.click(screen.getByTestId(`mine-cert-trust-${PLC}`));
    await waitFor(() => expect(screen.queryByTestId(`mine-cert-${PLC}`)).toBeNull());
    expect(fetchMock.mock.calls.some(([u, i]) => u === `/api/mine/certificates/${PLC}/trust` && i?.method === 'POST')).toBe(true);
    expect(screen.getByText('Trusted; reconnecting.')).toBeTruthy();
  });

  it('a viewer sees the mode but no trust list and makes no certificate call', () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 403 }));
    vi.stubGlobal('fetch', fetchMock);
    renderWith(<SecurityPanel face={untrusted} />, viewer);
    expect(screen.getByTestId('mine-security-mode').textContent).toBe('Security mode SignAndEncrypt / Basic256Sha256');
    expect(screen.getByText('Only a mine engineer or the platform operator may manage certificates.')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('mine HMI: engineering settings', () => {
  it('an engineer sets a face to None only by choosing it by name; the warning shows and the PATCH carries it', async () => {
    const config = { machines: [{ id: 'belt', kind: 'belt', dischargesOnto: null }], sensors: [] };
    const state = {
      id: 'face-1', name: 'Face 1', security: secure, linkError: null, connected: true,
      machines: [{ id: 'belt', kind: 'belt', name: 'Belt', warningMs: 1000, feedbackTimeoutMs: 5000, runEmptyMs: 1000 }], sensors: [],
    };
    const ok = (b: unknown) => new Response(JSON.stringify(b), { status: 200, headers: { 'content-type': 'application/json' } });
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/mine/faces') return ok({ items: [{ id: 'face-1', name: 'Face 1', security: secure }] });
      if (url === '/api/mine/faces/face-1') return ok(state);
      if (url === '/api/mine/faces/face-1/config') return ok(config);
      if (url === '/api/mine/faces/face-1/settings' && init?.method === 'PATCH') return ok(state);
      return new Response('{}', { status: 404 });
    });
    vi.stubGlobal('fetch', fetchMock);
    renderWith(<SettingsPage />);
    const select = (await screen.findByTestId('mine-set-security')) as HTMLSelectElement;
    expect(select.value).toBe('SignAndEncrypt/Basic256Sha256');
    expect(screen.queryByText(/neither signed nor encrypted/)).toBeNull();
    expect([...select.options].find((o) => o.value === 'None/None')?.textContent).toBe('None — not signed, not encrypted (isolated test links only)');
    fireEvent.change(select, { target: { value: 'None/None' } });
    expect(screen.getByText(/neither signed nor encrypted/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('mine-settings-save'));
    await waitFor(() => expect(fetchMock.mock.calls.some(([u, i]) => u === '/api/mine/faces/face-1/settings' && i?.method === 'PATCH')).toBe(true));
    const patch = fetchMock.mock.calls.find(([u, i]) => u === '/api/mine/faces/face-1/settings' && i?.method === 'PATCH')!;
    expect(JSON.parse(String(patch[1]!.body)).security).toEqual({ mode: 'None', policy: 'None' });
  });
});
