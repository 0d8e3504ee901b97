import { configHelp } from '../config.ts';
import { UsageError } from './args.ts';
import { jobCommand, siteCommand } from './job.ts';

const help = `数智 Shuzhi — green compute network, render farm, one-thing services, mine control

Usage: shuzhi <command> [options]     (every command takes --help)

  serve                 run the platform (API + web) — npm start does this with the demo
  login                 log in and print an API token for the CLI (eval "$(shuzhi login --username U)")
  tokens list|revoke    your API tokens; revoke one at once
  worker                run a worker: compute tasks and render chunks, sandboxed (alias: agent)
  workers enroll|list|rotate|revoke   workers enrolled at sites, and their credentials
  job submit|list|get|tasks|logs|cancel|preempt   (--after ok:JOB,… dependencies, --array 0-99%10, --checkpoint)
  workflow submit|list|get|cancel   a DAG of jobs from a JSON or YAML file, as one
  quota set|get|list    quotas per tenant/project and resource type, cohorts, borrowing (operators set)
  fairshare             the fair-share table (like Slurm's sshare); --set TENANT=SHARES (operators)
  sbatch SCRIPT         submit a Slurm batch script (#SBATCH directives) as a job
  site list
  render submit|status|pause|resume|cancel|requeue   render farm jobs
  plan                  plan a scenario file with the planner (fifo | greedy | optimal)
  backup --out FILE     back up the data directory (embedded database, files, keys) into one archive
  restore FILE          restore a backup into a new or empty data directory
  mine certs list|trust|reject|own   OPC UA certificates of the mine link (trust a face PLC)
  data products|request|query|…   the data space (数据要素×): products, contracts, queries at the data's site
  sim mine              run the longwall-face OPC UA simulator

Environment:
${Object.entries(configHelp)
  .map(([k, v]) => `  ${k.padEnd(24)} ${v}`)
  .join('\n')}
  ${'SHUZHI_SERVER'.padEnd(24)} API base URL for CLI commands (default http://localhost:8080)
  ${'SHUZHI_TOKEN'.padEnd(24)} API token for CLI commands
  ${'SHUZHI_WORKER_CREDENTIAL'.padEnd(24)} the worker's credential for shuzhi worker (szw.…)`;

/** Commands written in other modules are loaded lazily so `shuzhi job list` stays quick. */
const commands: Record<string, (argv: string[]) => Promise<number>> = {
  serve: async (argv) => {
    if (argv.includes('--help')) {
      console.log(`shuzhi serve — runs the platform. Configured by environment variables:\n\n${help.split('Environment:\n')[1]}`);
      return 0;
    }
    const { serveCommand } = await import('./serve.ts');
    return serveCommand();
  },
  worker: async (argv) => (await import('./agent.ts')).agentCommand(argv),
  agent: async (argv) => (await import('./agent.ts')).agentCommand(argv),
  login: async (argv) => (await import('./login.ts')).loginCommand(argv),
  tokens: async (argv) => (await import('./tokens.ts')).tokensCommand(argv),
  workers: async (argv) => (await import('./workers.ts')).workersCommand(argv),
  job: jobCommand,
  quota: async (argv) => (await import('./quota.ts')).quotaCommand(argv),
  fairshare: async (argv) => (await import('./quota.ts')).fairshareCommand(argv),
  site: siteCommand,
  workflow: async (argv) => (await import('./workflow.ts')).workflowCommand(argv),
  sbatch: async (argv) => (await import('./sbatch.ts')).sbatchCommand(argv),
  plan: async (argv) => (await import('./plan.ts')).planCommand(argv),
  render: async (argv) => (await import('./render.ts')).renderCommand(argv),
  backup: async (argv) => (await import('./backup.ts')).backupCommand(argv),
  restore: async (argv) => (await import('./backup.ts')).restoreCommand(argv),
  mine: async (argv) => (await import('./mine.ts')).mineCommand(argv),
  data: async (argv) => (await import('./data.ts')).dataCommand(argv),
  sim: async (argv) => {
    if (argv[0] !== 'mine') {
      console.log('usage: shuzhi sim mine --port P');
      return argv[0] === '--help' ? 0 : 2;
    }
    const mod = (await import('../../../../sim/mine/cli.ts')) as { simMineCommand(a: string[]): Promise<number> };
    return mod.simMineCommand(argv.slice(1));
  },
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(help);
    return cmd ? 0 : 2;
  }
  const run = commands[cmd];
  if (!run) {
    console.error(`unknown command "${cmd}"\n\n${help}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(`error: ${(err as Error).message}`);
      process.exitCode = 1;
    }
    // A start that failed half-way may hold open handles (database, timers): exit rather than hang.
    setTimeout(() => process.exit(), 2000).unref();
  },
);
