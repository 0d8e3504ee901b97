import type { ComponentType, ReactNode } from 'react';
import type { Role } from '@shuzhi/schema';
import type { NavGroup } from '../nav.ts';

export interface ModuleRoute {
  pattern: string;
  render(params: Record<string, string>): ReactNode;
}

/** What a module adds to the app: its nav group and routes. */
export interface ModuleUi {
  nav: NavGroup;
  routes: readonly ModuleRoute[];
  /** Figure tiles for the overview wall (大屏): a component rendering <FigureTile>s into the shared grid. */
  overviewTiles?: ComponentType;
  /** Roles whose API calls the tiles may make (the server's route roles); absent = everyone signed in. */
  overviewTileRoles?: readonly Role[];
}
