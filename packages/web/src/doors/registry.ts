import { citizenDoor } from './citizen/door.tsx';
import { consoleDoor } from './console.tsx';
import { kioskDoor } from './kiosk/door.tsx';
import { doorAmong, type Door } from './types.ts';
import { wallDoor } from './wall/index.tsx';
import { windowDoor } from './window/index.tsx';
import { workbenchDoor } from './workbench/index.tsx';

/**
 * Every front door. Order matters only between overlapping prefixes: the longest matching prefix wins.
 * The console door is the fallback for any path no other door owns.
 */
export const doors: readonly Door[] = [consoleDoor, citizenDoor, kioskDoor, wallDoor, windowDoor, workbenchDoor];

/** The door whose layout frames the page at `path`. */
export function doorFor(path: string): Door {
  return doorAmong(doors, path) ?? consoleDoor;
}
