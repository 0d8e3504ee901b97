const WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 10_000;

/** Tasks and frames completed over the last five minutes, in ten-second buckets (the overview's rates). */
export class Throughput {
  private readonly buckets = new Map<number, { tasks: number; frames: number }>();

  count(now: number, frames: number): void {
    const b = Math.floor(now / BUCKET_MS);
    const cur = this.buckets.get(b) ?? { tasks: 0, frames: 0 };
    cur.tasks++;
    cur.frames += frames;
    this.buckets.set(b, cur);
    if (this.buckets.size > WINDOW_MS / BUCKET_MS + 2) {
      for (const k of this.buckets.keys()) if (k < b - WINDOW_MS / BUCKET_MS) this.buckets.delete(k);
    }
  }

  perMinute(now: number): { tasks: number; frames: number } {
    let tasks = 0;
    let frames = 0;
    const from = Math.floor((now - WINDOW_MS) / BUCKET_MS);
    for (const [k, v] of this.buckets) {
      if (k <= from) continue;
      tasks += v.tasks;
      frames += v.frames;
    }
    const minutes = WINDOW_MS / 60_000;
    return { tasks: tasks / minutes, frames: frames / minutes };
  }
}
