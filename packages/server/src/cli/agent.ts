import { resolve } from 'node:path';
import { Agent, RenderNode } from '@shuzhi/agent';
import { parseArgs, str, UsageError } from './args.ts';

export const agentHelp = `shuzhi agent --server URL --token T --site ID [--slots N] [--tags a,b] [--id NAME] [--work-dir DIR]

Runs a worker agent: long-polls the server for tasks of site ID and runs them as shell commands,
each in a work directory of its own, sending stdout/stderr back as task logs.
  --server    API base URL (default $SHUZHI_SERVER or http://localhost:8080)
  --token     API token (default $SHUZHI_TOKEN): an operator token or one bound to the site
  --site      the site this agent belongs to
  --slots     tasks run at once (default 1)
  --tags      comma-separated tags
  --id        agent id (default <hostname>-<pid>)
  --work-dir  where task directories go (default ./shuzhi-work)
  --render    run a render node instead (Blender/POV-Ray/ffmpeg on PATH; POST /api/render/nodes/:id/sync)
  --threads   render threads per Blender process (render nodes; default all cores)`;

export async function agentCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ['help', 'render']);
  if (flags.help) {
    console.log(agentHelp);
    return 0;
  }
  const token = typeof flags.token === 'string' ? flags.token : process.env.SHUZHI_TOKEN;
  if (!token) throw new UsageError('missing --token (or SHUZHI_TOKEN)');
  const slots = Number(str(flags, 'slots', '1'));
  if (!Number.isInteger(slots) || slots < 1 || slots > 1024) throw new UsageError('--slots must be a whole number 1–1024');
  if (flags.render) {
    const threads = typeof flags.threads === 'string' ? Number(flags.threads) : undefined;
    const node = new RenderNode({
      server: str(flags, 'server', process.env.SHUZHI_SERVER ?? 'http://localhost:8080'),
      token,
      siteId: str(flags, 'site'),
      slots,
      tags: typeof flags.tags === 'string' ? flags.tags.split(',').filter(Boolean) : [],
      ...(typeof flags.id === 'string' ? { id: flags.id } : {}),
      ...(threads && Number.isInteger(threads) && threads > 0 ? { threads } : {}),
      workDir: resolve(str(flags, 'work-dir', './shuzhi-work')),
    });
    node.start();
    console.error(`render node ${node.id} polling for site ${str(flags, 'site')} with ${slots} slot(s)`);
    await new Promise<void>((res) => {
      process.once('SIGINT', res);
      process.once('SIGTERM', res);
    });
    await node.stop();
    return 0;
  }
  const agent = new Agent({
    server: str(flags, 'server', process.env.SHUZHI_SERVER ?? 'http://localhost:8080'),
    token,
    siteId: str(flags, 'site'),
    slots,
    tags: typeof flags.tags === 'string' ? flags.tags.split(',').filter(Boolean) : [],
    ...(typeof flags.id === 'string' ? { id: flags.id } : {}),
    workDir: resolve(str(flags, 'work-dir', './shuzhi-work')),
  });
  agent.start();
  console.error(`agent ${agent.id} polling ${str(flags, 'server', process.env.SHUZHI_SERVER ?? 'http://localhost:8080')} for site ${str(flags, 'site')} with ${slots} slot(s)`);
  await new Promise<void>((res) => {
    process.once('SIGINT', res);
    process.once('SIGTERM', res);
  });
  await agent.stop();
  return 0;
}
