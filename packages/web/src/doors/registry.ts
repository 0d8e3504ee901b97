import { citizenDoor } from './citizen/door.tsx';
import { consoleDoor } from './console.tsx';
import { kioskDoor } from './kiosk/door.tsx';
import type { Door } from './types.ts';
import { wallDoor } from './wall/index.tsx';
import { windowDoor } from './window/index.tsx';
import { workbenchDoor } from './workbench/index.tsx';

/**
 * Every front door. Order matters only between overlapping prefixes: the longest matching prefix wins.
 * The console door is the fallback for any path no other door owns.
 */
export const doors: readonly Door[] = [consoleDoor, citizenDoor, kioskDoor, wallDoor, windowDoor, workbenchDoor];

function owns(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** The door whose layout frames the page at `path`. */
export function doorFor(path: string): Door {
  let best: { door: Door; len: number } | null = null;
  for (const door of doors) {
    for (const p of door.prefixes) {
      if (owns(p, path) && (!best || p.length > best.len)) best = { door, len: p.length };
    }
  }
  return best?.door ?? consoleDoor;
}
