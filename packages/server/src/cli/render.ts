import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RenderJob, RenderJobSubmit, RenderJobTypeDocInput } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { type Flags, parseArgs, str, UsageError } from './args.ts';
import { uploadScene } from './render-assets.ts';
import { LIMITS_COMMANDS, renderLimitsCommand, renderLimitsHelp } from './render-limits.ts';

export const renderHelp = `shuzhi render submit SCENE --frames 1-48 [--chunk 8] [--type blender|povray] [--wait]
                     [--after JOB[:frame|job]]... [--width W --height H] [--samples N]
                     [--format png|jpg|exr] [--priority 0-100] [--tags a,b] [--name NAME]
                     [--tenant ID] [--shared] [--main PATH] [--param NAME=VALUE]...
                     [--limits a,b] [--max-nodes N] [--deadline ISO-8601]
shuzhi render submit --type composite|ffmpeg-encode|TYPE --after JOB[:frame|job]... [--param NAME=VALUE]...
                     [--frames 1-48] [--priority 0-100] [--tags a,b] [--name NAME] [--wait]
shuzhi render status [JOB] [--json]
shuzhi render pause|resume|cancel|requeue JOB [--task INDEX] [--dependants hold|cancel]
shuzhi render types [--json]
shuzhi render types add TYPE.json [--tenant ID]

SCENE is a local .blend or .pov file, or a folder with one (textures and libraries beside it; --main
names the file to render when there are several). Its files go to the farm by SHA-256: only files the
farm does not already hold for your studio are uploaded. With --shared SCENE is a path on shared
storage that the server and the render nodes can read. The renderer follows the file extension.
A job of a studio that cannot pay waits (status says why) and starts once the wallet is topped up.
--after JOB runs the job after another of your jobs: frame by frame (frame n after that job's frame n,
the default) or, with JOB:job, after the whole job; give it several times for several inputs. If an
upstream fails or is cancelled, the job is held and status says why; cancel --dependants cancel
cancels the jobs after it too (the default holds them). --type is the job type (--renderer is the
older name); \`render types\` lists the shipped types and your studio's own, with their parameters
(--param NAME=VALUE, checked by the farm). A type that reads upstream frames (composite,
ffmpeg-encode, or your own) takes no SCENE: its inputs are the --after jobs, in the order the type
lists them (composite: background, then foreground); its frames default to the first one's. A studio
type with a scene input takes SCENE too (with --frames), beside its --after jobs.
POV-Ray needs --width and --height (default 320x180). --wait shows a progress bar until the job ends
and exits 0 only if it completed.
Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).

${renderLimitsHelp}`;

