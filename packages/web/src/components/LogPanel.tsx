import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogLine } from '@shuzhi/schema';
import { useApi } from '../api/context.tsx';
import { formatClock } from '../format.ts';
import { useI18n } from '../i18n/I18nProvider.tsx';
import { useErrorText } from './Feedback.tsx';

const POLL_MS = 2_000;
/** Enough scrollback to read a failure; older lines are dropped so a chatty job cannot exhaust the tab. */
const MAX_LINES = 5_000;

export function LogPanel({ jobId, active }: { jobId: string; active: boolean }) {
  const api = useApi();
  const { t } = useI18n();
  const errorText = useErrorText();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [follow, setFollow] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const lastSeq = useRef<number | undefined>(undefined);
  const inFlight = useRef(false);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setLines([]);
    lastSeq.current = undefined;
  }, [jobId]);

  const fetchMore = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const more = await api.jobLogs(jobId, lastSeq.current);
      setError(null);
      if (more.length) {
        lastSeq.current = more[more.length - 1]!.seq;
        setLines((old) => {
          const next = old.concat(more);
          return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
        });
      }
    } catch (err) {
      setError(err);
    } finally {
      inFlight.current = false;
    }
  }, [api, jobId]);

  // First page, and one last read when the job finishes so its final lines are not missed.
  useEffect(() => {
    void fetchMore();
  }, [fetchMore, active]);

  useEffect(() => {
    if (!follow || !active) return;
    const id = setInterval(() => void fetchMore(), POLL_MS);
    return () => clearInterval(id);
  }, [follow, active, fetchMore]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  return (
    <div className="card">
      <div className="card-head">
        <h2>{t('job.logs')}</h2>
        <div className="toolbar">
          <label className="check">
            <input type="checkbox" data-testid="logs-follow" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
            {t('job.follow')}
          </label>
          {(!follow || !active) && (
            <button type="button" className="btn btn-small" onClick={() => void fetchMore()}>
              {t('job.loadMore')}
            </button>
          )}
        </div>
      </div>
      {error !== null && <p className="form-error">{errorText(error)}</p>}
      <pre className="logs" ref={box} data-testid="job-logs">
        {lines.length === 0 ? (
          <span className="muted">{t('job.noLogs')}</span>
        ) : (
          lines.map((l) => (
            <div key={l.seq} className={`log-line log-${l.stream}`}>
              <span className="log-time">{formatClock(l.at)}</span>
              {l.attempt > 1 && <span className="log-attempt">#{l.attempt}</span>}
              <span className="log-text">{l.text}</span>
            </div>
          ))
        )}
      </pre>
    </div>
  );
}
