import { Fragment, createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { GovNoticeText } from '@shuzhi/schema';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Langs, type Lang } from '../../i18n/lang.ts';
import { ITEM_NAMES_UG } from '@shuzhi/gov/ug';
import { formatCountFor, formatDateFor } from '../../i18n/intl.ts';

/** What the citizen app and the kiosk share: language choice, elderly mode, and text that comes from the server. */

const CARE_KEY = 'shuzhi.care';
const careListeners = new Set<() => void>();

function readCare(): boolean {
  try {
    return globalThis.localStorage?.getItem(CARE_KEY) === '1';
  } catch {
    return false;
  }
}

export function setCare(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(CARE_KEY, on ? '1' : '0');
  } catch {
    // Storage blocked: the mode still applies until the page is reloaded.
  }
  careValue = on;
  for (const l of careListeners) l();
}

let careValue = readCare();

/** 关怀模式 (elderly mode), remembered on this device. */
export function useCare(): boolean {
  return useSyncExternalStore(
    (on) => {
      careListeners.add(on);
      return () => careListeners.delete(on);
    },
    () => careValue,
  );
}

/** Each language named in itself, so a reader finds theirs whatever the page is in. */
export function LangPicker() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="door-langs" role="group" aria-label={t('door.lang')} data-testid="lang-picker">
      {Langs.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          dir={l === 'ug' ? 'rtl' : 'ltr'}
          className="door-lang"
          aria-pressed={lang === l}
          data-testid={`lang-${l}`}
          onClick={() => setLang(l)}
        >
          {t(`lang.${l}`)}
        </button>
      ))}
    </div>
  );
}

export function CareToggle() {
  const { t } = useI18n();
  const care = useCare();
  return (
    <button type="button" className="door-care" aria-pressed={care} title={t('door.care.hint')} data-testid="care-toggle" onClick={() => setCare(!care)}>
      {t('door.care')}
    </button>
  );
}

/**
 * Text the server sends in Chinese and English only (item, service and department names, field labels). In
 * Uyghur: the Uyghur name of a catalogue item, or the Uyghur the text carries (notices), else the Chinese, isolated (<bdi>) so it
 * does not reorder the right-to-left sentence around it, tagged `lang` for screen readers, and marked.
 */
export function Tx({ text, itemId }: { text: GovNoticeText | null | undefined; itemId?: string | undefined }) {
  const { lang, t } = useI18n();
  if (!text) return null;
  if (lang === 'en') return <bdi lang="en">{text.en}</bdi>;
  if (lang === 'zh-CN') return <bdi>{text.zh}</bdi>;
  const own = (itemId ? ITEM_NAMES_UG[itemId] : undefined) ?? text.ug;
  if (own) return <bdi>{own}</bdi>;
  return (
    <bdi lang="zh-CN" className="door-untranslated" title={t('door.untranslated')}>
      {text.zh}
    </bdi>
  );
}

/** A value from outside the sentence (a name, an ID, a number): isolated so bidirectional text keeps its order. */
export function Iso({ children, lang }: { children: ReactNode; lang?: string }) {
  return <bdi {...(lang ? { lang } : {})}>{children}</bdi>;
}

/** Fills `{name}` placeholders of a translated sentence with elements (a <bdi> name, a formatted number). */
export function interpolate(text: string, params: Record<string, ReactNode>): ReactNode[] {
  return text.split(/(\{\w+\})/g).map((part, i) => {
    const m = /^\{(\w+)\}$/.exec(part);
    return <Fragment key={i}>{m && m[1]! in params ? params[m[1]!] : part}</Fragment>;
  });
}

export function useDoorFormat(): { date: (at: string | number | Date | null | undefined) => ReactNode; count: (n: number) => ReactNode } {
  const { lang } = useI18n();
  return {
    date: (at) => (at === null || at === undefined ? '—' : <Iso>{formatDateFor(at, lang as Lang)}</Iso>),
    count: (n) => <Iso>{formatCountFor(n, lang)}</Iso>,
  };
}

const SignOutContext = createContext<() => void>(() => {});

/** The door's sign-out, for a page inside it (the citizen app's "Me", the kiosk's "Finish"). */
export const SignOutProvider = SignOutContext.Provider;
export function useSignOut(): () => void {
  return useContext(SignOutContext);
}

/** The end of both doors' sign-in forms: password, the error, the button, the demo accounts. */
export function PasswordAndSubmit({ password, setPassword, error, busy, buttonClass, autoComplete }: { password: string; setPassword: (v: string) => void; error: string | null; busy: boolean; buttonClass: string; autoComplete: string }) {
  const { t } = useI18n();
  return (
    <>
      <label className="field">
        <span>{t('auth.password')}</span>
        <input data-testid="login-password" name="password" type="password" autoComplete={autoComplete} value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      {error && <p className="form-error" role="alert" data-testid="login-error">{error}</p>}
      <button type="submit" className={`btn btn-primary btn-block ${buttonClass}`} data-testid="login-submit" disabled={busy}>
        {busy ? t('auth.submitting') : t('auth.submit')}
      </button>
      <p className="hint">{t('door.login.hint')}</p>
    </>
  );
}