function int(flags: Flags, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

/** `--after rjob_x` (frame by frame) or `--after rjob_x:job` (after the whole job). */
export function afterFlags(values: readonly string[]): NonNullable<RenderJobSubmit['after']> {
  return values.map((v) => {
    const [job, mode = 'frame', ...rest] = v.split(':');
    if (!job || rest.length || (mode !== 'frame' && mode !== 'job')) throw new UsageError(`--after ${v}: give JOB, JOB:frame or JOB:job`);
    return { job, mode };
  });
}

/** `[##########..........]  24/48 frames  3/7 tasks  active` */
export function progressLine(j: RenderJob, width = 30): string {
  const frac = j.frameCount ? Math.min(1, j.framesDone / j.frameCount) : 0;
  const filled = Math.round(frac * width);
  const settled = j.counts.completed + j.counts.cancelled;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(j.framesDone).padStart(String(j.frameCount).length)}/${j.frameCount} frames  ${settled}/${j.taskCount} tasks  ${j.state}`;
}

async function wait(api: ApiClient, id: string): Promise<number> {
  const tty = process.stderr.isTTY;
  let last = '';
  for (;;) {
    const j = await ok(api.http.GET('/api/render/jobs/{id}', { params: { path: { id }, query: { taskLimit: 1 } } }));
    const line = progressLine(j);
    if (line !== last) {
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    if (j.state === 'completed' || j.state === 'failed' || j.state === 'cancelled') {
      if (tty) process.stderr.write('\n');
      if (j.state === 'failed') console.error(`job ${id} failed: ${j.failureMessage ?? 'no message'}`);
      if (j.state === 'completed' && j.hasPreview) console.log(`preview: ${api.server.replace(/\/$/, '')}/api/render/jobs/${id}/preview`);
      return j.state === 'completed' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `--param samples=32` → { samples: 32 }; whole numbers go as numbers, anything else as text. */
export function paramFlags(values: readonly string[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new UsageError(`--param ${v}: give NAME=VALUE`);
    const value = v.slice(eq + 1);
    out[v.slice(0, eq)] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

const SCENE_TYPES = ['blender', 'povray'];

/** The job a `render submit` asks for: a scene job (SCENE given), a typed job over upstream frames, or a studio type with a scene. */
async function submitBody(api: ApiClient, flags: Flags, scene: string | undefined, lists: Record<string, string[]>): Promise<RenderJobSubmit> {
  const kind = flags.type ?? flags.renderer;
  const type = typeof kind === 'string' ? kind : undefined;
  const after = afterFlags(lists.after ?? []);
  const params = paramFlags(lists.param ?? []);
  const tenant = typeof flags.tenant === 'string' ? flags.tenant : undefined;
  const common = {
    ...(typeof flags.frames === 'string' ? { frames: flags.frames } : {}),
    ...(int(flags, 'chunk') !== undefined ? { chunkSize: int(flags, 'chunk')! } : {}),
    ...(int(flags, 'priority') !== undefined ? { priority: int(flags, 'priority')! } : {}),
    ...(typeof flags.tags === 'string' ? { tags: flags.tags.split(',').filter(Boolean) } : {}),
    ...(typeof flags.name === 'string' ? { name: flags.name } : {}),
    ...(tenant ? { tenantId: tenant } : {}),
    ...(after.length ? { after } : {}),
    ...(Object.keys(params).length ? { params } : {}),
    ...(typeof flags.limits === 'string' ? { limits: flags.limits.split(',').filter(Boolean) } : {}),
    ...(int(flags, 'max-nodes') !== undefined ? { maxNodes: int(flags, 'max-nodes')! } : {}),
    ...(typeof flags.deadline === 'string' ? { deadline: flags.deadline } : {}),
  };
  if (!scene) {
    if (!type || SCENE_TYPES.includes(type)) throw new UsageError('usage: shuzhi render submit SCENE --frames 1-48, or shuzhi render submit --type composite|ffmpeg-encode|TYPE --after JOB …');
    if (!after.length) throw new UsageError(`--type ${type} reads upstream frames: give --after JOB, once per input of the type (render types lists them)`);
    return { type, ...common };
  }
  if (flags.type === undefined && type && !SCENE_TYPES.includes(type)) throw new UsageError(`--renderer is ${SCENE_TYPES.join(' or ')}; other job types go by --type`);
  if (type && !SCENE_TYPES.includes(type)) {
    // Asked before anything is uploaded: only a type with a scene input takes one.
    const doc = (await ok(api.http.GET('/api/render/job-types'))).find((d) => d.name === type);
    if (doc && !doc.inputs.some((i) => i.kind === 'scene')) throw new UsageError(`--type ${type} takes no scene: a type that reads upstream frames takes --after JOB instead of ${scene}`);
  }
  if (typeof flags.frames !== 'string') throw new UsageError('--frames is required with a scene (e.g. --frames 1-48)');
  const main = typeof flags.main === 'string' ? flags.main : undefined;
  const uploaded = flags.shared ? null : await uploadScene(api, scene, { main, tenant });
  if (uploaded) console.error(uploaded.line);
  const ref: NonNullable<RenderJobSubmit['scene']> = uploaded?.ref ?? { kind: 'shared', path: resolve(scene) };
  // A studio type with a scene input: the server checks that the type takes one (400 scene otherwise).
  if (type && !SCENE_TYPES.includes(type)) return { type, ...common, scene: ref };
  const sceneFile = ref.kind === 'manifest' ? ref.main : scene;
  const renderer = (type ?? (sceneFile.toLowerCase().endsWith('.pov') ? 'povray' : 'blender')) as NonNullable<RenderJobSubmit['renderer']>;
  const width = int(flags, 'width') ?? (renderer === 'povray' && params.width === undefined ? 320 : undefined);
  const height = int(flags, 'height') ?? (renderer === 'povray' && params.height === undefined ? 180 : undefined);
  const samples = int(flags, 'samples');
  return {
    ...common,
    scene: ref,
    renderer,
    ...(typeof flags.format === 'string' ? { outputFormat: flags.format as 'png' } : {}),
    overrides: {
      ...(width !== undefined ? { resolutionX: width } : {}),
      ...(height !== undefined ? { resolutionY: height } : {}),
      ...(samples !== undefined ? { samples } : {}),
    },
  };
}

export async function renderCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional, lists } = parseArgs(rest, { switches: ['json', 'wait', 'shared'], lists: ['after', 'window', 'param'], values: ['limits', 'max-nodes', 'deadline', 'idle', 'idle-watts', 'main', 'renderer', 'type', 'dependants', 'tenant', 'width', 'height', 'samples', 'frames', 'chunk', 'format', 'priority', 'tags', 'name', 'task', 'server', 'token'] });
  if (!sub || flags.help || sub === '--help' || sub === 'help') {
    console.log(renderHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  switch (sub) {
    case 'submit': {
      const body = await submitBody(api, flags, positional[0], lists);
      const job = await ok(api.http.POST('/api/render/jobs', { body }));
      console.log(flags.json ? JSON.stringify(job, null, 2) : `submitted ${job.id}: ${job.frameCount} frames in ${job.taskCount - 1} chunks + preview (${job.type})`);
      if (!flags.json && job.waiting) console.log(`  ${job.waiting}`);
      if (!flags.json) for (const d of job.dependsOn) console.log(`  after ${d.job} (${d.mode === 'frame' ? 'frame by frame' : 'the whole job'})`);
      return flags.wait ? wait(api, job.id) : 0;
    }
    case 'status': {
      const id = positional[0];
      if (!id) {
        const res = await ok(api.http.GET('/api/render/jobs', { params: { query: { limit: 50 } } }));
        if (flags.json) console.log(JSON.stringify(res, null, 2));
        else {
          console.log(`${'ID'.padEnd(28)} ${'STATE'.padEnd(10)} ${'FRAMES'.padStart(13)}  NAME`);
          for (const j of res.items) console.log(`${j.id.padEnd(28)} ${(j.waiting ? 'waiting' : j.state).padEnd(10)} ${`${j.framesDone}/${j.frameCount}`.padStart(13)}  ${j.name}`);
          console.log(`${res.items.length} of ${res.total}`);
        }
        return 0;
      }
      const j = await ok(api.http.GET('/api/render/jobs/{id}', { params: { path: { id }, query: { taskLimit: 200 } } }));
      if (flags.json) {
        console.log(JSON.stringify(j, null, 2));
        return 0;
      }
      console.log(`${j.id}  ${j.name}  (${j.type}, frames ${j.frames}, chunks of ${j.chunkSize})`);
      console.log(`  ${progressLine(j)}`);
      if (j.failureMessage) console.log(`  failure: ${j.failureMessage}`);
      if (j.waiting) console.log(`  ${j.waiting}`);
      if (j.heldReason) console.log(`  held: ${j.heldReason}`);
      for (const d of j.dependsOn) console.log(`  after ${d.job} (${d.mode})`);
      for (const d of j.dependants) console.log(`  before ${d.job} (${d.mode})`);
      for (const b of j.blocklist) console.log(`  blocklisted: ${b.nodeId} until ${b.until}`);
      for (const t of j.tasks) console.log(`  #${String(t.index).padEnd(5)} ${t.kind.padEnd(8)} ${t.state.padEnd(10)} ${t.frames.padEnd(14)} attempt ${t.attempt}${t.nodeId ? ` on ${t.nodeId}` : ''}`);
      return 0;
    }
    case 'pause':
    case 'resume':
    case 'cancel':
    case 'requeue': {
      const id = positional[0];
      if (!id) throw new UsageError(`usage: shuzhi render ${sub} JOB [--task INDEX]`);
      const task = int(flags, 'task');
      if (task !== undefined) {
        const t = await ok(api.http.POST('/api/render/jobs/{id}/tasks/{index}/{action}', { params: { path: { id, index: task, action: sub } } }));
        console.log(`${t.taskId}: ${t.state}`);
      } else {
        const dependants = flags.dependants;
        if (dependants !== undefined && dependants !== 'hold' && dependants !== 'cancel') throw new UsageError('--dependants is hold or cancel');
        const j = await ok(api.http.POST('/api/render/jobs/{id}/{action}', { params: { path: { id, action: sub }, query: dependants ? { dependants } : {} } }));
        console.log(`${j.id}: ${j.state}`);
      }
      return 0;
    }
    case 'types': {
      if (positional[0] === 'add') {
        const file = positional[1];
        if (!file) throw new UsageError('usage: shuzhi render types add TYPE.json');
        let doc: unknown;
        try {
          doc = JSON.parse(await readFile(file, 'utf8'));
        } catch (err) {
          throw new UsageError(`${file}: ${(err as Error).message}`);
        }
        const tenant = typeof flags.tenant === 'string' ? flags.tenant : undefined;
        const added = await ok(api.http.POST('/api/render/job-types', { body: doc as RenderJobTypeDocInput, params: { query: tenant ? { tenantId: tenant } : {} } }));
        console.log(`job type ${added.name} stored for ${added.tenantId}: ${added.steps.map((st) => `${st.name}: ${st.executable}`).join(', ')}`);
        return 0;
      }
      const types = await ok(api.http.GET('/api/render/job-types'));
      if (flags.json) console.log(JSON.stringify(types, null, 2));
      else for (const ty of types) console.log(`${ty.name.padEnd(20)} ${ty.origin.padEnd(8)} ${ty.steps.map((s) => `${s.name}: ${s.executable}`).join(', ').padEnd(28)} ${ty.title.en}`);
      return 0;
    }
    default:
      if (LIMITS_COMMANDS.has(sub)) return renderLimitsCommand(sub, positional, flags, lists, api);
      throw new UsageError(`unknown render command "${sub}"\n\n${renderHelp}`);
  }
}
