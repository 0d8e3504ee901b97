import { useState } from 'react';
import { useUser } from '../../api/context.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { useInterval, useResource } from '../../useResource.ts';
import { AlarmTable } from './AlarmTable.tsx';
import { mineApi } from './api.ts';
import type { AlarmFilter } from './api.ts';
import { COMMAND_ROLES } from './model.ts';

const STATES = ['open', 'active', 'unacknowledged', 'history', 'all'] as const;
const PAGE = 100;

/** Every face's alarms: the open list and the searchable history (by text and by who acknowledged). */
export function AlarmsPage() {
  const { t } = useI18n();
  const user = useUser();
  const [state, setState] = useState<NonNullable<AlarmFilter['state']>>('open');
  const [q, setQ] = useState('');
  const [ackBy, setAckBy] = useState('');
  const [applied, setApplied] = useState({ q: '', ackBy: '' });
  const [page, setPage] = useState(0);
  const alarms = useResource(
    () => mineApi.alarms({ state, q: applied.q || undefined, acknowledgedBy: applied.ackBy || undefined, limit: PAGE, offset: page * PAGE }),
    [state, applied, page],
  );
  useInterval(() => alarms.reload(), 5000);
  const canAct = user !== null && COMMAND_ROLES.includes(user.role);
  return (
    <div className="page" data-testid="mine-alarms-page">
      <div className="page-head">
        <h1>{t('mine.alarms.historyTitle')}</h1>
      </div>
      <form
        className="toolbar card"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(0);
          setApplied({ q, ackBy });
        }}
      >
        <label className="inline-field">
          <span>{t('mine.alarms.stateFilter')}</span>
          <select value={state} data-testid="mine-alarms-state" onChange={(e) => { setState(e.target.value as typeof state); setPage(0); }}>
            {STATES.map((s) => (
              <option key={s} value={s}>{t(`mine.alarms.state.${s}`)}</option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('mine.alarms.search')}</span>
          <input value={q} onChange={(e) => setQ(e.target.value)} data-testid="mine-alarms-q" />
        </label>
        <label className="inline-field">
          <span>{t('mine.alarms.ackBy')}</span>
          <input value={ackBy} onChange={(e) => setAckBy(e.target.value)} data-testid="mine-alarms-ackby" />
        </label>
        <button type="submit" className="btn btn-primary">{t('mine.alarms.search')}</button>
      </form>
      {alarms.error && !alarms.data ? (
        <ErrorBox error={alarms.error} onRetry={alarms.reload} />
      ) : !alarms.data ? (
        <Loading />
      ) : alarms.data.items.length === 0 ? (
        <p className="empty">{t('mine.alarms.empty')}</p>
      ) : (
        <div className="card card-flush">
          <AlarmTable alarms={alarms.data.items} canAct={canAct} showFace onChanged={alarms.reload} />
          <div className="pager">
            <span className="muted">{t('mine.alarms.total', { n: alarms.data.total })}</span>
            <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>‹</button>
            <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE >= alarms.data.total} onClick={() => setPage((p) => p + 1)}>›</button>
          </div>
        </div>
      )}
    </div>
  );
}
