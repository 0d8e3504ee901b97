import { resolve } from 'node:path';
import type { RenderJob, RenderJobSubmit } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { type Flags, parseArgs, str, UsageError } from './args.ts';
import { uploadScene } from './render-assets.ts';
import { LIMITS_COMMANDS, renderLimitsCommand, renderLimitsHelp } from './render-limits.ts';

export const renderHelp = `shuzhi render submit SCENE --frames 1-48 [--chunk 8] [--type blender|povray] [--wait]
                     [--after JOB[:frame|job]]... [--width W --height H] [--samples N]
                     [--format png|jpg|exr] [--priority 0-100] [--tags a,b] [--name NAME]
                     [--tenant ID] [--shared] [--main PATH]
                     [--limits a,b] [--max-nodes N] [--deadline ISO-8601]
shuzhi render status [JOB] [--json]
shuzhi render pause|resume|cancel|requeue JOB [--task INDEX] [--dependants hold|cancel]
shuzhi render types [--json]

SCENE is a local .blend or .pov file, or a folder with one (textures and libraries beside it; --main
names the file to render when there are several). Its files go to the farm by SHA-256: only files the
farm does not already hold for your studio are uploaded. With --shared SCENE is a path on shared
storage that the server and the render nodes can read. The renderer follows the file extension.
A job of a studio that cannot pay waits (status says why) and starts once the wallet is topped up.
--after JOB runs the job after another of your jobs: frame by frame (frame n after that job's frame n,
the default) or, with JOB:job, after the whole job; give it several times for several inputs. If an
upstream fails or is cancelled, the job is held and status says why; cancel --dependants cancel
cancels the jobs after it too (the default holds them). --type is the job type (--renderer is the
older name); \`render types\` lists the shipped types and your studio's own.
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

export async function renderCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional, lists } = parseArgs(rest, { switches: ['json', 'wait', 'shared'], lists: ['after', 'window'], values: ['limits', 'max-nodes', 'deadline', 'idle', 'idle-watts', 'main', 'renderer', 'type', 'dependants', 'tenant', 'width', 'height', 'samples', 'frames', 'chunk', 'format', 'priority', 'tags', 'name', 'task', 'server', 'token'] });
  if (!sub || flags.help || sub === '--help' || sub === 'help') {
    console.log(renderHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  switch (sub) {
    case 'submit': {
      const scene = positional[0];
      if (!scene) throw new UsageError('usage: shuzhi render submit SCENE --frames 1-48');
      const kind = flags.type ?? flags.renderer;
      if (kind !== undefined && kind !== 'blender' && kind !== 'povray') throw new UsageError('--type is blender or povray (the job types render nodes run today)');
      const main = typeof flags.main === 'string' ? flags.main : undefined;
      const tenant = typeof flags.tenant === 'string' ? flags.tenant : undefined;
      const uploaded = flags.shared ? null : await uploadScene(api, scene, { main, tenant });
      if (uploaded) console.error(uploaded.line);
      const sceneFile = uploaded?.ref.kind === 'manifest' ? uploaded.ref.main : scene;
      const ext = sceneFile.toLowerCase().endsWith('.pov') ? 'povray' : 'blender';
      const renderer = (typeof kind === 'string' ? kind : ext) as RenderJobSubmit['renderer'];
      const after = afterFlags(lists.after ?? []);
      const width = int(flags, 'width') ?? (renderer === 'povray' ? 320 : undefined);
      const height = int(flags, 'height') ?? (renderer === 'povray' ? 180 : undefined);
      const samples = int(flags, 'samples');
      const ref: RenderJobSubmit['scene'] = uploaded ? uploaded.ref : { kind: 'shared', path: resolve(scene) };
      const body: RenderJobSubmit = {
        scene: ref,
        frames: str(flags, 'frames'),
        renderer,
        ...(int(flags, 'chunk') !== undefined ? { chunkSize: int(flags, 'chunk')! } : {}),
        ...(typeof flags.format === 'string' ? { outputFormat: flags.format as 'png' } : {}),
        ...(int(flags, 'priority') !== undefined ? { priority: int(flags, 'priority')! } : {}),
        ...(typeof flags.tags === 'string' ? { tags: flags.tags.split(',').filter(Boolean) } : {}),
        ...(typeof flags.name === 'string' ? { name: flags.name } : {}),
        ...(tenant ? { tenantId: tenant } : {}),
        ...(after.length ? { after } : {}),
        ...(typeof flags.limits === 'string' ? { limits: flags.limits.split(',').filter(Boolean) } : {}),
        ...(int(flags, 'max-nodes') !== undefined ? { maxNodes: int(flags, 'max-nodes')! } : {}),
        ...(typeof flags.deadline === 'string' ? { deadline: flags.deadline } : {}),
        overrides: {
          ...(width !== undefined ? { resolutionX: width } : {}),
          ...(height !== undefined ? { resolutionY: height } : {}),
          ...(samples !== undefined ? { samples } : {}),
        },
      };
      const job = await ok(api.http.POST('/api/render/jobs', { body }));
      console.log(flags.json ? JSON.stringify(job, null, 2) : `submitted ${job.id}: ${job.frameCount} frames in ${job.taskCount - 1} chunks + preview (${job.renderer})`);
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
      console.log(`${j.id}  ${j.name}  (${j.renderer}, frames ${j.frames}, chunks of ${j.chunkSize})`);
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
