import { citizenDoor } from '../doors/citizen/door.tsx';
import { kioskDoor } from '../doors/kiosk/door.tsx';
import { doorAmong, type Door } from '../doors/types.ts';

/** The door build's doors (vite.door.config.ts puts this in place of doors/registry.ts): the citizen app and the kiosk. */
export const doors: readonly Door[] = [citizenDoor, kioskDoor];

/** Any other path opens in the citizen app's frame (its page says not found: the door build has no other pages). */
export function doorFor(path: string): Door {
  return doorAmong(doors, path) ?? citizenDoor;
}
