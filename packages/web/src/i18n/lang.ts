export const Langs = ['zh-CN', 'en'] as const;
export type Lang = (typeof Langs)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';
export const LANG_STORAGE_KEY = 'shuzhi.lang';

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (Langs as readonly string[]).includes(v);
}
