import type { ComponentType, ReactNode } from 'react';
import { NetworkMap } from '../../components/NetworkMap.tsx';
import { useI18n } from '../../i18n/I18nProvider.tsx';
import type { MessageKey } from '../../i18n/dictionaries.ts';
import { DataOverviewTiles } from '../../modules/data/OverviewTiles.tsx';
import { MineOverviewTiles } from '../../modules/mine/FleetPage.tsx';
import { ComputeSection, GovSection, RenderSection } from './sections.tsx';
// With the page's chunk, not the app's first load; the layout's frame is styled once the page arrives.
import './wall.css';

function Section({ id, title, children }: { id: string; title: MessageKey; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <section className={`wall-section wall-${id}`} aria-labelledby={`wall-h-${id}`} data-testid={`wall-${id}`}>
      <h2 id={`wall-h-${id}`}>{t(title)}</h2>
      <div className="wall-tiles">{children}</div>
    </section>
  );
}

const lower: ReadonlyArray<{ id: string; title: MessageKey; Tiles: ComponentType }> = [
  { id: 'mine', title: 'wall.mine', Tiles: MineOverviewTiles },
  { id: 'data', title: 'wall.data', Tiles: DataOverviewTiles },
];

/**
 * The control-room wall: every module's headline figures and the network map on one 1920×1080 screen,
 * refreshed by server events and polling, with nothing to click. Each module's tiles are its own
 * (tiles.ts, ModuleUi.overviewTiles) or its dashboard's figures; the wall only lays them out.
 */
export function WallPage() {
  const { t } = useI18n();
  return (
    <div className="wall-grid">
      <Section id="compute" title="wall.compute">
        <ComputeSection />
      </Section>
      <section className="wall-section wall-map" aria-labelledby="wall-h-map">
        <h2 id="wall-h-map">{t('wall.map')}</h2>
        <NetworkMap dark big view="regional" height={500} />
      </section>
      <div className="wall-side">
        <Section id="gov" title="wall.gov">
          <GovSection />
        </Section>
        <Section id="render" title="wall.render">
          <RenderSection />
        </Section>
      </div>
      {lower.map(({ id, title, Tiles }) => (
        <Section key={id} id={id} title={title}>
          <Tiles />
        </Section>
      ))}
    </div>
  );
}
