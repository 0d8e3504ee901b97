import type { ModuleUi } from '../types.ts';
import { lazyPage } from '../../lazyPage.ts';
import './data.css';

const CataloguePage = lazyPage(() => import('./CataloguePage.tsx'), 'CataloguePage');
const ConsumerPage = lazyPage(() => import('./ConsumerPage.tsx'), 'ConsumerPage');
const UsePage = lazyPage(() => import('./ConsumerPage.tsx'), 'UsePage');
const ContractPage = lazyPage(() => import('./ContractPage.tsx'), 'ContractPage');
const ProductPage = lazyPage(() => import('./ProductPage.tsx'), 'ProductPage');
const ProviderPage = lazyPage(() => import('./ProviderPage.tsx'), 'ProviderPage');
const DataOverviewTiles = lazyPage(() => import('./OverviewTiles.tsx'), 'DataOverviewTiles');
const ScenariosPage = lazyPage(() => import('./ScenariosPage.tsx'), 'ScenariosPage');

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
