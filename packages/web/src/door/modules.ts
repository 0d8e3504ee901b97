import { citizenRoutes, govNav } from '../modules/gov/citizen.tsx';
import type { ModuleUi } from '../modules/types.ts';

/** The door build's modules (in place of modules/registry.ts): the gov module's citizen and kiosk pages only. */
export const modules: readonly ModuleUi[] = [{ nav: govNav, routes: citizenRoutes }];
