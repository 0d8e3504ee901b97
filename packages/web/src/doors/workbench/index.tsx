import type { Door } from '../types.ts';
import { windowFrame } from '../window/index.tsx';
import { StaffFrame, staffLayout } from './StaffFrame.tsx';

/**
 * The officer's and supervisor's workbench: the department queue, a case, the supervisor dashboard.
 * A window clerk opening a case filed at the counter (/gov/applications/…) stays in the window's frame.
 */
export const workbenchDoor: Door = {
  id: 'workbench',
  prefixes: ['/gov/work', '/gov/applications', '/gov/dashboard'],
  Layout: staffLayout(['officer', 'supervisor', 'window'], (p) =>
    p.user.role === 'window' ? windowFrame(p) : <StaffFrame {...p} door="workbench" title={p.user.role === 'supervisor' ? 'gov.door.supervisor' : 'gov.door.workbench'} />,
  ),
};
