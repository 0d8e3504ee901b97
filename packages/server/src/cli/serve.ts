import { loadConfig } from '../config.ts';
import { DemoRunner, startDemoSlurm } from '../demo/runner.ts';
import { workDirProblem } from '@shuzhi/agent';
import { demoSandbox } from '../demo/sandbox.ts';
import { seedDemo } from '../demo/seed.ts';
import { Platform } from '../platform.ts';

export async function serveCommand(): Promise<number> {
  const t0 = Date.now();
  const config = loadConfig();
  const p = await Platform.open({ config });
  // A replica that lost the leadership cannot trust what it holds in memory: it stops, and its supervisor
  // starts it again as a follower.
  p.onDemoted = (why) => {
    p.log.fatal({ why }, 'leadership lost: exiting (status 75) so that a supervisor restarts this replica as a follower');
    process.exit(75);
  };
  let demo: DemoRunner | null = null;
  const creds = config.SHUZHI_DEMO === '1' ? await seedDemo(p) : null;
  const moduleLines: string[] = [];
  if (creds) for (const m of p.modules) moduleLines.push(...((await m.seedDemo?.()) ?? []));
  const demoSlurm = creds
    ? await startDemoSlurm(p).catch((err: unknown) => ({ lines: [`Slurm demo site did not start: ${(err as Error).message}`], stop: async () => undefined }))
    : null;
  if (demoSlurm) moduleLines.push(...demoSlurm.lines);
  await p.start();
  const port = await p.listen();
  const url = `http://${browsable(config.HOST)}:${port}`;
  // Demo workers and simulators run once, on the leader (at once on a single server).
  const startDemo = async () => {
    const box = await demoSandbox();
    const problem = 'sandbox' in box ? await workDirProblem(box.sandbox, config.workDir) : null;
    if (problem) {
      moduleLines.push(`  demo workers: none — ${problem} (SHUZHI_WORK_DIR)`);
    } else if ('sandbox' in box) {
      demo = new DemoRunner(p, `http://127.0.0.1:${port}`, box.sandbox);
      await demo.start(config.SHUZHI_DEMO_AGENTS);
      moduleLines.push(`  demo workers: ${config.SHUZHI_DEMO_AGENTS} per agent site; tasks run in ${box.sandbox.description}`);
    } else {
      moduleLines.push(`  demo workers: none — no sandbox for tenant code (${box.reason})`);
    }
    for (const m of p.modules) {
      await m.startDemo?.(`http://127.0.0.1:${port}`).catch((err: unknown) => {
        moduleLines.push(`  ${m.name} demo did not start: ${(err as Error).message}`);
      });
    }
  };
  if (creds) {
    if (p.replication && !p.leaderWork) moduleLines.push('  demo workers: started when this replica becomes the leader');
    await p.whenLeader(startDemo);
  }
  const lines = [
    '',
    `  数智 Shuzhi is running at ${url}  (API docs: ${url}/api/docs)`,
    `  listening on ${listenLine(config.HOST, port, config.hostExplicit)}`,
    `  database: ${p.database.kind}${p.database.kind === 'pglite' ? ` in ${config.dataDir}` : ''}; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  ];
  if (p.replication) {
    lines.push(`  replica ${p.replication.id} (${p.replication.selfUrl}): ${p.leaderWork ? 'leader' : 'follower'} — leader lease ${config.SHUZHI_LEADER_TTL_MS} ms`);
  }
  if (creds && !isLoopback(config.HOST)) {
    lines.push(
      '',
      `  WARNING: the demo runs with the public passwords below and HOST=${config.HOST} offers it beyond this machine:`,
      '  anyone who can reach this address can log in as any of them. Use SHUZHI_DEMO=0 for anything real.',
    );
  }
  if (creds) {
    lines.push('', '  Demo users (username / password — role):');
    for (const u of creds.users) lines.push(`    ${u.username.padEnd(14)} ${u.password.padEnd(20)} ${u.role}`);
  }
  // Modules word their own lines; the banner indents them all alike.
  lines.push('', ...moduleLines.map((l) => `  ${l.trim()}`));
  process.stdout.write(lines.join('\n') + '\n\n');
  const shutdown = async (signal: string) => {
    p.log.info({ signal }, 'shutting down');
    await demo?.stop();
    await p.close();
    await demoSlurm?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return new Promise(() => undefined);
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** A URL host for the banner: a wildcard address is not somewhere a browser can go. */
function browsable(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function listenLine(host: string, port: number, explicit: boolean): string {
  const where = host === '0.0.0.0' || host === '::' ? 'every network interface' : isLoopback(host) ? 'this machine only' : 'that address';
  const why = explicit ? 'HOST' : 'default; set HOST to change it';
  return `${host.includes(':') ? `[${host}]` : host}:${port} — ${where} (${why})`;
}
