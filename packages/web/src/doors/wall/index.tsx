import { useEffect, useState } from 'react';
import type { DoorLayoutProps, Door } from '../types.ts';
import { formatClock, formatDateTime } from '../../format.ts';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import { formatDayFor } from '../../i18n/intl.ts';
import { homePath } from '../../nav.ts';
import { useInterval } from '../../useResource.ts';

/** `/api/health` says whether the demo network runs; it is a plain route outside the OpenAPI client. */
function useDemoFlag(): boolean {
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    let live = true;
    fetch('/api/health')
      .then((r) => (r.ok ? (r.json() as Promise<{ demo?: boolean }>) : null))
      .then((h) => live && setDemo(h?.demo === true))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return demo;
}

/** Beijing time; the day worded for the wall's language (Uyghur from CLDR's names, i18n/intl.ts), the time in digits. */
function Clock() {
  const { lang } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 1000);
  return (
    <time className="wall-clock" dateTime={new Date(now).toISOString()} data-testid="wall-clock">
      <bdi className="wall-date" data-testid="wall-date">{formatDayFor(formatDateTime(now).slice(0, 10), lang)}</bdi>
      <bdi className="wall-time">{formatClock(now)}</bdi>
    </time>
  );
}

/** The wall's frame: a title, the demo label, a clock; no navigation, nothing to press (a quiet link back for whoever stands at the screen). */
function WallLayout({ user, children }: DoorLayoutProps) {
  const { t } = useI18n();
  const demo = useDemoFlag();
  return (
    <div className="wall" data-testid="wall">
      <header className="wall-head">
        <h1>{t('wall.title')}</h1>
        {demo && (
          <p className="wall-demo" data-testid="wall-demo" title={t('wall.demoNote')}>
            <strong>{t('wall.demo')}</strong> {t('wall.demoNote')}
          </p>
        )}
        <Clock />
      </header>
      {/* `main` as every door names its page area (the role tests wait for main.main) */}
      <main className="main wall-main">{children}</main>
      <a className="wall-exit" href={`#${homePath(user.role)}`} data-testid="wall-exit">
        {t('wall.console')}
      </a>
    </div>
  );
}

export const wallDoor: Door = { id: 'wall', prefixes: ['/wall'], Layout: WallLayout };
