import { useState, type FormEvent } from 'react';
import type { User } from '@shuzhi/schema';
import { useApi } from '../api/context.tsx';
import { ApiError } from '../api/client.ts';
import { useErrorText } from '../components/Feedback.tsx';
import { LangSwitch } from '../components/LangSwitch.tsx';
import { useI18n } from '../i18n/I18nProvider.tsx';

/** Signing in, shared by every door's sign-in screen (they differ in layout only): busy, the error to show, submit. */
export function useSignIn(onLoggedIn: (u: User) => void) {
  const api = useApi();
  const { t } = useI18n();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signIn(e: FormEvent, username: string, password: string) {
    e.preventDefault();
    if (!username || !password) return;
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api.login({ username, password }));
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.code === 'AUTH_INVALID') ? t('auth.invalid') : errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, signIn };
}

export function LoginPage({ onLoggedIn, expired }: { onLoggedIn: (u: User) => void; expired?: boolean }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, signIn } = useSignIn(onLoggedIn);
  const submit = (e: FormEvent) => signIn(e, username, password);

  return (
    <div className="login-page">
      <div className="login-lang">
        <LangSwitch />
      </div>
      <form className="login-card" onSubmit={submit} data-testid="login-form" noValidate>
        <div className="login-brand">
          <span className="brand-mark">数</span>
          <div>
            <h1>{t('app.name')}</h1>
            <p className="muted">{t('app.tagline')}</p>
          </div>
        </div>
        <h2>{t('auth.title')}</h2>
        {expired && <p className="notice">{t('auth.sessionExpired')}</p>}
        <label className="field">
          <span>{t('auth.username')}</span>
          <input
            data-testid="login-username"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
            required
          />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            data-testid="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
          {busy ? t('auth.submitting') : t('auth.submit')}
        </button>
        <p className="muted small">{t('auth.demoHint')}</p>
      </form>
    </div>
  );
}
