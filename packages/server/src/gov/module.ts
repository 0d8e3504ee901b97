import type { ModuleFactory } from '../module.ts';

/** The gov module: not shipped yet. */
export const govModule: ModuleFactory = () => ({ name: 'gov' });
