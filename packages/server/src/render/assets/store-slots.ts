/**
 * At most `size` blob transfers from the store at once; the rest wait in arrival order. 20,000 nodes
 * starting one job then read the disk `size` at a time instead of all together (the node's cache
 * makes each node ask once per blob, whatever the number of its jobs).
 */
export class StoreSlots {
  private busy = 0;
  private readonly queue: (() => void)[] = [];
  /** Most transfers that ever ran at once, and transfers that had to wait (the bench and tests read them). */
  readonly stats = { peak: 0, waited: 0 };

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('store slots must be at least 1');
  }

  /** Waits for a slot; call the returned function once the transfer ended (twice is harmless). */
  async take(): Promise<() => void> {
    if (this.busy >= this.size) {
      this.stats.waited++;
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.busy++;
    }
    this.stats.peak = Math.max(this.stats.peak, this.busy);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter: busy stays the same.
      if (next) next();
      else this.busy--;
    };
  }
}
