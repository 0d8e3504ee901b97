import { useState, type FormEvent } from 'react';
import { DataAggregateFns, DataFilterOps, type DataAggregateFn, type DataProduct, type DataUse } from '@shuzhi/schema';
import { useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { dataApi, newIdempotencyKey } from './api.ts';
import { buildUseRequest, emptyQueryForm, type QueryErrors, type QueryForm } from './query.ts';

const FILTER_SYMBOL = { eq: '=', neq: '≠', lt: '<', lte: '≤', gt: '>', gte: '≥' } as const;

/**
 * The consumer's query: aggregates over measure columns, grouped by dimension columns, filtered, and
 * optionally joined with its own rows. Only what the schema's roles allow is offered; under
 * differential privacy only dimensions with a fixed set of categories can be grouped on.
 */
export function QueryBuilder({ contractId, product, onSubmitted }: { contractId: string; product: DataProduct; onSubmitted: (use: DataUse) => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const dp = product.policy.output.kind === 'differential-privacy';
  const cols = product.schema.columns;
  const measures = cols.filter((c) => c.role === 'measure');
  const dimensions = cols.filter((c) => c.role === 'dimension');
  const groupable = dp ? dimensions.filter((c) => c.categories && c.categories.length > 0) : dimensions;
  const joinable = cols.filter((c) => c.role === 'identifier' || c.role === 'dimension');
  const joinAllowed = product.policy.permissions.some((p) => p.action === 'join');
  const [f, setF] = useState<QueryForm>(emptyQueryForm);
  const [errors, setErrors] = useState<QueryErrors>({});
  const [busy, setBusy] = useState(false);
  // One key per query as built: a double click runs it once; the next query gets a new key.
  const [key, setKey] = useState(newIdempotencyKey);
  const [failure, setFailure] = useState('');
  const set = (patch: Partial<QueryForm>) => setF({ ...f, ...patch });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure('');
    const built = buildUseRequest(contractId, product, f, t);
    if (!built.ok) return setErrors(built.errors);
    setErrors({});
    setBusy(true);
    try {
      onSubmitted(await dataApi.submitUse({ ...built.body, idempotencyKey: key }));
      setKey(newIdempotencyKey());
    } catch (err) {
      setFailure(errText(err));
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) => (errors[k] ? <span className="field-error" data-testid={`data-query-error-${k}`}>{errors[k]}</span> : null);

  return (
    <form className="card" onSubmit={submit} data-testid="data-query">
      <h2>{t('data.query.title')}</h2>
      <div className="field">
        <span className="label">{t('data.query.measures')}</span>
        {f.measures.map((m, i) => (
          <div key={i} className="data-row">
            <select value={m.fn} data-testid={`data-query-fn-${i}`} onChange={(e) => set({ measures: f.measures.map((x, j) => (j === i ? { ...x, fn: e.target.value as DataAggregateFn } : x)) })}>
              {DataAggregateFns.map((fn) => (
                <option key={fn} value={fn}>
                  {t(`data.fn.${fn}`)}
                </option>
              ))}
            </select>
            {m.fn !== 'count' && (
              <select value={m.column} data-testid={`data-query-column-${i}`} onChange={(e) => set({ measures: f.measures.map((x, j) => (j === i ? { ...x, column: e.target.value } : x)) })}>
                <option value="">{t('data.query.pickColumn')}</option>
                {measures.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                    {c.unit ? ` (${c.unit})` : ''}
                  </option>
                ))}
              </select>
            )}
            <button type="button" className="btn btn-small" onClick={() => set({ measures: f.measures.filter((_, j) => j !== i) })}>
              {t('data.query.remove')}
            </button>
            {err(`measures.${i}`)}
          </div>
        ))}
        <div>
          <button type="button" className="btn btn-small" data-testid="data-query-add-measure" onClick={() => set({ measures: [...f.measures, { fn: 'sum', column: '' }] })}>
            {t('data.query.addMeasure')}
          </button>
        </div>
        {err('measures')}
      </div>
      <div className="field">
        <span className="label">{t('data.query.groupBy')}</span>
        <div className="checks">
          {groupable.map((c) => (
            <label key={c.name} className="check">
              <input
                type="checkbox"
                checked={f.groupBy.includes(c.name)}
                data-testid={`data-query-group-${c.name}`}
                onChange={(e) => set({ groupBy: e.target.checked ? [...f.groupBy, c.name] : f.groupBy.filter((g) => g !== c.name) })}
              />
              {c.name}
            </label>
          ))}
        </div>
        {dp && <span className="hint">{t('data.query.dpGroupHint')}</span>}
        {err('groupBy')}
      </div>
      <div className="field">
        <span className="label">{t('data.query.filters')}</span>
        {f.filters.map((x, i) => (
          <div key={i} className="data-row">
            <select value={x.column} onChange={(e) => set({ filters: f.filters.map((y, j) => (j === i ? { ...y, column: e.target.value } : y)) })}>
              {[...dimensions, ...measures].map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
            <select value={x.op} onChange={(e) => set({ filters: f.filters.map((y, j) => (j === i ? { ...y, op: e.target.value } : y)) })}>
              {DataFilterOps.map((op) => (
                <option key={op} value={op}>
                  {op === 'in' ? t('data.filterOp.in') : FILTER_SYMBOL[op]}
                </option>
              ))}
            </select>
            <input value={x.value} placeholder={x.op === 'in' ? t('data.query.inHint') : ''} onChange={(e) => set({ filters: f.filters.map((y, j) => (j === i ? { ...y, value: e.target.value } : y)) })} />
            <button type="button" className="btn btn-small" onClick={() => set({ filters: f.filters.filter((_, j) => j !== i) })}>
              {t('data.query.remove')}
            </button>
            {err(`filters.${i}`)}
          </div>
        ))}
        <div>
          <button type="button" className="btn btn-small" disabled={dimensions.length + measures.length === 0} onClick={() => set({ filters: [...f.filters, { column: (dimensions[0] ?? measures[0])?.name ?? '', op: 'eq', value: '' }] })}>
            {t('data.query.addFilter')}
          </button>
        </div>
      </div>
      {dp && (
        <div className="field">
          <label htmlFor="data-epsilon">{t('data.query.epsilon')}</label>
          <input id="data-epsilon" inputMode="decimal" value={f.epsilon} onChange={(e) => set({ epsilon: e.target.value })} data-testid="data-query-epsilon" />
          {err('epsilon')}
        </div>
      )}
      {joinAllowed && (
        <details className="field">
          <summary>{t('data.query.join')}</summary>
          <p className="hint">{t('data.query.joinHint')}</p>
          <textarea rows={5} value={f.joinCsv} onChange={(e) => set({ joinCsv: e.target.value })} placeholder={'meter_id,tariff\nM001,A'} data-testid="data-query-join-csv" />
          <div className="data-row">
            <label className="inline-field">
              {t('data.query.joinOn')}
              <select value={f.joinOn} onChange={(e) => set({ joinOn: e.target.value })} data-testid="data-query-join-on">
                <option value="">—</option>
                {joinable.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field">
              {t('data.query.joinGroupBy')}
              <input
                value={f.joinGroupBy.join(',')}
                onChange={(e) => set({ joinGroupBy: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) })}
                data-testid="data-query-join-group"
              />
            </label>
          </div>
          {err('join')}
        </details>
      )}
      {err('query')}
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="data-query-submit">
          {t('data.query.run')}
        </button>
      </div>
    </form>
  );
}
