import { type Flags, UsageError } from './args.ts';

/** The CLI's HTTP client: server and token from flags or SHUZHI_SERVER / SHUZHI_TOKEN. */
export class ApiClient {
  constructor(
    readonly server: string,
    private readonly token: string,
  ) {}

  static from(flags: Flags): ApiClient {
    const server = (typeof flags.server === 'string' ? flags.server : process.env.SHUZHI_SERVER) ?? 'http://localhost:8080';
    const token = typeof flags.token === 'string' ? flags.token : process.env.SHUZHI_TOKEN;
    if (!token) throw new UsageError('no API token: pass --token or set SHUZHI_TOKEN (eval "$(npx shuzhi login --username NAME)", or POST /api/tokens)');
    return new ApiClient(server, token);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.server.replace(/\/$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new Error(`cannot reach ${this.server}: ${(err as Error).message}. Is the server running (npm start)?`);
    }
    const text = await res.text();
    if (!res.ok) {
      let msg = text;
      try {
        const p = JSON.parse(text) as { code?: string; detail?: string };
        msg = `${p.code}: ${p.detail}`;
      } catch {
        /* not problem+json */
      }
      throw new Error(`${method} ${path} failed (${res.status}) ${msg}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
