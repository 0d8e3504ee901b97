import { DataDomainNames, type DataContractState, type DataDomain, type DataProduct, type DataResult, type DataUseState } from '@shuzhi/schema';
import { formatNumber } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { policyInWords } from './policy.ts';

/** Product text carries both languages; show the one the user reads. */
export function useDataText(): (x: { zh: string; en: string }) => string {
  const { lang } = useI18n();
  return (x) => (lang === 'en' ? x.en : x.zh);
}

export function domainName(domain: DataDomain, lang: string): string {
  return lang === 'en' ? DataDomainNames[domain].en : DataDomainNames[domain].zh;
}

export function DomainTag({ domain }: { domain: DataDomain }) {
  const { lang } = useI18n();
  return (
    <span className="tag data-domain" data-domain={domain}>
      {domainName(domain, lang)}
    </span>
  );
}

/** Generated data is labelled wherever it is shown, so nobody takes it for the real thing. */
export function SyntheticBadge({ synthetic }: { synthetic: boolean }) {
  const { t } = useI18n();
  if (!synthetic) return null;
  return (
    <span className="badge data-synthetic" data-testid="data-synthetic" title={t('data.synthetic.hint')}>
      {t('data.synthetic')}
    </span>
  );
}

const CONTRACT_TONE: Record<DataContractState, string> = { requested: 'queued', agreed: 'succeeded', declined: 'failed', revoked: 'cancelled', expired: 'cancelled' };
const USE_TONE: Record<DataUseState, string> = { queued: 'queued', running: 'running', released: 'succeeded', refused: 'failed', failed: 'failed' };

export function ContractStateBadge({ state }: { state: DataContractState }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${CONTRACT_TONE[state]}`} data-state={state} data-testid="data-contract-state">
      {t(`data.contract.state.${state}`)}
    </span>
  );
}

export function UseStateBadge({ state }: { state: DataUseState }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${USE_TONE[state]}`} data-state={state}>
      {t(`data.use.state.${state}`)}
    </span>
  );
}

export function PolicyWords({ product }: { product: Pick<DataProduct, 'policy' | 'feeFenPerUse'> }) {
  const { t } = useI18n();
  return (
    <ul className="data-policy" data-testid="data-policy">
      {policyInWords(product.policy, product.feeFenPerUse, t).map((l, i) => (
        <li key={i} data-kind={l.kind}>
          {l.text}
        </li>
      ))}
    </ul>
  );
}

/** How the result was made safe to release, in one sentence. */
export function ReleaseNote({ result }: { result: DataResult }) {
  const { t, lang } = useI18n();
  const r = result.release;
  const text =
    r.kind === 'k-anonymity'
      ? t('data.release.k', { k: r.k, smallest: r.smallestGroup, rows: formatNumber(result.rowsScanned, lang, 0) })
      : t('data.release.dp', {
          epsilon: formatNumber(r.epsilonSpent, lang, 3),
          scale: Object.entries(r.scale)
            .map(([name, s]) => `${name} ± ${formatNumber(s, lang, 2)}`)
            .join(t('data.policy.listSep')),
          rows: formatNumber(result.rowsScanned, lang, 0),
        });
  return (
    <p className="hint" data-testid="data-release">
      {text}
    </p>
  );
}

/** The released groups: key columns, then values, as the server named them. */
export function ResultTable({ result }: { result: DataResult }) {
  const { t, lang } = useI18n();
  const keys = [...new Set(result.groups.flatMap((g) => Object.keys(g.key)))];
  const values = [...new Set(result.groups.flatMap((g) => Object.keys(g.values)))];
  if (result.groups.length === 0) return <p className="empty">{t('data.result.empty')}</p>;
  return (
    <table className="table" data-testid="data-result">
      <thead>
        <tr>
          {keys.map((k) => (
            <th key={k}>{k}</th>
          ))}
          {values.map((v) => (
            <th key={v} className="num">
              {v}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {result.groups.map((g, i) => (
          <tr key={i}>
            {keys.map((k) => (
              <td key={k}>{String(g.key[k] ?? '—')}</td>
            ))}
            {values.map((v) => {
              const x = g.values[v];
              return (
                <td key={v} className="num">
                  {x === null || x === undefined ? '—' : formatNumber(x, lang, 2)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
