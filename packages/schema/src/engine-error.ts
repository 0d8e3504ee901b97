/**
 * The one base of every error an engine package throws (compute, render, gov, mine, …). `code` is
 * stable and safe to match on; `fields` carries the values a caller needs to act (never secrets).
 * The server maps each engine's codes to HTTP statuses in one table per engine (see
 * packages/server/src/http/error-status.ts); an engine knows nothing of HTTP.
 */
export class EngineError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Field-level problems (path in the caller's input, message); the HTTP layer returns them as `errors`. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
  constructor(code: Code, message: string, fields: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.fields = fields;
  }
}
