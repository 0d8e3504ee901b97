import type { ModuleUi } from '../types.ts';
import { CataloguePage } from './CataloguePage.tsx';
import { ConsumerPage, UsePage } from './ConsumerPage.tsx';
import { ContractPage } from './ContractPage.tsx';
import { DataOverviewTiles } from './OverviewTiles.tsx';
import { ProductPage } from './ProductPage.tsx';
import { ProviderPage } from './ProviderPage.tsx';
import { ScenariosPage } from './ScenariosPage.tsx';
import './data.css';

/** 数据要素×, the trusted data space: catalogue, products, contracts and queries, the provider's and consumer's desks, scenarios. */
export const ui: ModuleUi = {
  nav: {
    id: 'data',
    label: 'data.nav.group',
    items: [
      { id: 'catalogue', path: '/data', label: 'data.nav.catalogue' },
      { id: 'consumer', path: '/data/consumer', label: 'data.nav.consumer', roles: ['tenant', 'operator'] },
      { id: 'provider', path: '/data/provider', label: 'data.nav.provider', roles: ['tenant', 'operator'] },
      { id: 'scenarios', path: '/data/scenarios', label: 'data.nav.scenarios' },
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
};
