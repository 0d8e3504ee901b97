import { useEffect, useState, type ReactNode } from 'react';
import type { User } from '@shuzhi/schema';
import { useLiveState } from '../api/context.tsx';
import { formatClock } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { activeItemPath, homePath, navGroups, visibleItems } from '../nav.ts';
import { Link } from '../router.tsx';
import { LangSwitch } from './LangSwitch.tsx';
import { NavItemLink } from './NavItemLink.tsx';
import { SessionControls } from './SessionControls.tsx';

function Clock() {
  const { t } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <span className="clock" title={t('app.timezoneNote')}>
      {formatClock(now)} <small>{t('app.timezoneNote')}</small>
    </span>
  );
}

function LiveIndicator() {
  const { t } = useI18n();
  const state = useLiveState();
  return (
    <span className={`live live-${state}`} data-testid="live-state" data-state={state}>
      <i className="live-dot" />
      {t(`live.${state}`)}
    </span>
  );
}

export function Shell({ user, path, onLogout, children }: { user: User; path: string; onLogout: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const active = activeItemPath(path);
  return (
    <div className="shell">
      <header className="header">
        <Link to={homePath(user.role)} className="brand">
          <span className="brand-mark">数</span>
          <span className="brand-name">{t('app.name')}</span>
        </Link>
        <div className="header-right">
          <LiveIndicator />
          <Clock />
          <LangSwitch />
          <SessionControls user={user} onLogout={onLogout} />
        </div>
      </header>
      <nav className="nav" aria-label={t("app.name")}>
        {navGroups.map((g) => {
          const items = visibleItems(g, user.role);
          if (items.length === 0) return null;
          return (
            <section key={g.id} className="nav-group">
              <h3>{t(g.label)}</h3>
              <ul>
                {items.map((i) => (
                  <NavItemLink key={i.id} groupId={g.id} item={i} active={active} />
                ))}
              </ul>
            </section>
          );
        })}
      </nav>
      {/* In the tab order: a keyboard user can scroll a page with no link or field in it (axe: scrollable-region-focusable). */}
      <main className="main" tabIndex={0}>{children}</main>
    </div>
  );
}
