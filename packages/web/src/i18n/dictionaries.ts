import type { Lang } from './lang.ts';
import type { MessageKey } from './zh-CN.ts';
import { dictionaries } from './table.ts';

export type { MessageKey };
export type Params = Record<string, string | number>;

export { dictionaries };

/** Looks a key up and fills `{name}` placeholders; an unknown placeholder is left visible so it gets noticed. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key] ?? dictionaries['zh-CN'][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
