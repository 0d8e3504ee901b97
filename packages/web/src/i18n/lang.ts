export const Langs = ['zh-CN', 'en', 'ug'] as const;
export type Lang = (typeof Langs)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';
export const LANG_STORAGE_KEY = 'shuzhi.lang';

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (Langs as readonly string[]).includes(v);
}

/** Uyghur is written in Arabic script, right to left; the page mirrors for it. */
export function dirOf(lang: Lang): 'ltr' | 'rtl' {
  return lang === 'ug' ? 'rtl' : 'ltr';
}
