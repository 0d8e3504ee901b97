import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { PEER_PORT, RenderRunner, SandboxUnavailableError, ShellRunner, UnsandboxedRunner, Worker, WorkerError, openSandbox, workDirProblem, type PeerServeOptions, type Sandbox, type TaskRunner } from '@shuzhi/agent';
import { WorkerRunner, workerIdOfCredential } from '@shuzhi/schema';
import { parseArgs, str, UsageError } from './args.ts';

const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
const isRoot = () => process.getuid?.() === 0;
const defaultWorkDir = () => (isRoot() ? '/var/lib/shuzhi/worker' : './shuzhi-work');

export const workerHelp = `shuzhi worker --server URL --credential CRED [--slots N] [--tags a,b] [--runners shell,blender,povray,ffmpeg] [--work-dir DIR] [--peer-listen HOST:PORT|off]
(shuzhi agent is the same command)

Runs a worker: long-polls the server for the work leased to it and runs every task in a sandbox,
in a directory of its own, sending progress, logs and results back.
  --server       API base URL (default $SHUZHI_SERVER or http://localhost:8080)
  --credential   the worker's credential, szw.<workerId>.<secret> (default $SHUZHI_WORKER_CREDENTIAL);
                 an operator enrolls the worker for a site and gets it once:
                 shuzhi workers enroll --site ID --name NAME
  --slots        tasks run at once (default 1)
  --tags         comma-separated tags
  --runners      what this worker runs (default shell): shell = compute tasks; blender, povray = render
                 chunks; ffmpeg = thumbnails and previews. The programs must be on PATH.
  --threads      render threads per Blender process (default all cores)
  --work-dir     task directories and the scene cache (default ${defaultWorkDir()})
  --peer-listen  HOST:PORT where a render worker serves its cached scene blobs to other nodes of the
                 farm, each transfer only with a grant the server signed (default 0.0.0.0:${PEER_PORT});
                 off = serve nobody (the node still fetches from peers and the store)
  --peer-advertise  the URL other nodes reach this one at (default http://<hostname>:<port>)
  --unsandboxed  run tasks without a sandbox, as this user with its files (development only;
                 refused for root). Without it the worker exits when no sandbox is available.`;


export async function agentCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { switches: ['unsandboxed'], values: ['credential', 'slots', 'threads', 'server', 'work-dir', 'runners', 'tags', 'peer-listen', 'peer-advertise'], gone: ['token', 'site', 'id', 'render'] });
  if (flags.help) {
    console.log(workerHelp);
    return 0;
  }
  for (const gone of ['token', 'site', 'id', 'render']) {
    if (flags[gone] !== undefined) {
      throw new UsageError(`--${gone} is gone: a worker now has its own credential, bound to its site. Ask an operator for one (shuzhi workers enroll --site ID --name NAME) and pass it with --credential`);
    }
  }
  const credential = typeof flags.credential === 'string' ? flags.credential : process.env.SHUZHI_WORKER_CREDENTIAL;
  if (!credential) throw new UsageError('missing --credential (or SHUZHI_WORKER_CREDENTIAL): an operator enrolls the worker with shuzhi workers enroll --site ID --name NAME');
  if (!workerIdOfCredential(credential)) throw new UsageError('--credential is not a worker credential (szw.<workerId>.<secret>, as printed at enrollment)');
  const slots = Number(str(flags, 'slots', '1'));
  if (!Number.isInteger(slots) || slots < 1 || slots > 1024) throw new UsageError('--slots must be a whole number 1–1024');
  const threads = typeof flags.threads === 'string' ? Number(flags.threads) : undefined;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive whole number');
  const server = str(flags, 'server', process.env.SHUZHI_SERVER ?? 'http://localhost:8080');
  const workDir = resolve(str(flags, 'work-dir', defaultWorkDir()));
  const runners = buildRunners(str(flags, 'runners', 'shell'), threads, peerOptions(str(flags, 'peer-listen', `0.0.0.0:${PEER_PORT}`), typeof flags['peer-advertise'] === 'string' ? flags['peer-advertise'] : undefined));

  let sandbox: Sandbox;
  try {
    // --unsandboxed is explicit and only for a non-root user: UnsandboxedRunner refuses root itself.
    sandbox = flags.unsandboxed ? new UnsandboxedRunner() : await openSandbox();
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError)) throw err;
    console.error(`error: no sandbox for tenant code: ${err.message}`);
    return 1;
  }
  const problem = await workDirProblem(sandbox, workDir);
  if (problem) {
    console.error(`error: ${problem} (--work-dir)`);
    return 1;
  }

  const worker = new Worker({ server, credential, slots, tags: str(flags, 'tags', '').split(',').filter(Boolean), workDir, runners, sandbox });
  try {
    await worker.syncOnce({ waitMs: 0 });
  } catch (err) {
    if (err instanceof WorkerError && err.code === 'WORKER_UNAUTHORISED') {
      console.error(`error: ${err.message}`);
      await worker.stop({ kill: true });
      return 1;
    }
    console.error(`worker ${worker.id}: first sync failed (${(err as Error).message}); retrying`);
  }
  worker.start();
  console.error(`worker ${worker.id} polling ${server}: runs ${worker.runners.join(', ')} in ${slots} slot(s); ${sandbox.description}; work dir ${workDir}`);
  await new Promise<void>((res) => {
    process.once('SIGINT', res);
    process.once('SIGTERM', res);
  });
  await worker.stop();
  for (const r of runners) if (r instanceof RenderRunner) await r.close();
  return 0;
}

/** --peer-listen and --peer-advertise as the render runner's peer options (undefined: off). */
export function peerOptions(listen: string, advertise: string | undefined): PeerServeOptions | undefined {
  if (listen === 'off') {
    if (advertise) throw new UsageError('--peer-advertise needs peer serving on (--peer-listen is off)');
    return undefined;
  }
  const m = /^(.+):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError('--peer-listen must be HOST:PORT (e.g. 0.0.0.0:7391) or off');
  if (advertise !== undefined && !/^https?:\/\/[^\s/]+$/.test(advertise)) throw new UsageError('--peer-advertise must be http://host:port, no path');
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port, ...(advertise ? { advertise } : {}) };
}

function buildRunners(list: string, threads: number | undefined, peer: PeerServeOptions | undefined): TaskRunner<any>[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const wanted = new Set<WorkerRunner>();
  for (const n of names) {
    const r = WorkerRunner.safeParse(n);
    if (!r.success) throw new UsageError(`--runners: unknown runner "${n}" (shell, blender, povray, ffmpeg)`);
    wanted.add(r.data);
  }
  if (wanted.size === 0) throw new UsageError('--runners names nothing to run');
  for (const program of ['blender', 'povray', 'ffmpeg'] as const) {
    if (wanted.has(program) && !onPath(program)) throw new UsageError(`--runners names ${program}, which is not on PATH here`);
  }
  const runners: TaskRunner<any>[] = [];
  if (wanted.has('shell')) runners.push(new ShellRunner());
  const renderers = (['blender', 'povray'] as const).filter((r) => wanted.has(r));
  if (renderers.length || wanted.has('ffmpeg')) {
    runners.push(new RenderRunner({ renderers, ffmpeg: wanted.has('ffmpeg'), ...(threads ? { threads } : {}), ...(peer ? { peer } : {}) }));
  }
  return runners;
}
