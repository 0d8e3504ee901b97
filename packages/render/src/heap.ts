/** Binary min-heap; `before(a, b)` is true when a must come out first. */
export class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    return this.removeAt(0);
  }

  /** Read-only view for the rare linear scans (a blocklisted node looking past the head). */
  at(i: number): T | undefined {
    return this.items[i];
  }

  removeAt(i: number): T | undefined {
    const items = this.items;
    if (i < 0 || i >= items.length) return undefined;
    const out = items[i]!;
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      this.down(i);
      this.up(i);
    }
    return out;
  }

  clear(): void {
    this.items.length = 0;
  }

  private up(i: number): void {
    const items = this.items;
    const x = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!this.before(x, parent)) break;
      items[i] = parent;
      i = p;
    }
    items[i] = x;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const x = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.before(child, x)) break;
      items[i] = child;
      i = c;
    }
    items[i] = x;
  }
}
