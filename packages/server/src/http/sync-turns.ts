/**
 * At most `perTurn` worker syncs started per turn of the event loop; the others wait, in arrival
 * order, for the next turns.
 *
 * Why: Node answers every request that is ready in one poll phase, and a sync runs to its answer in
 * the microtasks of the callback that read it. With thousands of render nodes asking as fast as they
 * finish (a saturated farm), every node's next sync is ready by the time the last one is answered, so
 * one turn of the loop grew to thousands of syncs (the render bench at 5,000 nodes: a 13 s turn, 7.2 s
 * of it this process's CPU, its profile all sync handling) in which no timer ran: the batch writer's
 * statements (one round trip a turn) took tens of seconds, its backlog bound then held the dispatch,
 * and an operator's overview waited as long. Bounded turns keep the same work going while timers, the
 * database's answers and other requests get the loop between them.
 */
export class SyncTurns {
  /** Syncs started in the turn under way. */
  private started = 0;
  private readonly waiting: (() => void)[] = [];
  /** Index of the first waiting sync (a queue without Array.shift's copying of 20,000 entries). */
  private head = 0;
  private turnScheduled = false;
  /** Syncs that waited for a later turn, and the most that waited at once (for the bench and tests). */
  readonly stats = { deferred: 0, maxWaiting: 0 };

  constructor(readonly perTurn: number) {
    if (!(perTurn >= 1)) throw new RangeError('syncs per turn must be at least 1');
  }

  /** Runs `answer` now if this turn has room and nobody waits, else in a later turn; settles as it does. */
  admit(answer: () => Promise<void>): Promise<void> {
    if (this.waitingCount() === 0 && this.started < this.perTurn) return this.start(answer);
    this.stats.deferred++;
    const queued = new Promise<void>((resolve, reject) => {
      this.waiting.push(() => void this.start(answer).then(resolve, reject));
    });
    this.stats.maxWaiting = Math.max(this.stats.maxWaiting, this.waitingCount());
    this.scheduleTurn();
    return queued;
  }

  waitingCount(): number {
    return this.waiting.length - this.head;
  }

  private start(answer: () => Promise<void>): Promise<void> {
    this.started++;
    this.scheduleTurn();
    return answer();
  }

  /**
   * The turn ends in the loop's check phase (setImmediate): after the poll phase that read the
   * requests, before the next turn's timers. The waiting syncs the new turn has room for start there.
   */
  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.started = 0;
      while (this.waitingCount() > 0 && this.started < this.perTurn) {
        const next = this.waiting[this.head]!;
        this.waiting[this.head++] = undefined as never;
        next();
      }
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
    });
  }
}
