import type { ServerEvent } from '@shuzhi/schema';

export type LiveState = 'connecting' | 'connected' | 'reconnecting';

/** Emitted locally after every (re)connect: anything missed while the stream was down must be refetched. */
export const STREAM_OPEN = 'stream.open';

type Listener = (e: ServerEvent) => void;
type StateListener = (s: LiveState) => void;
type SourceFactory = (url: string) => EventSource;

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * One EventSource for the whole app, fanned out to the pages that listen. The browser retries a dropped
 * stream by itself, but gives up for good on an HTTP error (e.g. a server restart answering 502), so a
 * closed source is reopened here with capped exponential backoff.
 */
export class EventHub {
  private source: EventSource | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<StateListener>();
  private backoffMs = MIN_BACKOFF_MS;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  state: LiveState = 'connecting';

  constructor(
    private readonly url = '/api/events',
    private readonly factory: SourceFactory | null = typeof EventSource === 'undefined'
      ? null
      : (u) => new EventSource(u, { withCredentials: true }),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onState(l: StateListener): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  private setState(s: LiveState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private emit(e: ServerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
  }

  private open(): void {
    if (this.stopped || !this.factory) return;
    const es = this.factory(this.url);
    this.source = es;
    es.onopen = () => {
      this.backoffMs = MIN_BACKOFF_MS;
      this.setState('connected');
      this.emit({ id: 0, at: new Date().toISOString(), kind: STREAM_OPEN, entity: 'stream', entityId: '', data: {} });
    };
    es.onmessage = (msg: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as ServerEvent).kind === 'string') {
        this.emit(parsed as ServerEvent);
      }
    };
    es.onerror = () => {
      if (this.source !== es) return;
      this.setState('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        this.source = null;
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
        this.timer = setTimeout(() => {
          this.timer = null;
          this.open();
        }, delay);
      }
    };
  }
}
