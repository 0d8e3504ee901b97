import type { MessageKey, Params } from './i18n/dictionaries.ts';

/** The parts of a zod 4 issue we read; typed loosely so the web does not import zod itself. */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  input?: unknown;
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** The form field an issue or a server `errors[].path` belongs to: the first segment of the path. */
export function fieldOf(path: string | readonly PropertyKey[]): string {
  const first = typeof path === 'string' ? path.replace(/^[/#]+/, '').split(/[./[\]]/)[0] : path[0];
  return first === undefined ? '' : String(first);
}

/** A zod issue in the user's language: the schema's rule, not zod's English. */
export function issueMessage(issue: IssueLike, t: Translate): string {
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum ?? 0);
      if (issue.origin === 'string' && min <= 1) return t('validation.required');
      if (issue.origin === 'array' || issue.origin === 'string') return t('validation.tooSmall', { min });
      return issue.inclusive === false ? t('validation.mustExceed', { min }) : t('validation.tooSmall', { min });
    }
    case 'too_big': {
      const max = Number(issue.maximum ?? 0);
      if (issue.origin === 'string') return t('validation.tooLong', { max });
      if (issue.origin === 'array') return t('validation.tooMany', { max });
      return t('validation.tooBig', { max });
    }
    case 'invalid_type':
      if (issue.expected === 'int') return t('validation.integer');
      if (issue.expected === 'number') return issue.input === undefined ? t('validation.required') : t('validation.number');
      return issue.input === undefined ? t('validation.required') : t('validation.invalid');
    case 'invalid_value':
      return t('validation.choice');
    case 'invalid_format':
      return t('validation.format');
    case 'invalid_key':
      return t('validation.envKey', { key: String(issue.path[issue.path.length - 1] ?? '') });
    default:
      return t('validation.invalid');
  }
}

/** First message per field, in issue order. */
export function fieldErrors(issues: readonly IssueLike[], t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const f = fieldOf(i.path);
    if (!(f in out)) out[f] = issueMessage(i, t);
  }
  return out;
}
