import { useState } from 'react';
import type { GovTicket } from '@shuzhi/schema';
import { ErrorBox, Loading, useErrorText } from '../../components/Feedback.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { itemsFor, useSubject } from '../../modules/gov/CitizenApp.tsx';
import { govApi } from '../../modules/gov/api.ts';
import { navigate } from '../../router.tsx';
import { useResource } from '../../useResource.ts';
import { Iso, Tx, useCare, useDoorFormat, useSignOut } from '../citizen/common.tsx';
import { KIOSK_HOME } from './door.tsx';

/** Step 1: the signed-in person's items as large buttons, and a queue number for the window. */
export function KioskHome() {
  const { t } = useI18n();
  const care = useCare();
  const subject = useSubject();
  const errText = useErrorText();
  const cat = useResource(() => govApi.catalogue(), []);
  const [all, setAll] = useState(false);
  const [ticket, setTicket] = useState<GovTicket | null>(null);
  const [error, setError] = useState<unknown>(null);
  const items = cat.data ? itemsFor(cat.data, subject, care, all) : null;
  return (
    <>
      <h1>{care && !all ? t('door.common') : t('gov.app.apply')}</h1>
      {cat.error ? <ErrorBox error={cat.error} onRetry={cat.reload} /> : !items ? <Loading /> : (
        <div className="kiosk-grid" data-testid="kiosk-items">
          {items.map((i) => (
            <button key={i.id} type="button" className="btn kiosk-btn" data-testid={`kiosk-apply-${i.id}`} onClick={() => navigate(`${KIOSK_HOME}/apply/${i.id}`)}>
              <Tx text={i.name} itemId={i.id} />
            </button>
          ))}
          {care && !all && <button type="button" className="btn kiosk-btn" data-testid="kiosk-all-items" onClick={() => setAll(true)}>{t('door.allItems')}</button>}
        </div>
      )}
      <div className="kiosk-actions">
        <button type="button" className="btn kiosk-btn" data-testid="kiosk-ticket-take" onClick={() => govApi.takeTicket().then(setTicket, setError)}>{t('kiosk.ticket.take')}</button>
      </div>
      {error !== null && <p className="form-error" role="alert">{errText(error)}</p>}
      {ticket && (
        <section className="kiosk-receipt" data-testid="kiosk-ticket" aria-labelledby="kiosk-ticket-title">
          <h2 id="kiosk-ticket-title">{t('kiosk.ticket.title')}</h2>
          <p className="kiosk-ticket-number"><Iso>{ticket.number}</Iso></p>
          <p>{t('kiosk.ticket.hint')}</p>
          <button type="button" className="btn kiosk-btn kiosk-print" onClick={() => window.print()}>{t('kiosk.receipt.print')}</button>
        </section>
      )}
    </>
  );
}

/** Step 3: the receipt, on screen and on paper (the print stylesheet prints only the receipt). */
export function KioskDone({ id }: { id: string }) {
  const { t } = useI18n();
  const fmt = useDoorFormat();
  const signOut = useSignOut();
  const app = useResource(() => govApi.application(id), [id]);
  if (app.error) return <ErrorBox error={app.error} onRetry={app.reload} />;
  if (!app.data) return <Loading />;
  const a = app.data;
  return (
    <>
      <section className="kiosk-receipt" data-testid="kiosk-receipt" aria-labelledby="kiosk-receipt-title">
        <h1 id="kiosk-receipt-title">{t('kiosk.receipt.title')}</h1>
        <p className="kiosk-receipt-item"><Tx text={a.itemName} itemId={a.itemId} /></p>
        <dl>
          <dt>{t('door.applicationNo')}</dt>
          <dd className="mono" data-testid="kiosk-receipt-id"><Iso>{a.id}</Iso></dd>
          <dt>{t('door.submittedAt')}</dt>
          <dd>{fmt.date(a.submittedAt)}</dd>
          <dt>{t('door.status')}</dt>
          <dd>{t(`gov.status.${a.status}`)}</dd>
          <dt>{t('door.applicant')}</dt>
          <dd><Iso>{a.applicantName}</Iso> · <Iso>{a.subjectMasked}</Iso></dd>
        </dl>
        <p>{t('gov.kiosk.done')}</p>
      </section>
      <div className="kiosk-actions">
        <button type="button" className="btn kiosk-btn kiosk-print" data-testid="kiosk-print" onClick={() => window.print()}>{t('kiosk.receipt.print')}</button>
        <button type="button" className="btn kiosk-btn" data-testid="kiosk-again" onClick={() => navigate(KIOSK_HOME)}>{t('gov.kiosk.again')}</button>
        <button type="button" className="btn btn-primary kiosk-btn" data-testid="kiosk-finish" onClick={signOut}>{t('kiosk.receipt.finish')}</button>
      </div>
    </>
  );
}
