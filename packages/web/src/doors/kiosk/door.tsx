import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSignIn } from '../../pages/LoginPage.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { DEFAULT_LANG } from '../../i18n/lang.ts';
import type { MessageKey } from '../../i18n/dictionaries.ts';
import type { Door, DoorLayoutProps, DoorLoginProps } from '../types.ts';
import { CareToggle, Iso, LangPicker, PasswordAndSubmit, SignOutProvider, interpolate, setCare, useCare } from '../citizen/common.tsx';
import { IDLE_STORAGE_KEY, idlePhase, parseIdleConfig, type IdlePhase } from './idle.ts';
import './kiosk.css';

export const KIOSK_HOME = '/gov/kiosk';

function readIdleConfig() {
  try {
    return parseIdleConfig(globalThis.localStorage?.getItem(IDLE_STORAGE_KEY));
  } catch {
    return parseIdleConfig(null);
  }
}

/** Touches, keys and scrolls reset the clock; the phase is recomputed four times a second. */
function useIdle(onExpired: () => void): [IdlePhase, () => void] {
  const last = useRef(Date.now());
  const [phase, setPhase] = useState<IdlePhase>({ phase: 'active' });
  const expired = useRef(onExpired);
  expired.current = onExpired;
  useEffect(() => {
    const touch = () => {
      last.current = Date.now();
    };
    const events = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, touch, { passive: true });
    let done = false;
    const id = setInterval(() => {
      // Read on every tick so a hall (or a test) can change the timeout without restarting the terminal.
      const next = idlePhase(Date.now() - last.current, readIdleConfig());
      setPhase((prev) => (prev.phase === next.phase && (prev.phase !== 'warning' || next.phase !== 'warning' || prev.secondsLeft === next.secondsLeft) ? prev : next));
      if (next.phase === 'expired' && !done) {
        done = true;
        expired.current();
      }
    }, 250);
    return () => {
      clearInterval(id);
      for (const e of events) window.removeEventListener(e, touch);
    };
  }, []);
  const stay = () => {
    last.current = Date.now();
    setPhase({ phase: 'active' });
  };
  return [phase, stay];
}

function guideFor(path: string): MessageKey {
  if (path.startsWith(`${KIOSK_HOME}/apply/`)) return 'kiosk.guide.apply';
  if (path.startsWith(`${KIOSK_HOME}/done/`)) return 'kiosk.guide.done';
  return 'kiosk.guide.home';
}

/** The next person at the terminal starts from a clean screen: default language, standard mode. */
function useResetForNextPerson(): () => void {
  const { setLang } = useI18n();
  return () => {
    setLang(DEFAULT_LANG);
    setCare(false);
  };
}

/** Full screen for a touch terminal in a service hall: no console chrome, one guidance line per step, idle sign-out. */
function KioskLayout({ user, path, onLogout, children }: DoorLayoutProps) {
  const { t } = useI18n();
  const care = useCare();
  const reset = useResetForNextPerson();
  const signOut = () => {
    reset();
    onLogout(KIOSK_HOME);
  };
  const [phase, stay] = useIdle(signOut);
  return (
    <SignOutProvider value={signOut}>
      <div className={`door kiosk${care ? ' care' : ''}`} data-testid="kiosk">
        <header className="kiosk-bar">
          <div className="kiosk-bar-row">
            <span className="kiosk-brand">{t('gov.kiosk.title')}</span>
            <span className="door-user" data-testid="current-user" data-role={user.role}><Iso>{user.displayName || user.username}</Iso></span>
            <button type="button" className="btn kiosk-signout" data-testid="logout" onClick={signOut}>{t('auth.logout')}</button>
          </div>
          <div className="kiosk-bar-row">
            <LangPicker />
            <CareToggle />
          </div>
        </header>
        <p className="kiosk-guide" role="status" data-testid="kiosk-guide">{t(guideFor(path))}</p>
        <main className="main kiosk-main">{children}</main>
        {phase.phase === 'warning' && (
          <div className="kiosk-idle" role="alertdialog" aria-modal="true" aria-labelledby="kiosk-idle-title" data-testid="kiosk-idle">
            <div className="kiosk-idle-box">
              <h2 id="kiosk-idle-title">{t('kiosk.idle.title')}</h2>
              <p>{interpolate(t('kiosk.idle.body'), { s: <Iso>{phase.secondsLeft}</Iso> })}</p>
              <button type="button" className="btn btn-primary kiosk-btn" data-testid="kiosk-idle-stay" onClick={stay}>{t('kiosk.idle.stay')}</button>
            </div>
          </div>
        )}
      </div>
    </SignOutProvider>
  );
}

/** The kiosk's demo accounts: at a real terminal the ID-card reader picks the person; here a big button does. */
const KIOSK_ACCOUNTS = [
  { username: 'citizen', label: 'kiosk.account.citizen' },
  { username: 'enterprise', label: 'kiosk.account.enterprise' },
] as const;

function KioskLogin({ expired, onLoggedIn }: DoorLoginProps) {
  const { t } = useI18n();
  const care = useCare();
  const [username, setUsername] = useState<string>(KIOSK_ACCOUNTS[0].username);
  const [password, setPassword] = useState('');
  const { busy, error, signIn } = useSignIn(onLoggedIn);
  const submit = (e: FormEvent) => signIn(e, username, password);

  return (
    <div className={`door kiosk kiosk-start${care ? ' care' : ''}`} data-testid="kiosk-start">
      <header className="kiosk-bar">
        <div className="kiosk-bar-row"><span className="kiosk-brand">{t('gov.kiosk.title')}</span></div>
        <div className="kiosk-bar-row"><LangPicker /><CareToggle /></div>
      </header>
      <p className="kiosk-guide" role="status">{t('kiosk.guide.login')}</p>
      <main className="kiosk-main">
        <h1>{t('kiosk.start.title')}</h1>
        {expired && <p className="notice">{t('auth.sessionExpired')}</p>}
        <form onSubmit={submit} data-testid="login-form" noValidate>
          <div className="kiosk-grid" role="radiogroup" aria-label={t('kiosk.start.hint')}>
            {KIOSK_ACCOUNTS.map((a) => (
              <button key={a.username} type="button" role="radio" aria-checked={username === a.username} className="btn kiosk-btn kiosk-choice" data-testid={`kiosk-account-${a.username}`} onClick={() => setUsername(a.username)}>
                {t(a.label)}
              </button>
            ))}
          </div>
          {/* A shared terminal: the browser must not offer to remember anyone's password. */}
          <PasswordAndSubmit password={password} setPassword={setPassword} error={error} busy={busy} buttonClass="kiosk-btn" autoComplete="off" />
        </form>
      </main>
    </div>
  );
}

export const kioskDoor: Door = { id: 'kiosk', prefixes: [KIOSK_HOME], Layout: KioskLayout, Login: KioskLogin };
