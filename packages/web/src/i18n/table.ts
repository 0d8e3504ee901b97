import type { Lang } from './lang.ts';
import { zhCN, type MessageKey } from './zh-CN.ts';
import { en } from './en.ts';
import { ug } from './ug.ts';

/**
 * Uyghur covers the citizen app and the kiosk (every key those doors show, test/i18n.test.ts); the staff
 * doors and the console fall back to Chinese for the keys it leaves out. The door build (vite.config.ts)
 * puts in place of this module only the keys its pages use.
 */
export const dictionaries: Record<Lang, Partial<Record<MessageKey, string>>> = { 'zh-CN': zhCN, en, ug };
