import type { TaskLimits } from '@shuzhi/schema';

/**
 * What a sandbox lets one task use. CPU time follows what the job booked (hours × units, with
 * headroom, since a unit may be a GPU whose host threads also burn CPU); memory and processes are
 * per-task caps that keep one tenant's runaway code from starving the host.
 */
export function shellTaskLimits(booked: { hours: number; units: number }): TaskLimits {
  const cpuSeconds = Math.ceil(booked.hours * 3600 * Math.max(1, booked.units) * 2) + 60;
  return { cpuSeconds: Math.min(cpuSeconds, 30 * 24 * 3600), memoryMB: 8192, processes: 512 };
}

/** Renderers are trusted programs on tenant input: generous limits, still bounded. */
export const RENDER_TASK_LIMITS: TaskLimits = { cpuSeconds: 24 * 3600, memoryMB: 16_384, processes: 1024 };
