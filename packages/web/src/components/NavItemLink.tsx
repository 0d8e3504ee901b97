import { useI18n } from '../i18n/I18nProvider.tsx';
import type { NavItem } from '../nav.ts';
import { Link } from '../router.tsx';

/** One navigation entry as every door draws it: marked as the current page when `active` is its path. */
export function NavItemLink({ groupId, item, active }: { groupId: string; item: NavItem; active: string | null }) {
  const { t } = useI18n();
  const current = active === item.path;
  return (
    <li>
      <Link to={item.path} data-testid={`nav-${groupId}-${item.id}`} className={current ? 'active' : undefined} aria-current={current ? 'page' : undefined}>
        {t(item.label)}
      </Link>
    </li>
  );
}
