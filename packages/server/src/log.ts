import pino from 'pino';
import { currentRequestId } from './ops/request-context.ts';

/**
 * Fields that never reach a log line, at the top level or one or two levels down (`{ job: { env } }`).
 * Jobs' env holds tenants' secrets; the rest are credentials. Bodies are listed too: a request or
 * response body is user data and is never logged whole.
 */
const SECRET_FIELDS = [
  'env',
  'secrets',
  'secret',
  'credentials',
  'credential',
  'password',
  'token',
  'authorization',
  'cookie',
  'apiKey',
  'body',
  'SHUZHI_SECRETS_KEY',
  'SHUZHI_BOOTSTRAP_TOKEN',
  'DATABASE_URL',
];
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

interface ErrLike {
  name?: unknown;
  message: string;
  stack?: unknown;
  cause?: unknown;
  [k: string]: unknown;
}
const isErrLike = (e: unknown): e is ErrLike => !!e && typeof e === 'object' && typeof (e as ErrLike).message === 'string';

/** Properties of database errors that carry a query's bound values (the request's data). */
const VALUE_PROPS = new Set(['params', 'parameters', 'values']);

/**
 * A copy of an error (and its causes) without the bound values of failed queries: drizzle's
 * DrizzleQueryError puts them in `params` and in its message ("Failed query: …\nparams: …"), and the
 * stack repeats the message. Everything else an error carries is kept.
 */
export function scrubError(e: unknown, depth = 0): unknown {
  if (!isErrLike(e) || depth > 8) return e;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const cut = e.message.indexOf('\nparams: ');
  const message = cut >= 0 ? `${e.message.slice(0, cut)}\nparams: [redacted]` : e.message;
  let stack = typeof e.stack === 'string' ? e.stack : undefined;
  if (stack !== undefined && message !== e.message) {
    const header = `${name}: ${e.message}`;
    const frames = stack.startsWith(header)
      ? stack.slice(header.length)
      : `\n${stack
          .split('\n')
          .filter((l) => /^\s+at \S.*:\d+:\d+\)?$/.test(l))
          .join('\n')}`;
    stack = `${name}: ${message}${frames}`;
  }
  const copy = new Error(message) as Error & Record<string, unknown>;
  Object.defineProperty(copy, 'constructor', { value: e.constructor, enumerable: false });
  copy.name = name;
  for (const k of Object.keys(e)) if (!VALUE_PROPS.has(k) && k !== 'cause') copy[k] = e[k];
  if (stack !== undefined) copy.stack = stack;
  else delete copy.stack;
  if (e.cause !== undefined) copy.cause = scrubError(e.cause, depth + 1);
  return copy;
}

/**
 * Structured logs. Redaction keeps secrets out even if a caller logs a whole request or job; errors
 * are logged without the values of failed queries. `destination` lets tests capture the output.
 */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: (e: unknown) => pino.stdSerializers.err(scrubError(e) as Error) },
    // Every line written while serving a request names it (X-Request-Id on the answer).
    mixin: () => {
      const reqId = currentRequestId();
      return reqId ? { reqId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
export type Logger = ReturnType<typeof createLogger>;
