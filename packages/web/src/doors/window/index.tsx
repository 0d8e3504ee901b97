import type { Door, DoorLayoutProps } from '../types.ts';
import { StaffFrame, staffLayout } from '../workbench/StaffFrame.tsx';

export const windowFrame = (p: DoorLayoutProps) => <StaffFrame {...p} door="window" title="gov.door.window" />;

/** The window clerk's counter (一窗受理): the ticket being served, the person in front, their case, a receipt. */
export const windowDoor: Door = { id: 'window', prefixes: ['/gov/window'], Layout: staffLayout(['window'], windowFrame) };
