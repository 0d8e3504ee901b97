import type { Door } from '../types.ts';
import { windowFrame } from '../window/index.tsx';
import { StaffFrame, staffLayout } from './StaffFrame.tsx';

/**
 * The officer's and supervisor's workbench: the item catalogue, the department queue, a case, the supervisor
 * dashboard — every government page no more specific door (window, citizen app, kiosk) owns. A window clerk
 * on one of them (the catalogue, a case filed at the counter) stays in the window's frame; a citizen or an
 * operator in their own layout.
 */
export const workbenchDoor: Door = {
  id: 'workbench',
  prefixes: ['/gov'],
  Layout: staffLayout(['officer', 'supervisor', 'window'], (p) =>
    p.user.role === 'window' ? windowFrame(p) : <StaffFrame {...p} door="workbench" title={p.user.role === 'supervisor' ? 'gov.door.supervisor' : 'gov.door.workbench'} />,
  ),
};
