import type { ReactNode } from 'react';
import { matchPath } from './router.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';

export interface Route {
  pattern: string;
  render(params: Record<string, string>): ReactNode;
}

/** The page of the first route whose pattern matches `path`; not found otherwise. */
export function renderFrom(routes: readonly Route[], path: string): ReactNode {
  for (const r of routes) {
    const params = matchPath(r.pattern, path);
    if (params) return r.render(params);
  }
  return <NotFoundPage />;
}
