import type { OpenAPIHono } from '@hono/zod-openapi';
import { Problem } from '@shuzhi/schema';

type SecurityRequirement = Record<string, string[]>;

/**
 * What the OpenAPI document says about the API as a whole: who may call (security schemes), where it
 * is served, and the one error shape. Each route states its own operationId, summary, security and
 * the problem answers it can give (`problems(...)`); `redocly lint` (recommended rules) checks it
 * in packages/server/test/openapi-lint.test.ts.
 */
export const OPENAPI_CONFIG: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'Shuzhi API',
    version: '0.1.0',
    description: 'Green compute network, render farm, one-thing services, mine control',
  },
  // Relative: the document describes whichever server served it.
  servers: [{ url: '/', description: 'The server this document came from' }],
};

/** Session cookie (the web app) or an API token (`shuzhi login`, scripts): either signs a user in. */
export const SIGNED_IN: SecurityRequirement[] = [{ session: [] }, { apiToken: [] }];
/** The worker protocol: an enrolled worker's own credential (szw.…), refused everywhere else. */
export const WORKER: SecurityRequirement[] = [{ workerCredential: [] }];
/** Anonymous: login, public verification, payment callbacks (HMAC-signed by the provider, not a user's call). */
export const PUBLIC: SecurityRequirement[] = [];

/** Each problem answer once, in components.responses; operations refer to them. */
const PROBLEM_ANSWERS = {
  400: { name: 'BadRequest', text: 'The request is invalid (VALIDATION_FAILED names each bad field)' },
  // Anonymous routes too: a malformed or unknown Authorization header is refused before any route.
  401: { name: 'Unauthorized', text: 'Not signed in, or the credential is malformed, unknown, expired or revoked' },
  403: { name: 'Forbidden', text: 'Signed in, but not allowed (role, department, or a cross-origin write with the session cookie)' },
  404: { name: 'NotFound', text: 'No such resource, or the caller may not see it' },
  409: { name: 'Conflict', text: "Conflicts with the resource's current state" },
  413: { name: 'ContentTooLarge', text: 'The request body is larger than this route accepts' },
  422: { name: 'UnprocessableContent', text: 'Well-formed, but its content is refused' },
  429: { name: 'TooManyRequests', text: 'Too many requests; retry after the Retry-After header' },
  503: { name: 'ServiceUnavailable', text: 'Switched off on this server' },
} as const;

type ProblemStatus = keyof typeof PROBLEM_ANSWERS;

/** The problem+json answers an operation can give; name only those its handler can really produce. */
export function problems<S extends ProblemStatus>(...statuses: S[]): Record<S, { $ref: string }> {
  const answers = {} as Record<S, { $ref: string }>;
  for (const s of statuses) answers[s] = { $ref: `#/components/responses/${PROBLEM_ANSWERS[s].name}` };
  return answers;
}

/**
 * Declares what the routes refer to: the Problem schema and answers `problems(...)` names, and the
 * security schemes their `security` names (see the authentication in app.ts).
 */
export function registerComponents(app: Pick<OpenAPIHono, 'openAPIRegistry'>, sessionCookie: string): void {
  const reg = app.openAPIRegistry;
  // The body http/problem.ts writes for every error. A copy made now: zod 4 gives each schema its
  // methods when it is made, and one made before zod-openapi extended zod has no `.openapi` to register with.
  reg.register('Problem', Problem.clone());
  for (const { name, text } of Object.values(PROBLEM_ANSWERS)) {
    reg.registerComponent('responses', name, {
      description: text,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  }
  reg.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookie,
    description: 'Set by POST /api/auth/login. Writes with it must come from the same origin.',
  });
  reg.registerComponent('securitySchemes', 'apiToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from POST /api/tokens (or `shuzhi login`).',
  });
  reg.registerComponent('securitySchemes', 'workerCredential', {
    type: 'http',
    scheme: 'bearer',
    description: 'An enrolled worker\'s credential (szw.…) from POST /api/workers; accepted only on /api/workers/{id}/… of that worker.',
  });
}
