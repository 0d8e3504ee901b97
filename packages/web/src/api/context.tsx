import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ServerEvent, User } from '@shuzhi/schema';
import { createApi, type ApiClient } from './client.ts';
import { EventHub, STREAM_OPEN, type LiveState } from './events.ts';

const ApiContext = createContext<ApiClient>(createApi());
const UserContext = createContext<User | null>(null);
const EventsContext = createContext<EventHub | null>(null);

export function ApiProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function UserProvider({ user, children }: { user: User | null; children: ReactNode }) {
  return <UserContext.Provider value={user}>{children}</UserContext.Provider>;
}

export function EventsProvider({ hub, children }: { hub: EventHub | null; children: ReactNode }) {
  return <EventsContext.Provider value={hub}>{children}</EventsContext.Provider>;
}

export function useApi(): ApiClient {
  return useContext(ApiContext);
}

export function useUser(): User | null {
  return useContext(UserContext);
}

export function useLiveState(): LiveState {
  const hub = useContext(EventsContext);
  const [state, setState] = useState<LiveState>(hub?.state ?? 'connecting');
  useEffect(() => {
    if (!hub) return;
    setState(hub.state);
    return hub.onState(setState);
  }, [hub]);
  return state;
}

/**
 * Calls `onEvent` for server events whose kind starts with one of `kinds` (and after every reconnect),
 * coalesced over `debounceMs` so a burst of status changes costs one refetch.
 */
export function useServerEvents(kinds: readonly string[], onEvent: (e: ServerEvent) => void, debounceMs = 300): void {
  const hub = useContext(EventsContext);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const kindsKey = kinds.join('|');
  useEffect(() => {
    if (!hub) return;
    const prefixes = kindsKey.split('|');
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last: ServerEvent | null = null;
    const off = hub.subscribe((e) => {
      if (e.kind !== STREAM_OPEN && !prefixes.some((p) => e.kind === p || e.kind.startsWith(`${p}.`))) return;
      last = e;
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        if (last) handler.current(last);
      }, debounceMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [hub, kindsKey, debounceMs]);
}
