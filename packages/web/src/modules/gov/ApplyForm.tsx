import { useState } from 'react';
import type { GovApplicantRef, GovApplicationView, GovChannel, GovFieldView, GovMaterialSubmission, GovPrefillResponse } from '@shuzhi/schema';
import { ApiError } from '../../api/client.ts';
import { useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { formatFen, formatNumber } from '../../format.ts';
import { formatCountFor, formatDayFor } from '../../i18n/intl.ts';
import { ALL_CONSENT, govApi, newIdempotencyKey, sha256Hex } from './api.ts';
import { Iso, Tx, interpolate, useDoorFormat } from '../../doors/citizen/common.tsx';

type Answer = string | number | boolean;

/** What the registries answered, each with its source (the form, and the application afterwards). */
export function FilledTable({ fields, testId }: { fields: readonly GovFieldView[]; testId?: string }) {
  const { t, lang } = useI18n();
  // A registry's value as the reader's language writes it: days and numbers through Intl, yes/no in words.
  const shown = ({ type, value }: GovFieldView): string =>
    typeof value === 'boolean' ? t(value ? 'gov.value.yes' : 'gov.value.no')
    : typeof value === 'number' ? (type === 'money_fen' ? formatFen(value) : Number.isInteger(value) ? formatCountFor(value, lang) : formatNumber(value, lang, 2))
    : type === 'date' && typeof value === 'string' ? formatDayFor(value, lang)
    : String(value);
  return (
    <table className="table" data-testid={testId}>
      <tbody>
        {fields.map((f) => (
          <tr key={f.key} data-testid={`gov-filled-${f.key}`}>
            <td><Tx text={f.label} /></td>
            <td><Iso>{shown(f)}</Iso></td>
            <td className="muted small">{interpolate(t('gov.apply.from'), { source: <Tx text={f.sourceLabel} /> })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One form for every channel (app, kiosk, window): consent, what was filled and from where, the rest to ask.
 * `stepwise` (elderly mode) asks one question per screen before the documents and the submit button.
 */
/**
 * `headings`: the level of the form's section titles, one below the heading the form sits under (the item's
 * <h1> on the citizen app and kiosk, the window's <h2>), so a screen reader's outline skips no level (axe-core
 * heading-order).
 */
export function ApplyForm({ itemId, channel, applicant, ticketId, stepwise = false, headings: H = 'h3', onDone }: { itemId: string; channel: GovChannel; applicant?: GovApplicantRef; ticketId?: string; stepwise?: boolean; headings?: 'h2' | 'h3'; onDone: (app: GovApplicationView) => void }) {
  const { t, lang } = useI18n();
  const fmt = useDoorFormat();
  const errText = useErrorText();
  const [consent, setConsent] = useState<string[]>([...ALL_CONSENT]);
  const [agreed, setAgreed] = useState(false);
  const [pre, setPre] = useState<GovPrefillResponse | null>(null);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [materials, setMaterials] = useState<Record<string, GovMaterialSubmission>>({});
  const [commit, setCommit] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [key] = useState(newIdempotencyKey);
  const [step, setStep] = useState(0);

  const load = async () => {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      setPre(await govApi.prefill({ itemId, consent: consent as never, ...(applicant ? { applicant } : {}) }));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) setFieldErrors(Object.fromEntries(err.fieldErrors.map((e) => [e.path, e.message])));
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (!pre) return;
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      const out = await govApi.submit({
        itemId,
        idempotencyKey: key,
        draftId: pre.draftId,
        channel,
        consent: consent as never,
        ...(applicant ? { applicant } : {}),
        ...(ticketId ? { ticketId } : {}),
        answers,
        materials: Object.values(materials),
        ...(commit ? { commitment: { statement: t('gov.apply.commitmentText'), signed: true as const } } : {}),
      });
      onDone(out.application);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) {
        setFieldErrors(Object.fromEntries(err.fieldErrors.map((e) => [e.path, e.message])));
        const first = needed.findIndex((f) => err.fieldErrors.some((e) => e.path === `answers.${f.key}`));
        if (stepwise && first >= 0) setStep(first);
      }
    } finally {
      setBusy(false);
    }
  };

  const needed = pre?.fields.filter((f) => f.status === 'needed') ?? [];

  if (!pre) {
    return (
      <div className="card" data-testid="gov-consent">
        <H>{t('gov.apply.consentTitle')}</H>
        <p className="hint">{t('gov.apply.consentHint')}</p>
        <div className="checks">
          {ALL_CONSENT.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" checked={consent.includes(r)} onChange={(e) => setConsent(e.target.checked ? [...consent, r] : consent.filter((x) => x !== r))} />
              {t(`gov.registry.${r}`)}
            </label>
          ))}
        </div>
        <label className="check">
          <input type="checkbox" data-testid="gov-consent-agree" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} />
          {t('gov.apply.agree')}
        </label>
        {error !== null && <p className="form-error" role="alert">{errText(error)}</p>}
        {Object.entries(fieldErrors).map(([p, m]) => (
          <p key={p} className="field-error" data-testid={`gov-error-${p}`}>{m}</p>
        ))}
        <div className="form-actions">
          <button type="button" className="btn btn-primary" data-testid="gov-prefill" disabled={!agreed || busy} onClick={load}>
            {t('gov.apply.start')}
          </button>
        </div>
      </div>
    );
  }

  const filled = pre.fields.filter((f) => f.status === 'filled');
  const asked = pre.materials.filter((m) => m.status === 'upload' || m.status === 'commitment');
  const count = fmt.count;
  const question = (f: (typeof needed)[number]) => {
          const path = `answers.${f.key}`;
          const v = answers[f.key];
          const set = (x: Answer) => setAnswers({ ...answers, [f.key]: x });
          return (
            <label key={f.key} className={`field${fieldErrors[path] ? ' field-invalid' : ''}`}>
              <span><Tx text={f.label} />{f.optional ? ` (${t('gov.apply.optional')})` : ''}</span>
              {f.type === 'choice' ? (
                <select data-testid={`gov-field-${f.key}`} value={String(v ?? '')} onChange={(e) => set(e.target.value)}>
                  <option value="">—</option>
                  {(f.choices ?? []).map((c) => (
                    // Choices are the registry's own values (Chinese); tagged so a reader or screen reader knows.
                    <option key={c} value={c} lang={lang === 'en' ? undefined : 'zh-CN'}>{c}</option>
                  ))}
                </select>
              ) : f.type === 'boolean' ? (
                <input type="checkbox" data-testid={`gov-field-${f.key}`} checked={v === true} onChange={(e) => set(e.target.checked)} />
              ) : (
                <input
                  data-testid={`gov-field-${f.key}`}
                  type={f.type === 'date' ? 'date' : f.type === 'number' || f.type === 'money_fen' ? 'number' : 'text'}
                  value={v === undefined ? '' : String(v)}
                  onChange={(e) => set(f.type === 'number' || f.type === 'money_fen' ? Number(e.target.value) : e.target.value)}
                />
              )}
              {f.blockedByConsent && f.blockedByConsent.length > 0 && <small className="hint">{t('gov.apply.blocked')}</small>}
              {fieldErrors[path] && <small className="field-error" data-testid={`gov-error-${path}`}>{fieldErrors[path]}</small>}
            </label>
          );
  };

  if (stepwise && step < needed.length) {
    const f = needed[step]!;
    return (
      <div className="gov-form gov-step" data-testid="gov-form" data-step={step + 1}>
        <p className="hint" data-testid="gov-step">{interpolate(t('door.step'), { n: count(step + 1), total: count(needed.length + 1) })}</p>
        <div className="card">{question(f)}</div>
        <div className="form-actions gov-step-actions">
          {step > 0 && <button type="button" className="btn" data-testid="gov-step-prev" onClick={() => setStep(step - 1)}>{t('door.prev')}</button>}
          <button type="button" className="btn btn-primary" data-testid="gov-step-next" onClick={() => setStep(step + 1)}>{t('door.next')}</button>
        </div>
      </div>
    );
  }

  return (
    <div className="gov-form" data-testid="gov-form">
      {stepwise && needed.length > 0 && (
        <div className="form-actions">
          <p className="hint" data-testid="gov-step">{interpolate(t('door.step'), { n: count(needed.length + 1), total: count(needed.length + 1) })}</p>
          <button type="button" className="btn" data-testid="gov-step-prev" onClick={() => setStep(needed.length - 1)}>{t('door.prev')}</button>
        </div>
      )}
      <div className="card">
        <H>{interpolate(t('gov.apply.filledTitle'), { n: count(filled.length) })}</H>
        <FilledTable fields={filled} testId="gov-filled" />
      </div>
      {!stepwise && (
        <div className="card">
          <H>{interpolate(t('gov.apply.askTitle'), { n: count(needed.length) })}</H>
          {needed.length === 0 && <p className="muted">{t('gov.apply.nothingToAsk')}</p>}
          {needed.map(question)}
        </div>
      )}
      <div className="card">
        <H>{t('gov.apply.materialsTitle')}</H>
        <ul className="gov-materials">
          {pre.materials.map((m) => {
            const path = `materials.${m.materialId}`;
            return (
              <li key={m.materialId} data-testid={`gov-material-${m.materialId}`}>
                <span className={`tag gov-trust-${m.trustLevel}`}>{m.trustLevel}</span> <Tx text={m.name} /> — <span className="muted">{t(`gov.material.${m.status}`)}</span>
                {(m.status === 'upload' || m.status === 'commitment') && (
                  <div>
                    <input
                      type="file"
                      data-testid={`gov-upload-${m.materialId}`}
                      onChange={async (e) => {
                        const file = e.target.files?.[0];
                        if (!file) return;
                        const sha256 = await sha256Hex(await file.arrayBuffer());
                        setMaterials({ ...materials, [m.materialId]: { materialId: m.materialId, kind: 'upload', fileName: file.name, sha256 } });
                      }}
                    />
                    {m.status === 'commitment' && (
                      <label className="check">
                        <input
                          type="checkbox"
                          checked={materials[m.materialId]?.kind === 'commitment'}
                          onChange={(e) => {
                            const next = { ...materials };
                            if (e.target.checked) next[m.materialId] = { materialId: m.materialId, kind: 'commitment' };
                            else delete next[m.materialId];
                            setMaterials(next);
                            if (e.target.checked) setCommit(true);
                          }}
                        />
                        {t('gov.apply.commitInstead')}
                      </label>
                    )}
                  </div>
                )}
                {fieldErrors[path] && <small className="field-error" data-testid={`gov-error-${path}`}>{fieldErrors[path]}</small>}
              </li>
            );
          })}
        </ul>
        {asked.length === 0 && <p className="muted">{t('gov.apply.noMaterials')}</p>}
      </div>
      {pre.commitmentAvailable && (
        <div className="card">
          <label className="check">
            <input type="checkbox" data-testid="gov-commitment" checked={commit} onChange={(e) => setCommit(e.target.checked)} />
            {t('gov.apply.commitmentText')}
          </label>
          {fieldErrors['commitment'] && <small className="field-error">{fieldErrors['commitment']}</small>}
        </div>
      )}
      {error !== null && <p className="form-error" role="alert" data-testid="gov-form-error">{errText(error)}</p>}
      <div className="form-actions">
        <button type="button" className="btn btn-primary btn-block" data-testid="gov-submit" disabled={busy} onClick={submit}>
          {t('gov.apply.submit')}
        </button>
      </div>
    </div>
  );
}
