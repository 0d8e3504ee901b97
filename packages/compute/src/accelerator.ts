/**
 * Accelerator placement: a pool may say which accelerator it has (model, memory per device) and how
 * its devices are joined (interconnect groups of `groupUnits` devices: an NVLink island, an HCCS ring).
 * A job may ask for a model, a minimum device memory, and all its units in one group.
 */

export interface PoolAccelerator {
  model: string;
  memGB: number;
  /** Devices per interconnect group (e.g. 8 for an 8-GPU NVLink board). */
  groupUnits: number;
}

export interface AcceleratorRequest {
  accelerator?: string | null;
  minMemGB?: number | null;
  oneGroup?: boolean;
}

export interface PoolLike {
  type: string;
  units: number;
  accelerator?: PoolAccelerator | null | undefined;
}

/** Model names compare without case, spaces, dashes or underscores: "H20", "h20" and "H-20" are one model. */
export const normModel = (m: string): string => m.toLowerCase().replace(/[\s_-]+/g, '');

export const wantsAccelerator = (r: AcceleratorRequest): boolean => Boolean(r.accelerator || r.minMemGB || r.oneGroup);

/** Why the pool cannot take the job, or null if it can. The field named is the job's. */
export function poolMismatch(pool: PoolLike, type: string, units: number, r: AcceleratorRequest): { field: string; message: string } | null {
  if (pool.type !== type) return { field: 'type', message: `no ${type} pool` };
  if (pool.units < units) return { field: 'units', message: `${pool.units} ${type} units, fewer than ${units}` };
  const a = pool.accelerator ?? null;
  if (r.accelerator && (!a || normModel(a.model) !== normModel(r.accelerator))) {
    return { field: 'accelerator', message: a ? `its devices are ${a.model}, not ${r.accelerator}` : `its devices are of no stated model, not ${r.accelerator}` };
  }
  if (r.minMemGB && (!a || a.memGB < r.minMemGB)) {
    return { field: 'minMemGB', message: a ? `${a.memGB} GB per device, less than ${r.minMemGB}` : 'no stated device memory' };
  }
  if (r.oneGroup) {
    // A pool that states no groups is taken as one device per group: only a one-unit job fits.
    const group = a?.groupUnits ?? 1;
    if (group < units) return { field: 'oneGroup', message: `its interconnect groups hold ${group} devices, fewer than ${units}` };
  }
  return null;
}
