import { DataDomains, type DataResult, type DataScenario, type DataText } from '@shuzhi/schema';
import { LazyEChart } from '../../charts/LazyEChart.tsx';
import { ErrorBox, Loading } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { Link } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { dataApi } from './api.ts';
import { domainName, ReleaseNote, ResultTable, SyntheticBadge, useDataText } from './common.tsx';

/** 场景: the contest's worked examples, by domain — which products, which contract, what the use released. */
export function ScenariosPage() {
  const { t, lang } = useI18n();
  const scenarios = useResource(() => dataApi.scenarios(), []);
  const products = useResource(() => dataApi.products(), []);
  const titles = new Map((products.data ?? []).map((p) => [p.id, p.title]));
  if (scenarios.error) return <ErrorBox error={scenarios.error} onRetry={scenarios.reload} />;
  if (!scenarios.data) return <Loading />;
  const byDomain = DataDomains.map((d) => [d, scenarios.data!.filter((s) => s.domain === d)] as const).filter(([, list]) => list.length > 0);
  return (
    <div className="page" data-testid="data-scenarios">
      <div className="page-head">
        <h1>{t('data.scenarios.title')}</h1>
      </div>
      <p className="hint">{t('data.scenarios.hint')}</p>
      {byDomain.length === 0 && <p className="empty">{t('data.scenarios.none')}</p>}
      {byDomain.map(([domain, list]) => (
        <section key={domain} data-testid={`data-scenarios-${domain}`}>
          <h2>{domainName(domain, lang)}</h2>
          {list.map((s) => (
            <Scenario key={s.id} s={s} titles={titles} />
          ))}
        </section>
      ))}
    </div>
  );
}

function Scenario({ s, titles }: { s: DataScenario; titles: Map<string, DataText> }) {
  const { t } = useI18n();
  const tx = useDataText();
  return (
    <div className="card" data-testid={`data-scenario-${s.id}`}>
      <div className="card-head">
        <h3>{tx(s.title)}</h3>
        <SyntheticBadge synthetic={s.synthetic} />
      </div>
      <p>{tx(s.description)}</p>
      <p className="small">
        {t('data.scenarios.products')}{' '}
        {s.productIds.map((id, i) => (
          <span key={id}>
            {i > 0 && ', '}
            <Link to={`/data/products/${encodeURIComponent(id)}`}>{titles.has(id) ? tx(titles.get(id)!) : id}</Link>
          </span>
        ))}
        {s.contractId && (
          <>
            {' · '}
            {t('data.scenarios.contract')} <Link to={`/data/contracts/${encodeURIComponent(s.contractId)}`}>{s.contractId}</Link>
          </>
        )}
      </p>
      {s.result ? (
        <>
          <ResultChart result={s.result} />
          <ReleaseNote result={s.result} />
          <div className="card-flush">
            <ResultTable result={s.result} />
          </div>
        </>
      ) : (
        <p className="muted">{t('data.scenarios.noResult')}</p>
      )}
    </div>
  );
}

/** A bar per group of the first released value, when the groups have one key to label them by. */
function ResultChart({ result }: { result: DataResult }) {
  const first = result.groups[0];
  const keyName = first ? Object.keys(first.key)[0] : undefined;
  const valueName = first ? Object.keys(first.values)[0] : undefined;
  if (!keyName || !valueName || result.groups.length < 2 || result.groups.length > 60) return null;
  return (
    <LazyEChart
      style={{ height: 220 }}
      option={{
        tooltip: { trigger: 'axis' },
        grid: { left: 60, right: 10, top: 20, bottom: 50 },
        xAxis: { type: 'category', data: result.groups.map((g) => String(g.key[keyName] ?? '—')), axisLabel: { rotate: 30, fontSize: 10 } },
        yAxis: { type: 'value', name: valueName },
        series: [{ type: 'bar', name: valueName, data: result.groups.map((g) => g.values[valueName] ?? null) }],
      }}
    />
  );
}
