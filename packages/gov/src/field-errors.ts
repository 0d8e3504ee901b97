/** A field-level problem, readable in both UI languages; `field` is a dotted path into the input. */
export interface FieldError {
  readonly field: string;
  readonly code: string;
  readonly message: { readonly zh: string; readonly en: string };
}

export function fieldError(field: string, code: string, zh: string, en: string): FieldError {
  return { field, code, message: { zh, en } };
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };
