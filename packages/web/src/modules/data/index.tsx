import type { ModuleUi } from '../types.ts';
import { CataloguePage } from './CataloguePage.tsx';
import { ConsumerPage, UsePage } from './ConsumerPage.tsx';
import { ContractPage } from './ContractPage.tsx';
import { DataOverviewTiles } from './OverviewTiles.tsx';
import { ProductPage } from './ProductPage.tsx';
import { ProviderPage } from './ProviderPage.tsx';
import { ScenariosPage } from './ScenariosPage.tsx';
import './data.css';

/** As the server's routes say: tenants and the operator take part; a viewer reads the catalogue and the figures. */
const PARTIES = ['tenant', 'operator'] as const;
const READERS = [...PARTIES, 'viewer'] as const;

/** 数据要素×, the trusted data space: catalogue, products, contracts and queries, the provider's and consumer's desks, scenarios. */
export const ui: ModuleUi = {
  nav: {
    id: 'data',
    label: 'data.nav.group',
    items: [
      { id: 'catalogue', path: '/data', label: 'data.nav.catalogue', roles: READERS },
      { id: 'consumer', path: '/data/consumer', label: 'data.nav.consumer', roles: PARTIES },
      { id: 'provider', path: '/data/provider', label: 'data.nav.provider', roles: PARTIES },
      { id: 'scenarios', path: '/data/scenarios', label: 'data.nav.scenarios', roles: READERS },
    ],
  },
  routes: [
    { pattern: '/data', render: () => <CataloguePage /> },
    { pattern: '/data/products/:id', render: (p) => <ProductPage key={p.id} id={p.id ?? ''} /> },
    { pattern: '/data/contracts/:id', render: (p) => <ContractPage key={p.id} id={p.id ?? ''} /> },
    { pattern: '/data/uses/:id', render: (p) => <UsePage key={p.id} id={p.id ?? ''} /> },
    { pattern: '/data/consumer', render: () => <ConsumerPage /> },
    { pattern: '/data/provider', render: () => <ProviderPage /> },
    { pattern: '/data/scenarios', render: () => <ScenariosPage /> },
  ],
  overviewTiles: DataOverviewTiles,
  overviewTileRoles: READERS,
};
