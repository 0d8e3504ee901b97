/** The render module's messages: zh-CN first; en must carry the same keys (the dictionary test checks). */
export const zh = {} as const;
export const en: Record<keyof typeof zh, string> = {};
