import { ScenarioError } from './errors.ts';
import type { ScenarioInput, SlotMinutes } from './scenario.ts';

/** An hourly series at `slotMinutes` slots: each sub-slot takes its hour's value (prices, intensities and kW alike). */
export function resampleHourly(hourly: readonly number[], slotMinutes: SlotMinutes): number[] {
  const per = 60 / slotMinutes;
  const out = new Array<number>(hourly.length * per);
  for (let h = 0; h < hourly.length; h++) out.fill(hourly[h]!, h * per, (h + 1) * per);
  return out;
}

/**
 * An hourly scenario planned at `slotMinutes` slots: the same hours, jobs and windows, every series
 * resampled. Job hours do not change, so a job shorter than an hour holds fewer slots.
 */
export function resampleScenario(s: ScenarioInput, slotMinutes: SlotMinutes): ScenarioInput {
  if (s.slotMinutes !== 60) throw new ScenarioError([{ path: 'slotMinutes', message: `resampling starts from hourly slots (60), got ${s.slotMinutes}` }]);
  const per = 60 / slotMinutes;
  return {
    ...s,
    slotMinutes,
    slots: s.slots * per,
    sites: s.sites.map((site) => ({
      ...site,
      grid: { fenPerKWh: resampleHourly(site.grid.fenPerKWh, slotMinutes), carbonGPerKWh: resampleHourly(site.grid.carbonGPerKWh, slotMinutes) },
      ...(site.renewables ? { renewables: { ...site.renewables, kW: resampleHourly(site.renewables.kW, slotMinutes) } } : {}),
    })),
    jobs: s.jobs.map((j) => ({ ...j, release: j.release * per, deadline: j.deadline * per })),
  };
}
