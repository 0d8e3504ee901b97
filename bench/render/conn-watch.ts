// The bench server's connections: how many the nodes opened and which side closed them, and why, so a
// reconnect storm (thousands of handshakes into a 4,096-deep accept queue) can be traced to its cause:
// the server's keep-alive timeout on an idle connection, the client giving it up (a FIN: undici's own
// idle timeout), a reset, or the server's request/headers timeouts under a stalled loop (clientError).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Why a connection ended, as the server saw it first. */
export type CloseCause = 'client closed (FIN)' | 'server keep-alive timeout' | `reset by client ${string}` | 'server destroyed';

export interface ConnReport {
  opened: number;
  /** Most connections opened in one wall-clock second. */
  openedMaxPerSec: number;
  closed: Partial<Record<CloseCause, number>>;
  /** The server's request/headers timeouts and malformed requests (its 'clientError'), by code. */
  clientErrors: Record<string, number>;
  /** Connections open at the moment of the report. */
  open: number;
}

export class ConnWatch {
  private opened = 0;
  private open = 0;
  private closed: Partial<Record<CloseCause, number>> = {};
  private clientErrors: Record<string, number> = {};
  private readonly bySec = new Map<number, number>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.opened++;
      this.open++;
      const sec = Math.floor(Date.now() / 1000);
      this.bySec.set(sec, (this.bySec.get(sec) ?? 0) + 1);
      let cause: CloseCause | null = null;
      // The http server destroys an idle keep-alive socket on its 'timeout' (no server.timeout is set).
      socket.once('timeout', () => (cause ??= 'server keep-alive timeout'));
      socket.once('end', () => (cause ??= 'client closed (FIN)'));
      socket.once('error', (e: NodeJS.ErrnoException) => (cause ??= `reset by client ${e.code ?? e.message}`));
      socket.once('close', () => {
        this.open--;
        const c = cause ?? 'server destroyed';
        this.closed[c] = (this.closed[c] ?? 0) + 1;
      });
    });
    // Counted on the way through: the server's own handling (a 408 or 400, then destroy) still runs,
    // since it runs only when no listener takes the event.
    const emit = server.emit.bind(server);
    server.emit = ((event: string, ...args: unknown[]) => {
      if (event === 'clientError') {
        const code = (args[0] as NodeJS.ErrnoException).code ?? 'unknown';
        this.clientErrors[code] = (this.clientErrors[code] ?? 0) + 1;
      }
      return emit(event, ...args);
    }) as Server['emit'];
  }

  /** What happened since the last report, without starting a new one. */
  peek(): ConnReport {
    return { opened: this.opened, openedMaxPerSec: Math.max(0, ...this.bySec.values()), closed: { ...this.closed }, clientErrors: { ...this.clientErrors }, open: this.open };
  }

  /** What happened since the last report. */
  report(): ConnReport {
    const out = this.peek();
    this.opened = 0;
    this.closed = {};
    this.clientErrors = {};
    this.bySec.clear();
    return out;
  }
}
