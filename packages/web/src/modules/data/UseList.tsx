import type { DataUse } from '@shuzhi/schema';
import { formatDateTime, formatFen, formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { UseStateBadge } from './common.tsx';
import { querySummary } from './UseView.tsx';

/** Uses in a table: who asked what, where it ran, how it ended, what it cost; never a value of the data. */
export function UseList({ uses, onOpen, showConsumer = false }: { uses: DataUse[]; onOpen?: (id: string) => void; showConsumer?: boolean }) {
  const { t, lang } = useI18n();
  if (uses.length === 0) return <p className="empty">{t('data.use.none')}</p>;
  return (
    <table className="table" data-testid="data-uses">
      <thead>
        <tr>
          <th>{t('data.use.id')}</th>
          {showConsumer && <th>{t('data.use.consumer')}</th>}
          <th>{t('data.use.query')}</th>
          <th>{t('data.use.state')}</th>
          <th>{t('data.product.site')}</th>
          <th className="num">ε</th>
          <th className="num">{t('data.product.fee')}</th>
          <th>{t('data.use.at')}</th>
        </tr>
      </thead>
      <tbody>
        {uses.map((u) => (
          <tr key={u.id} data-testid={`data-use-row-${u.id}`} data-state={u.state}>
            <td className="mono small">
              {onOpen ? (
                <button type="button" className="btn btn-small" onClick={() => onOpen(u.id)}>
                  {u.id}
                </button>
              ) : (
                <Link to={`/data/uses/${encodeURIComponent(u.id)}`}>{u.id}</Link>
              )}
            </td>
            {showConsumer && <td className="mono">{u.consumerTenantId}</td>}
            <td className="small">{querySummary(u, t)}</td>
            <td>
              <UseStateBadge state={u.state} />
            </td>
            <td className="mono" data-testid="data-use-site-cell">
              {u.siteId}
            </td>
            <td className="num">{u.epsilonSpent ? formatNumber(u.epsilonSpent, lang, 3) : '—'}</td>
            <td className="num">{formatFen(u.feeFen)}</td>
            <td>{formatDateTime(u.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
