import type { ReactNode } from 'react';
import { renderFrom } from '../routeTable.tsx';
import { modules } from './modules.ts';

/** The door build's routes (in place of routes.tsx): the citizen app's and the kiosk's. */
export const routes = modules.flatMap((m) => m.routes);

export function renderRoute(path: string): ReactNode {
  return renderFrom(routes, path);
}
