import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';

/** How often an idle stream says it is alive, so proxies and browsers keep it open. */
const KEEP_ALIVE_MS = 15_000;

export interface LiveStream<M> {
  /** Starts delivering; returns the unsubscribe. Called once, before the first message is written. */
  subscribe(push: (m: M) => void): () => void;
  /** Written first (the client's starting picture). */
  first?: () => SSEMessage;
  /** The SSE messages for one batch of what was pushed. */
  toMessages(batch: M[]): SSEMessage[];
  /** Called before each batch with the whole queue: a slow client's backlog may be trimmed here. */
  trim?(queue: M[]): void;
}

/**
 * One server-sent-events loop for every live stream: queue what arrives, write it in batches,
 * ping when idle, and stop (unsubscribed, timers cleared) when the client goes away.
 */
export function liveStream<M>(c: Context, live: LiveStream<M>): Response {
  return streamSSE(c, async (stream) => {
    const queue: M[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = live.subscribe((m) => {
      queue.push(m);
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    try {
      if (live.first) await stream.writeSSE(live.first());
      while (!stream.aborted && !stream.closed) {
        if (queue.length === 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((res) => {
            wake = res;
            timer = setTimeout(res, KEEP_ALIVE_MS);
          });
          clearTimeout(timer);
          wake = null;
          if (queue.length === 0) {
            if (!stream.aborted) await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
        }
        live.trim?.(queue);
        const batch = queue.splice(0, queue.length);
        for (const m of live.toMessages(batch)) await stream.writeSSE(m);
      }
    } finally {
      unsubscribe();
    }
  });
}
