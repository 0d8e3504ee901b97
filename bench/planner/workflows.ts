// The planner bench's workflow scenario: DAGs planned under precedence (a dependant after its parents
// plus the staging of its data). No real workflow trace is in ../shared/data (each README checked:
// cluster, carbon, price and render data only), so the DAGs are GENERATED, in two published shapes.
import type { PrecedenceEdge, ScenarioInput } from '@shuzhi/compute';
import { gaiaAzure } from './data.ts';
import { buildScenario, releaseSlots } from './scenarios.ts';

interface Step { id: string; hours: number; units: number; dataGB: number; after: string[] }

/**
 * Montage (astronomy mosaics) as characterised by Bharathi et al., "Characterization of scientific
 * workflows" (WORKS '08) and Juve et al., "Characterizing and profiling scientific workflows" (FGCS 29(3),
 * 2013): a wide reprojection level, pairwise difference fitting of overlapping neighbours, a fan-in to one
 * model fit, a second wide level (background correction), then a serial tail. Structure after the
 * papers; the task lengths, units and data sizes are ours.
 */
function montage(w: string, width: number): Step[] {
  const s: Step[] = [];
  const proj = (i: number) => `${w}.mProjectPP${i}`;
  for (let i = 0; i < width; i++) s.push({ id: proj(i), hours: 0.5, units: 4, dataGB: 2, after: [] });
  for (let i = 0; i + 1 < width; i++) s.push({ id: `${w}.mDiffFit${i}`, hours: 0.25, units: 2, dataGB: 4, after: [proj(i), proj(i + 1)] });
  s.push({ id: `${w}.mConcatFit`, hours: 0.25, units: 1, dataGB: 1, after: Array.from({ length: width - 1 }, (_, i) => `${w}.mDiffFit${i}`) });
  s.push({ id: `${w}.mBgModel`, hours: 0.5, units: 1, dataGB: 1, after: [`${w}.mConcatFit`] });
  for (let i = 0; i < width; i++) s.push({ id: `${w}.mBackground${i}`, hours: 0.25, units: 2, dataGB: 2, after: [`${w}.mBgModel`, proj(i)] });
  s.push({ id: `${w}.mImgtbl`, hours: 0.25, units: 1, dataGB: 2 * width, after: Array.from({ length: width }, (_, i) => `${w}.mBackground${i}`) });
  s.push({ id: `${w}.mAdd`, hours: 1, units: 8, dataGB: 2 * width, after: [`${w}.mImgtbl`] });
  s.push({ id: `${w}.mShrink`, hours: 0.25, units: 1, dataGB: 8, after: [`${w}.mAdd`] });
  s.push({ id: `${w}.mJPEG`, hours: 0.25, units: 1, dataGB: 1, after: [`${w}.mShrink`] });
  return s;
}

/**
 * Epigenomics (genome sequencing, USC Epigenome Center) after the same two papers: one split fans out
 * into independent lanes, each a four-step pipeline ending in the long `map` step, which fan in to a
 * merge, an index and a pileup. Structure after the papers; lengths, units and data sizes are ours.
 */
function epigenomics(w: string, lanes: number): Step[] {
  const s: Step[] = [{ id: `${w}.fastQSplit`, hours: 0.5, units: 2, dataGB: 20, after: [] }];
  const chain = ['filterContams', 'sol2sanger', 'fastq2bfq', 'map'];
  for (let l = 0; l < lanes; l++) {
    let prev = `${w}.fastQSplit`;
    for (const step of chain) {
      const id = `${w}.${step}${l}`;
      s.push({ id, hours: step === 'map' ? 3 : 0.25, units: step === 'map' ? 8 : 1, dataGB: 20 / lanes, after: [prev] });
      prev = id;
    }
  }
  s.push({ id: `${w}.mapMerge`, hours: 0.5, units: 2, dataGB: 20, after: Array.from({ length: lanes }, (_, l) => `${w}.map${l}`) });
  s.push({ id: `${w}.maqIndex`, hours: 0.5, units: 2, dataGB: 20, after: [`${w}.mapMerge`] });
  s.push({ id: `${w}.pileup`, hours: 1, units: 4, dataGB: 20, after: [`${w}.maqIndex`] });
  return s;
}

/**
 * Hours along the longest chain of a DAG (its steps listed parents first), each step rounded up to
 * whole hours when `hourly` — what it takes at the coarsest slot length (a 15-minute step holds an
 * hourly slot whole).
 */
