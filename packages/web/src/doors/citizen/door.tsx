import { useEffect, useState, type FormEvent } from 'react';
import { useSignIn } from '../../pages/LoginPage.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link, navigate } from '../../router.tsx';
import type { Door, DoorLayoutProps, DoorLoginProps } from '../types.ts';
import { CareToggle, Iso, LangPicker, PasswordAndSubmit, SignOutProvider, useCare } from './common.tsx';
import { registerShellWorker } from './pwa.ts';
import './citizen.css';

const TABS = [
  { id: 'services', path: '/gov/app', label: 'door.tab.services' },
  { id: 'applications', path: '/gov/app/applications', label: 'door.tab.applications' },
  { id: 'certificates', path: '/gov/app/certificates', label: 'door.tab.certificates' },
  { id: 'me', path: '/gov/app/me', label: 'door.tab.me' },
] as const;

/** The tab a path belongs to: the longest tab path it starts with (an application under "My applications"). */
export function activeTab(path: string): string | null {
  if (path.startsWith('/gov/app/apply/') || path === '/gov/app/all') return '/gov/app';
  if (path === '/gov/app/data') return '/gov/app/me';
  let best: string | null = null;
  for (const tab of TABS) if ((path === tab.path || path.startsWith(`${tab.path}/`)) && (!best || tab.path.length > best.length)) best = tab.path;
  return best;
}

/** A phone's app: a top bar (back, title, language, elderly mode, who), the page, a bottom tab bar. */
function CitizenLayout({ user, path, onLogout, children }: DoorLayoutProps) {
  const { t } = useI18n();
  const care = useCare();
  useEffect(registerShellWorker, []);
  const active = activeTab(path);
  const isTab = TABS.some((tab) => tab.path === path);
  return (
    <SignOutProvider value={() => onLogout()}>
      <div className={`door citizen${care ? ' care' : ''}`} data-testid="gov-phone">
        <header className="door-bar">
          <div className="door-bar-row">
            {!isTab && (
              <button type="button" className="door-back" data-testid="door-back" aria-label={t('door.back')} onClick={() => (history.length > 1 ? history.back() : navigate(active ?? '/gov/app'))}>
                <span aria-hidden="true" className="door-back-arrow">‹</span> {t('door.back')}
              </button>
            )}
            <span className="door-title">{t('gov.app.title')}</span>
            <span className="door-user" data-testid="current-user" data-role={user.role}>
              <Iso>{user.displayName || user.username}</Iso>
            </span>
          </div>
          <div className="door-bar-row door-bar-tools">
            <LangPicker />
            <CareToggle />
          </div>
        </header>
        <main className="main door-main" id="main">{children}</main>
        <nav className="nav door-tabs" aria-label={t('door.tabs')}>
          {TABS.map((tab) => (
            <Link key={tab.id} to={tab.path} data-testid={`nav-citizen-${tab.id}`} className={active === tab.path ? 'active' : undefined} aria-current={active === tab.path ? 'page' : undefined}>
              {t(tab.label)}
            </Link>
          ))}
        </nav>
      </div>
    </SignOutProvider>
  );
}

/** Sign-in sized for a thumb: the same account and password as everywhere, larger fields, the language at hand. */
export function CitizenLogin({ expired, onLoggedIn }: DoorLoginProps) {
  const { t } = useI18n();
  const care = useCare();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, signIn } = useSignIn(onLoggedIn);
  useEffect(registerShellWorker, []);
  const submit = (e: FormEvent) => signIn(e, username, password);

  return (
    <div className={`door citizen door-login${care ? ' care' : ''}`}>
      <header className="door-bar">
        <div className="door-bar-row"><span className="door-title">{t('gov.app.title')}</span></div>
        <div className="door-bar-row door-bar-tools"><LangPicker /><CareToggle /></div>
      </header>
      <main className="door-main">
        <form onSubmit={submit} data-testid="login-form" noValidate>
          <h1>{t('door.login.title')}</h1>
          {expired && <p className="notice">{t('auth.sessionExpired')}</p>}
          <label className="field">
            <span>{t('auth.username')}</span>
            <input data-testid="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>
          <PasswordAndSubmit password={password} setPassword={setPassword} error={error} busy={busy} buttonClass="" autoComplete="current-password" />
        </form>
      </main>
    </div>
  );
}

export const citizenDoor: Door = { id: 'citizen', prefixes: ['/gov/app'], Layout: CitizenLayout, Login: CitizenLogin };
