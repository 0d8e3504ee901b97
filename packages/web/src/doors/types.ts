import type { ComponentType, ReactNode } from 'react';
import type { User } from '@shuzhi/schema';

/**
 * A front door: one audience's route tree with its own layout and navigation (issue 17). Doors share the
 * API client, the event hub, the i18n provider and the pages' components; only the frame around a page differs.
 */
export type DoorId = 'citizen' | 'kiosk' | 'window' | 'workbench' | 'console' | 'wall';

export interface DoorLayoutProps {
  user: User;
  /** The route path (`/gov/app/…`), for highlighting the door's own navigation. */
  path: string;
  /** Signs out; `then` is where the screen goes afterwards (a kiosk's start screen), default the shared sign-in. */
  onLogout: (then?: string) => void;
  children: ReactNode;
}

export interface DoorLoginProps {
  expired: boolean;
  onLoggedIn: (user: User) => void;
}

export interface Door {
  id: DoorId;
  /** Route prefixes the door owns: a path equal to one, or under it, renders in this door's layout. */
  prefixes: readonly string[];
  Layout: ComponentType<DoorLayoutProps>;
  /** The door's own sign-in screen (a kiosk's, a phone's); absent = the shared login page. */
  Login?: ComponentType<DoorLoginProps>;
}

function owns(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** The door among `doors` that owns `path` (the longest matching prefix wins), or null. */
export function doorAmong(doors: readonly Door[], path: string): Door | null {
  let best: { door: Door; len: number } | null = null;
  for (const door of doors) {
    for (const p of door.prefixes) {
      if (owns(p, path) && (!best || p.length > best.len)) best = { door, len: p.length };
    }
  }
  return best?.door ?? null;
}
