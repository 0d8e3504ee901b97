import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '@shuzhi/schema';
import { EventHub, STREAM_OPEN } from '../src/api/events.ts';

/** A stand-in EventSource the test drives by hand. */
class FakeSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = FakeSource.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  close() {
    this.closed = true;
    this.readyState = FakeSource.CLOSED;
  }
}

describe('EventHub', () => {
  let sources: FakeSource[];
  beforeEach(() => {
    vi.useFakeTimers();
    sources = [];
    vi.stubGlobal('EventSource', FakeSource);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const hub = () =>
    new EventHub('/api/events', () => {
      const s = new FakeSource();
      sources.push(s);
      return s as unknown as EventSource;
    });

  it('passes events on and announces each (re)connect', () => {
    const h = hub();
    const seen: string[] = [];
    h.subscribe((e: ServerEvent) => seen.push(e.kind));
    h.start();
    sources[0]!.onopen?.();
    sources[0]!.onmessage?.({ data: JSON.stringify({ id: 1, at: '', kind: 'job.status', entity: 'job', entityId: 'job_1', data: {} }) });
    sources[0]!.onmessage?.({ data: 'not json' });
    expect(seen).toEqual([STREAM_OPEN, 'job.status']);
    expect(h.state).toBe('connected');
  });

  it('reopens a stream the browser gave up on, backing off', () => {
    const h = hub();
    h.start();
    const first = sources[0]!;
    first.readyState = FakeSource.CLOSED;
    first.onerror?.();
    expect(h.state).toBe('reconnecting');
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(sources).toHaveLength(2);
    sources[1]!.readyState = FakeSource.CLOSED;
    sources[1]!.onerror?.();
    vi.advanceTimersByTime(1000);
    expect(sources).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(sources).toHaveLength(3);
    sources[2]!.onopen?.();
    expect(h.state).toBe('connected');
  });

  it('leaves retrying to the browser while the source is still connecting', () => {
    const h = hub();
    h.start();
    sources[0]!.onerror?.();
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
  });

  it('stops reconnecting once stopped', () => {
    const h = hub();
    h.start();
    sources[0]!.readyState = FakeSource.CLOSED;
    sources[0]!.onerror?.();
    h.stop();
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
  });
});
