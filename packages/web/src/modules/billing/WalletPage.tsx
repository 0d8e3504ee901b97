import { useState, type FormEvent } from 'react';
import type { Programme } from '@shuzhi/schema';
import { useUser } from '../../api/context.tsx';
import { LazyEChart as EChart } from '../../charts/LazyEChart.tsx';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { FigureTile } from '../../components/FigureTile.tsx';
import { formatDateTime, formatFen, formatPercent } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { billingApi, yuanToFen } from './api.ts';
import { fenBars, StatusBadge } from './common.tsx';

const DEMO_TENANTS = ['tianshan-ai', 'gobi-vision', 'junggar-llm', 'karamay-studio', 'xju-lab'];

/** A tenant's money: wallet, vouchers, statements, spend by site; operators pick the tenant. */
export function WalletPage() {
  const { t } = useI18n();
  const user = useUser();
  const isTenant = user?.role === 'tenant';
  const [picked, setPicked] = useState(DEMO_TENANTS[0]!);
  const tenantId = isTenant ? undefined : picked;
  const wallet = useResource(() => billingApi.wallet(tenantId), [tenantId]);
  const statements = useResource(() => billingApi.statements(tenantId), [tenantId]);
  const month = wallet.data?.month;
  const current = useResource(() => (month ? billingApi.statement(month, tenantId) : Promise.resolve(null)), [month, tenantId]);
  const reload = () => {
    wallet.reload();
    statements.reload();
    current.reload();
  };

  return (
    <div className="page" data-testid="billing-wallet">
      <div className="page-head">
        <h1>{t('billing.wallet.title')}</h1>
        {!isTenant && (
          <div className="toolbar">
            <label className="inline-field">
              {t('billing.wallet.tenant')}
              <select value={picked} onChange={(e) => setPicked(e.target.value)} data-testid="billing-tenant">
                {DEMO_TENANTS.map((id) => (
                  <option key={id} value={id}>
                    {id}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
      </div>
      {wallet.error ? <ErrorBox error={wallet.error} onRetry={wallet.reload} /> : null}
      {!wallet.data ? (
        wallet.loading && <Loading />
      ) : (
        <>
          <div className="tile-grid">
            <FigureTile id="billing-balance" label={t('billing.wallet.balance')} value={formatFen(wallet.data.balanceFen)} sub={wallet.data.tenantName} accent={wallet.data.balanceFen < 0 ? 'red' : 'blue'} />
            <FigureTile
              id="billing-month"
              label={t('billing.wallet.monthSpent')}
              value={formatFen(wallet.data.monthSpentFen)}
              sub={wallet.data.monthlyCapFen === null ? t('billing.wallet.noCap') : t('billing.wallet.cap', { cap: formatFen(wallet.data.monthlyCapFen) })}
              accent="amber"
              {...(wallet.data.monthlyCapFen ? { share: Math.min(1, wallet.data.monthSpentFen / wallet.data.monthlyCapFen) } : {})}
            />
            <FigureTile
              id="billing-vouchers"
              label={t('billing.wallet.vouchers')}
              value={formatFen(wallet.data.voucherBalanceFen)}
              sub={t('billing.wallet.vouchersSub', { n: wallet.data.vouchers.filter((v) => v.status === 'active').length })}
              accent="green"
            />
          </div>
          <div className="chart-pair">
            <TopUp tenantId={tenantId} onDone={reload} />
            <Budget tenantId={tenantId} current={wallet.data.monthlyCapFen} onDone={reload} />
          </div>
          <VoucherTable vouchers={wallet.data.vouchers} />
        </>
      )}
      {current.data && current.data.bySite.length > 0 && (
        <div className="card">
          <h2>{t('billing.spend.title')}</h2>
          <EChart
            style={{ height: 260 }}
            option={fenBars(
              current.data.bySite.map((s) => s.siteId),
              [
                { name: t('billing.col.voucher'), data: current.data.bySite.map((s) => s.voucherFen), stack: 'paid', color: '#2e9d5b' },
                { name: t('billing.col.wallet'), data: current.data.bySite.map((s) => s.walletFen), stack: 'paid', color: '#3a6fd8' },
              ],
            )}
          />
        </div>
      )}
      <div className="card card-flush">
        <div className="card-head">
          <h2>{t('billing.statements.title')}</h2>
        </div>
        {statements.error ? <ErrorBox error={statements.error} onRetry={statements.reload} /> : null}
        {statements.data && statements.data.items.length === 0 && <p className="empty">{t('billing.statements.empty')}</p>}
        {statements.data && statements.data.items.length > 0 && (
          <table className="table" data-testid="billing-statements">
            <thead>
              <tr>
                <th>{t('billing.col.month')}</th>
                <th className="num">{t('billing.col.runs')}</th>
                <th className="num">{t('billing.col.charged')}</th>
                <th className="num">{t('billing.col.voucher')}</th>
                <th className="num">{t('billing.col.wallet')}</th>
                <th className="num">{t('billing.col.topups')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {statements.data.items.map((s) => (
                <tr key={s.month}>
                  <td className="mono">{s.month}</td>
                  <td className="num">{s.runs}</td>
                  <td className="num">{formatFen(s.chargedFen)}</td>
                  <td className="num">{formatFen(s.voucherFen)}</td>
                  <td className="num">{formatFen(s.walletFen)}</td>
                  <td className="num">{formatFen(s.topUpsFen)}</td>
                  <td>
                    <Link to={`/billing/statements/${s.month}${tenantId ? `?tenantId=${tenantId}` : ''}`}>{t('billing.statements.print')}</Link>
                    {' · '}
                    <a href={billingApi.csvUrl(s.month, tenantId)}>{t('billing.statements.csv')}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {isTenant && <ApplyCard onDone={reload} />}
    </div>
  );
}

function VoucherTable({ vouchers }: { vouchers: import('@shuzhi/schema').Voucher[] }) {
  const { t, lang } = useI18n();
  return (
    <div className="card card-flush">
      <div className="card-head">
        <h2>{t('billing.vouchers.title')}</h2>
      </div>
      {vouchers.length === 0 ? (
        <p className="empty">{t('billing.vouchers.empty')}</p>
      ) : (
        <table className="table" data-testid="billing-vouchers">
          <thead>
            <tr>
              <th>{t('billing.col.programme')}</th>
              <th className="num">{t('billing.col.face')}</th>
              <th className="num">{t('billing.col.redeemed')}</th>
              <th className="num">{t('billing.col.balance')}</th>
              <th className="num">{t('billing.col.expired')}</th>
              <th>{t('billing.col.expires')}</th>
              <th>{t('billing.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {vouchers.map((v) => (
              <tr key={v.id}>
                <td>
                  {lang === 'en' ? v.programmeNameEn : v.programmeNameZh}
                  <div className="muted small mono">{v.id}</div>
                </td>
                <td className="num">{formatFen(v.faceFen)}</td>
                <td className="num">
                  {formatFen(v.redeemedFen)} <span className="muted small">{v.faceFen ? formatPercent(v.redeemedFen / v.faceFen, lang, 0) : ''}</span>
                </td>
                <td className="num">{formatFen(v.balanceFen)}</td>
                <td className="num">{formatFen(v.expiredFen)}</td>
                <td>{formatDateTime(v.expiresAt)}</td>
                <td>
                  <StatusBadge status={v.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TopUp({ tenantId, onDone }: { tenantId: string | undefined; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [amount, setAmount] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fen = yuanToFen(amount);
    if (fen === null) return setMsg({ ok: false, text: t('billing.amount.invalid') });
    setBusy(true);
    try {
      const topUp = await billingApi.topUp(fen, tenantId);
      setMsg({ ok: true, text: t(topUp.state === 'credited' ? 'billing.topup.done' : 'billing.topup.pending', { amount: formatFen(fen) }) });
      setAmount('');
      onDone();
    } catch (err) {
      setMsg({ ok: false, text: errText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-testid="billing-topup">
      <h2>{t('billing.topup.title')}</h2>
      <div className="field">
        <label htmlFor="billing-topup-amount">{t('billing.topup.amount')}</label>
        <input id="billing-topup-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      {msg && <p className={msg.ok ? 'notice' : 'form-error'}>{msg.text}</p>}
      <div className="form-actions">
        <button className="btn btn-primary" type="submit" disabled={busy}>
          {t('billing.topup.submit')}
        </button>
      </div>
    </form>
  );
}

function Budget({ tenantId, current, onDone }: { tenantId: string | undefined; current: number | null; onDone: () => void }) {
  const { t } = useI18n();
  const errText = useErrorText();
  const [cap, setCap] = useState(current === null ? '' : (current / 100).toFixed(2));
  const [err, setErr] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fen = cap.trim() === '' ? null : yuanToFen(cap);
    if (cap.trim() !== '' && fen === null) return setErr(t('billing.amount.invalid'));
    try {
      await billingApi.setBudget(fen, tenantId);
      setErr(null);
      onDone();
    } catch (x) {
      setErr(errText(x));
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)}>
      <h2>{t('billing.budget.title')}</h2>
      <p className="muted small">{t('billing.budget.hint')}</p>
      <div className="field">
        <input aria-label={t('billing.budget.title')} inputMode="decimal" value={cap} onChange={(e) => setCap(e.target.value)} />
      </div>
      {err && <p className="form-error">{err}</p>}
      <div className="form-actions">
        <button className="btn" type="submit">
          {t('billing.budget.save')}
        </button>
      </div>
    </form>
  );
}

function ApplyCard({ onDone }: { onDone: () => void }) {
  const { t, lang } = useI18n();
  const errText = useErrorText();
  const programmes = useResource(() => billingApi.programmes(), []);
  const apps = useResource(() => billingApi.applications(), []);
  const [amount, setAmount] = useState('');
  const [purpose, setPurpose] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const open = (programmes.data?.items ?? []).filter((p) => new Date(p.validTo).getTime() > Date.now());
  const submit = async (e: FormEvent, p: Programme) => {
    e.preventDefault();
    const fen = yuanToFen(amount);
    if (fen === null) return setMsg({ ok: false, text: t('billing.amount.invalid') });
    try {
      await billingApi.apply(p.id, fen, purpose);
      setMsg({ ok: true, text: t('billing.apply.done') });
      setAmount('');
      setPurpose('');
      apps.reload();
      onDone();
    } catch (x) {
      setMsg({ ok: false, text: errText(x) });
    }
  };
  const rates = (p: Programme) => Object.entries(p.ratesBp).map(([k, v]) => `${k} ${formatPercent((v ?? 0) / 10_000, lang, 0)}`).join(', ');
  return (
    <>
      <div className="card">
        <h2>{t('billing.apply.title')}</h2>
        {programmes.data && open.length === 0 && <p className="empty">{t('billing.apply.none')}</p>}
        {open.map((p) => (
          <form key={p.id} onSubmit={(e) => void submit(e, p)} data-testid={`billing-apply-${p.id}`}>
            <h3>{lang === 'en' ? p.nameEn : p.nameZh}</h3>
            <p className="muted small">
              {t('billing.apply.rules', { rates: rates(p), sites: [...p.siteIds, ...p.regions].join(', '), cap: formatFen(p.capPerTenantFen), to: formatDateTime(p.validTo) })}
            </p>
            <div className="form-grid">
              <div className="field">
                <label htmlFor={`apply-amount-${p.id}`}>{t('billing.apply.amount')}</label>
                <input id={`apply-amount-${p.id}`} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={`apply-purpose-${p.id}`}>{t('billing.apply.purpose')}</label>
                <input id={`apply-purpose-${p.id}`} value={purpose} onChange={(e) => setPurpose(e.target.value)} required maxLength={2000} />
              </div>
            </div>
            <div className="form-actions">
              <button className="btn btn-primary" type="submit">
                {t('billing.apply.submit')}
              </button>
            </div>
          </form>
        ))}
        {msg && <p className={msg.ok ? 'notice' : 'form-error'}>{msg.text}</p>}
      </div>
      <ApplicationsTable items={apps.data?.items ?? []} />
    </>
  );
}

export function ApplicationsTable({ items, onDecide }: { items: import('@shuzhi/schema').Application[]; onDecide?: (id: string, d: 'approve' | 'reject', reason: string) => Promise<void> }) {
  const { t } = useI18n();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [err, setErr] = useState<string | null>(null);
  const errText = useErrorText();
  const decide = async (id: string, d: 'approve' | 'reject') => {
    const reason = reasons[id] ?? '';
    if (d === 'reject' && !reason.trim()) return setErr(t('billing.decide.needReason'));
    try {
      await onDecide?.(id, d, reason);
      setErr(null);
    } catch (x) {
      setErr(errText(x));
    }
  };
  return (
    <div className="card card-flush">
      <div className="card-head">
        <h2>{t('billing.applications.title')}</h2>
      </div>
      {err && <p className="form-error">{err}</p>}
      {items.length === 0 ? (
        <p className="empty">{t('billing.applications.empty')}</p>
      ) : (
        <table className="table" data-testid="billing-applications">
          <thead>
            <tr>
              <th>{t('billing.col.tenant')}</th>
              <th className="num">{t('billing.col.requested')}</th>
              <th>{t('billing.col.purpose')}</th>
              <th>{t('billing.col.created')}</th>
              <th>{t('billing.col.status')}</th>
              <th>{t('billing.col.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.tenantName}
                  <div className="muted small mono">{a.tenantId}</div>
                </td>
                <td className="num">{formatFen(a.requestedFen)}</td>
                <td>{a.purpose}</td>
                <td>{formatDateTime(a.createdAt)}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>
                  {a.status === 'pending' && onDecide ? (
                    <div className="toolbar">
                      <input
                        aria-label={t('billing.decide.reason')}
                        placeholder={t('billing.decide.reason')}
                        value={reasons[a.id] ?? ''}
                        onChange={(e) => setReasons({ ...reasons, [a.id]: e.target.value })}
                      />
                      <button type="button" className="btn btn-small btn-primary" onClick={() => void decide(a.id, 'approve')}>
                        {t('billing.decide.approve')}
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => void decide(a.id, 'reject')}>
                        {t('billing.decide.reject')}
                      </button>
                    </div>
                  ) : (
                    a.reason ?? ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
