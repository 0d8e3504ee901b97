import { Shell } from '../components/Shell.tsx';
import type { Door } from './types.ts';

/** The operations console: header, module navigation, any page a role's navigation lists. */
export const consoleDoor: Door = { id: 'console', prefixes: [], Layout: Shell };
