import type { Lang } from './lang.ts';
import { zhCN, type MessageKey } from './zh-CN.ts';
import { en } from './en.ts';
import { ug } from './ug.ts';

export type { MessageKey };
export type Params = Record<string, string | number>;

/**
 * Uyghur covers the citizen app and the kiosk (every key those doors show, test/i18n.test.ts); the staff
 * doors and the console fall back to Chinese for the keys it leaves out.
 */
export const dictionaries: Record<Lang, Partial<Record<MessageKey, string>>> = { 'zh-CN': zhCN, en, ug };

/** Looks a key up and fills `{name}` placeholders; an unknown placeholder is left visible so it gets noticed. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key] ?? dictionaries['zh-CN'][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