function criticalPathH(steps: readonly Step[], hourly = false): number {
  const end = new Map<string, number>();
  for (const st of steps) end.set(st.id, Math.max(0, ...st.after.map((p) => end.get(p)!)) + (hourly ? Math.ceil(st.hours) : st.hours));
  return Math.max(...end.values());
}

export interface WorkflowScenario {
  scenario: ScenarioInput;
  edges: PrecedenceEdge[];
  workflows: { name: string; shape: string; jobs: number; criticalPathH: number }[];
  provenance: string[];
}

/**
 * `count` workflows, Montage (width 16) and Epigenomics (8 lanes) alternating, on the small scenario's
 * 4-site network (real grid series), submitted at the real arrival times of the first `count` jobs of
 * GAIA's Azure trace (compressed like the other scenarios). A workflow's deadline is its release plus
 * twice its critical path in whole hours plus 6 h; every step shares it (the planner narrows each step's window).
 */
export function buildWorkflowScenario(count: number): WorkflowScenario {
  const net = buildScenario('workflow', 1_000, 4, 0);
  const sites = net.scenario.sites;
  const arrivalsH = gaiaAzure().slice(0, count).map((j) => j.arrivalH);
  const arrivals = releaseSlots(arrivalsH).slots;
  const jobs: ScenarioInput['jobs'] = [];
  const edges: PrecedenceEdge[] = [];
  const workflows: WorkflowScenario['workflows'] = [];
  for (let w = 0; w < count; w++) {
    const shape = w % 2 === 0 ? 'Montage' : 'Epigenomics';
    const name = `wf${w}`;
    const steps = shape === 'Montage' ? montage(name, 16) : epigenomics(name, 8);
    const home = sites[w % sites.length]!;
    const cp = criticalPathH(steps);
    const release = arrivals[w]!;
    const deadline = Math.min(net.scenario.slots, release + 2 * criticalPathH(steps, true) + 6);
    workflows.push({ name, shape, jobs: steps.length, criticalPathH: cp });
    for (const st of steps) {
      jobs.push({ id: st.id, type: 'cpu', units: st.units, hours: st.hours, release, deadline, flex: 'rigid', home: home.id, dataGB: st.dataGB, regions: net.scenario.regions });
      if (st.after.length) edges.push({ job: st.id, after: st.after });
    }
  }
  const provenance = [
    'GENERATED DAGs: no real workflow trace is in ../shared/data (its READMEs list cluster job traces, grid carbon and price series, renewable profiles and render assets)',
    'shapes: Montage (width 16: 16 mProjectPP → 15 mDiffFit → mConcatFit → mBgModel → 16 mBackground → mImgtbl → mAdd → mShrink → mJPEG, 53 jobs) and Epigenomics (8 lanes: fastQSplit → 8 × filterContams → sol2sanger → fastq2bfq → map → mapMerge → maqIndex → pileup, 36 jobs), after Bharathi et al. (WORKS \'08) and Juve et al. (FGCS 2013); task lengths (0.25–3 h), units and data sizes are assumptions of this bench',
    `submissions: the real arrival times of the first ${count} jobs of gaia-job-traces azure-100k, compressed into the week as the other scenarios' arrivals (${burst(arrivalsH, arrivals)}); deadline = release + 2 × critical path in whole hours (each step rounded up to the hour, the coarsest slot) + 6 h for every step of a workflow`,
    'every step may run in any region; a step\'s data (its dataGB) is staged from each parent\'s site to its own (100 Gbps links), and from its workflow\'s home site',
    ...net.provenance.filter((p) => p.startsWith('site ') || p.startsWith('links') || p.startsWith('start') || p.startsWith('price')),
  ];
  return { scenario: { ...net.scenario, jobs }, edges, workflows, provenance };
}

/**
 * Says where the workflows' releases come from when they bunch up: releaseSlots keeps every job of a busy
 * trace hour in that hour's slot, so a burst in the trace is a burst of workflows, not an artefact.
 */
function burst(arrivalsH: readonly number[], slots: readonly number[]): string {
  const lo = Math.min(...arrivalsH), hi = Math.max(...arrivalsH);
  const hours = new Set(arrivalsH.map((a) => Math.floor(a - lo))).size;
  const distinct = [...new Set(slots)].sort((a, b) => a - b);
  const spread = `these ${arrivalsH.length} arrive within ${((hi - lo) * 60).toFixed(1)} min of each other, in ${hours} trace hour(s)`;
  return `${spread}${hours === 1 ? ": the trace's own burst, kept" : ''} — released in slot(s) ${distinct.join(', ')}`;
}
