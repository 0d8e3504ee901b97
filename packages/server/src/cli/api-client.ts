import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '@shuzhi/schema/api';
import { type Flags, UsageError } from './args.ts';

/**
 * The CLI's HTTP client, typed by the API's generated OpenAPI types: server and token from flags or
 * SHUZHI_SERVER / SHUZHI_TOKEN. A failed call throws one Error naming the request, the status and the
 * server's problem code and detail; `ok(...)` gives the body of a successful one.
 */
export class ApiClient {
  readonly http: Client<paths>;

  constructor(readonly server: string, token: string) {
    this.http = createClient<paths>({ baseUrl: server.replace(/\/$/, ''), headers: { authorization: `Bearer ${token}` } });
    this.http.use(failuresAsErrors(server));
  }

  static from(flags: Flags): ApiClient {
    const server = (typeof flags.server === 'string' ? flags.server : process.env.SHUZHI_SERVER) ?? 'http://localhost:8080';
    const token = typeof flags.token === 'string' ? flags.token : process.env.SHUZHI_TOKEN;
    if (!token) throw new UsageError('no API token: pass --token or set SHUZHI_TOKEN (eval "$(npx shuzhi login --username NAME)", or POST /api/tokens)');
    return new ApiClient(server, token);
  }
}

/** The body of a call that succeeded: every failure has thrown in `failuresAsErrors` before this. */
export async function ok<T>(call: Promise<{ data?: T }>): Promise<T> {
  return (await call).data as T;
}

function failuresAsErrors(server: string): Middleware {
  return {
    async onResponse({ request, response }) {
      if (response.ok) return undefined;
      const text = await response.text();
      let msg = text;
      try {
        const p = JSON.parse(text) as { code?: string; detail?: string };
        msg = `${p.code}: ${p.detail}`;
      } catch {
        /* not problem+json */
      }
      const url = new URL(request.url);
      throw new Error(`${request.method} ${url.pathname}${url.search} failed (${response.status}) ${msg}`);
    },
    onError({ error }) {
      return new Error(`cannot reach ${server}: ${(error as Error).message}. Is the server running (npm start)?`);
    },
  };
}
