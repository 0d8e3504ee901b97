import type { ReactNode } from 'react';
import type { Role, User } from '@shuzhi/schema';
import { LangSwitch } from '../../components/LangSwitch.tsx';
import { NavItemLink } from '../../components/NavItemLink.tsx';
import { SessionControls } from '../../components/SessionControls.tsx';
import { Shell } from '../../components/Shell.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import type { MessageKey } from '../../i18n/dictionaries.ts';
import { activeItemPath, homePath, navGroups, visibleItems } from '../../nav.ts';
import { Link } from '../../router.tsx';
import type { DoorLayoutProps } from '../types.ts';
import './staff.css';

/**
 * The frame of the government staff doors (window, workbench): a light header with who is signed in, the
 * language switch and sign-out, and only the government pages the role may open. No compute, render or
 * mine navigation: a clerk or officer has no use for it.
 */
export function StaffFrame({ user, path, onLogout, children, door, title }: DoorLayoutProps & { door: 'window' | 'workbench'; title: MessageKey }) {
  const { t } = useI18n();
  const active = activeItemPath(path);
  const gov = navGroups.find((g) => g.id === 'gov');
  const items = gov ? visibleItems(gov, user.role) : [];
  return (
    <div className={`staff staff-${door}`} data-door={door}>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('gov.door.skip')}</a>
      <header className="staff-header">
        <Link to={homePath(user.role)} className="brand staff-brand">
          <span className="brand-mark" aria-hidden="true">数</span>
          <span className="brand-name">{t(title)}</span>
        </Link>
        <nav className="nav staff-nav" aria-label={t(title)}>
          <ul>
            {items.map((i) => (
              <NavItemLink key={i.id} groupId="gov" item={i} active={active} />
            ))}
          </ul>
        </nav>
        <div className="staff-header-right">
          <LangSwitch />
          <SessionControls user={user} onLogout={onLogout} />
        </div>
      </header>
      <main className="main staff-main" id="main" tabIndex={0}>{children}</main>
    </div>
  );
}

/**
 * A door's layout for its own audience; anyone else who opens one of its pages (an operator reading the
 * supervisor dashboard) keeps the operations console around it, with their own navigation.
 */
export function staffLayout(audience: readonly Role[], frame: (p: DoorLayoutProps) => ReactNode) {
  return function StaffLayout(p: DoorLayoutProps) {
    return audience.includes(p.user.role) ? frame(p) : <Shell {...p} />;
  };
}
