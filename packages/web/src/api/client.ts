import type {
  Flow,
  Job,
  JobDetail,
  JobStatus,
  Link,
  LogLine,
  LoginRequest,
  Overview,
  PowerCurve,
  Problem,
  Region,
  Site,
  SubmitJob,
  User,
  WorkerCredential,
  WorkerEnrollRequest,
  WorkerInfo,
} from '@shuzhi/schema';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** A failed API call: the problem+json body when the server sent one, so pages can show its detail and field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | null;

  constructor(status: number, code: string, message: string, problem: Problem | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }

  get fieldErrors(): { path: string; message: string }[] {
    return this.problem?.errors ?? [];
  }
}

/** status 0: the request never got an answer (server down, network gone). */
export const NETWORK_ERROR = 'NETWORK';

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && typeof (v as Problem).code === 'string' && typeof (v as Problem).status === 'number';
}

export interface JobQuery {
  status?: JobStatus | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface WorkerQuery {
  siteId?: string | undefined;
  includeRevoked?: boolean | undefined;
}

export interface ApiClient {
  login(body: LoginRequest): Promise<User>;
  logout(): Promise<void>;
  me(): Promise<User>;
  regions(): Promise<Region[]>;
  links(): Promise<Link[]>;
  flows(days?: number): Promise<Flow[]>;
  sites(): Promise<Site[]>;
  site(id: string): Promise<Site>;
  sitePower(id: string, hours?: number): Promise<PowerCurve>;
  jobs(q?: JobQuery): Promise<{ items: Job[]; total: number }>;
  job(id: string): Promise<JobDetail>;
  submitJob(body: SubmitJob): Promise<Job>;
  cancelJob(id: string): Promise<Job>;
  jobLogs(id: string, after?: number): Promise<LogLine[]>;
  overview(): Promise<Overview>;
  workers(q?: WorkerQuery): Promise<WorkerInfo[]>;
  /** The answer carries the worker's credential: the only time it is ever shown. */
  enrollWorker(body: WorkerEnrollRequest): Promise<WorkerCredential>;
  /** A new credential; the old one stops working at once. */
  rotateWorker(id: string): Promise<WorkerCredential>;
  revokeWorker(id: string): Promise<WorkerInfo>;
}

export interface ApiOptions {
  fetch?: FetchFn;
  base?: string;
  /** Called on every 401 except from login itself, so the app can fall back to the login page. */
  onUnauthorized?: () => void;
}

/**
 * One JSON call to the API: problem+json answers become an ApiError carrying the problem (and its field
 * errors), a network failure an ApiError with code NETWORK. Every module's client goes through it.
 */
export async function apiRequest<T>(method: string, path: string, body?: unknown, opts: ApiOptions = {}): Promise<T> {
  const doFetch: FetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await doFetch(`${opts.base ?? '/api'}${path}`, init);
  } catch (err) {
    throw new ApiError(0, NETWORK_ERROR, err instanceof Error ? err.message : String(err), null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401) opts.onUnauthorized?.();
    const problem = isProblem(parsed) ? parsed : null;
    throw new ApiError(
      res.status,
      problem?.code ?? `HTTP_${res.status}`,
      problem?.detail ?? (res.statusText || `HTTP ${res.status}`),
      problem,
    );
  }
  return parsed as T;
}

export function createApi(opts: ApiOptions = {}): ApiClient {
  // Wrapped so a bare `window.fetch` is never called with the wrong `this`.
  const doFetch: FetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const base = opts.base ?? '/api';

  const call = <T,>(method: string, path: string, body?: unknown, handle401 = true): Promise<T> =>
    apiRequest<T>(method, path, body, { fetch: doFetch, base, ...(handle401 && opts.onUnauthorized ? { onUnauthorized: opts.onUnauthorized } : {}) });

  const enc = encodeURIComponent;

  return {
    login: (body) => call<User>('POST', '/auth/login', body, false),
    logout: () => call<void>('POST', '/auth/logout', undefined, false),
    me: () => call<User>('GET', '/auth/me', undefined, false),
    regions: async () => (await call<{ items: Region[] }>('GET', '/regions')).items,
    links: async () => (await call<{ items: Link[] }>('GET', '/links')).items,
    flows: async (days = 7) => (await call<{ items: Flow[] }>('GET', `/flows?days=${days}`)).items,
    sites: async () => (await call<{ items: Site[] }>('GET', '/sites')).items,
    site: (id) => call<Site>('GET', `/sites/${enc(id)}`),
    sitePower: (id, hours = 48) => call<PowerCurve>('GET', `/sites/${enc(id)}/power?hours=${hours}`),
    jobs: (q = {}) => {
      const params = new URLSearchParams();
      if (q.status) params.set('status', q.status);
      if (q.limit !== undefined) params.set('limit', String(q.limit));
      if (q.offset !== undefined) params.set('offset', String(q.offset));
      const qs = params.toString();
      return call<{ items: Job[]; total: number }>('GET', `/jobs${qs ? `?${qs}` : ''}`);
    },
    job: (id) => call<JobDetail>('GET', `/jobs/${enc(id)}`),
    submitJob: (body) => call<Job>('POST', '/jobs', body),
    cancelJob: (id) => call<Job>('POST', `/jobs/${enc(id)}/cancel`),
    jobLogs: async (id, after) => {
      const qs = after !== undefined ? `?after=${after}` : '';
      return (await call<{ items: LogLine[] }>('GET', `/jobs/${enc(id)}/logs${qs}`)).items;
    },
    overview: () => call<Overview>('GET', '/overview'),
    workers: async (q = {}) => {
      const params = new URLSearchParams();
      if (q.siteId) params.set('siteId', q.siteId);
      if (q.includeRevoked) params.set('includeRevoked', '1');
      const qs = params.toString();
      return (await call<{ items: WorkerInfo[] }>('GET', `/workers${qs ? `?${qs}` : ''}`)).items;
    },
    enrollWorker: (body) => call<WorkerCredential>('POST', '/workers', body),
    rotateWorker: (id) => call<WorkerCredential>('POST', `/workers/${enc(id)}/rotate`),
    revokeWorker: (id) => call<WorkerInfo>('DELETE', `/workers/${enc(id)}`),
  };
}
