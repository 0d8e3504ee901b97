import type { ModuleFactory } from '../module.ts';

/** The mine module: not shipped yet. */
export const mineModule: ModuleFactory = () => ({ name: 'mine' });
