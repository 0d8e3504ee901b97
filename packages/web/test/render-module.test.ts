import { describe, expect, test } from 'vitest';
import { en, zh } from '../src/modules/render/messages.ts';
import { RENDER_ACTIONS } from '@shuzhi/schema';
import { jobProgress } from '../src/modules/render/api.ts';

describe('render module', () => {
  test('every zh-CN message has an English one and no text is empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const [k, v] of Object.entries(en)) expect(v.length, k).toBeGreaterThan(0);
  });

  test('placeholders match between the languages', () => {
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) expect(holes(en[k]), k).toEqual(holes(zh[k]));
  });

  test('finished jobs can only be requeued; running ones paused or cancelled', () => {
    expect(RENDER_ACTIONS.completed).toEqual(['requeue']);
    expect(RENDER_ACTIONS.active).toContain('pause');
    expect(RENDER_ACTIONS.paused).toContain('resume');
  });

  test('progress counts settled tasks', () => {
    const counts = { queued: 3, active: 1, paused: 0, completed: 4, failed: 0, cancelled: 0 };
    expect(jobProgress({ counts, taskCount: 8 })).toBe(0.5);
    expect(jobProgress({ counts: { ...counts, completed: 0 }, taskCount: 0 })).toBe(0);
  });
});
