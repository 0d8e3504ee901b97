/**
 * At most `perTurn` worker syncs started per turn of the event loop; the others wait for the next turns.
 *
 * Why: Node answers every request that is ready in one poll phase, and a sync runs to its answer in
 * the microtasks of the callback that read it. With thousands of render nodes asking as fast as they
 * finish (a saturated farm), every node's next sync is ready by the time the last one is answered, so
 * one turn of the loop grew to thousands of syncs (the render bench at 5,000 nodes: a 13 s turn, 7.2 s
 * of it this process's CPU, its profile all sync handling) in which no timer ran: the batch writer's
 * statements (one round trip a turn) took tens of seconds, its backlog bound then held the dispatch,
 * and an operator's overview waited as long. Bounded turns keep the same work going while timers, the
 * database's answers and other requests get the loop between them.
 *
 * Which wait: a sync that asks for work or reports some done (`urgent`) goes before a heartbeat (a sync
 * that only renews the leases of running tasks, with three heartbeat intervals of lease to spare) that
 * came less than ROUTINE_WAIT_MS before it: the waiting syncs start in the order of their arrival, a
 * heartbeat's counted ROUTINE_WAIT_MS late (earliest deadline first). So an ask overtakes at most the
 * last 2 s of heartbeats, and a heartbeat is never more than 2 s later than in arrival order, however
 * long the queue. With each of 20,000 render nodes on its own connection, up to 5,542 syncs waited at
 * once in the bench's paced phase, two thirds of them heartbeats, and in arrival order a node's ask
 * waited behind all of them (ask → task p99 1.85 s on PGlite). A heartbeat that went first once it had
 * waited 2 s went first always once the queue was longer than 2 s, and asks waited behind every
 * heartbeat (p99 3.2 s).
 */
export const ROUTINE_WAIT_MS = 2000;

interface Waiting {
  run: () => void;
  at: number;
}

/** First in, first out, without Array.shift's copying of 20,000 entries. */
class Fifo {
  private items: (Waiting | undefined)[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(w: Waiting): void {
    this.items.push(w);
  }
  peek(): Waiting | undefined {
    return this.items[this.head];
  }
  take(): Waiting {
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

export class SyncTurns {
  /** Syncs started in the turn under way. */
  private started = 0;
  private readonly urgent = new Fifo();
  private readonly routine = new Fifo();
  private turnScheduled = false;
  /** Syncs that waited for a later turn, and the most that waited at once (for the bench and tests). */
  readonly stats = { deferred: 0, maxWaiting: 0 };

  constructor(
    readonly perTurn: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perTurn >= 1)) throw new RangeError('syncs per turn must be at least 1');
  }

  /**
   * Runs `answer` now if this turn has room and nobody waits, else in a later turn; settles as it does.
   * `urgent`: the sync asks for work or reports work done (see the class's comment).
   */
  admit(answer: () => Promise<void>, urgent = true): Promise<void> {
    if (this.waitingCount() === 0 && this.started < this.perTurn) return this.start(answer);
    this.stats.deferred++;
    const queued = new Promise<void>((resolve, reject) => {
      (urgent ? this.urgent : this.routine).push({ run: () => void this.start(answer).then(resolve, reject), at: this.now() });
    });
    this.stats.maxWaiting = Math.max(this.stats.maxWaiting, this.waitingCount());
    this.scheduleTurn();
    return queued;
  }

  waitingCount(): number {
    return this.urgent.size + this.routine.size;
  }

  private start(answer: () => Promise<void>): Promise<void> {
    this.started++;
    this.scheduleTurn();
    return answer();
  }

  /** The waiting sync to start next: the earliest deadline, a heartbeat's ROUTINE_WAIT_MS after its arrival. */
  private next(): Waiting {
    const u = this.urgent.peek(), r = this.routine.peek();
    if (!u) return this.routine.take();
    if (!r) return this.urgent.take();
    return r.at + ROUTINE_WAIT_MS <= u.at ? this.routine.take() : this.urgent.take();
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
      while (this.waitingCount() > 0 && this.started < this.perTurn) this.next().run();
    });
  }
}
