import { loadConfig, type Config } from '../config.ts';
import { DemoRunner, startDemoSlurm } from '../demo/runner.ts';
import { workDirProblem } from '@shuzhi/agent';
import { demoSandbox } from '../demo/sandbox.ts';
import { seedDemo } from '../demo/seed.ts';
import { oneLine } from '../lifecycle/errors.ts';
import { DUPLICATE_SIGNAL_MS, Shutdown, type StopSignal } from '../lifecycle/shutdown.ts';
import { Platform } from '../platform.ts';

/** What a start has opened so far: a failed start and a stop close exactly these. */
interface Running {
  p: Platform | null;
  demo: DemoRunner | null;
  demoSlurm: { stop: () => Promise<void> } | null;
}

/**
 * `shuzhi serve`. A start that cannot proceed (bad config, database unreachable, data directory in use,
 * port in use, a failed migration) closes what it opened and throws one line naming the cause; main
 * prints it and exits 1. Once serving, SIGTERM/SIGINT stop it gracefully within SHUZHI_SHUTDOWN_SECONDS.
 */
export async function serveCommand(): Promise<number> {
  const run: Running = { p: null, demo: null, demoSlurm: null };
  const stopAll = async () => {
    await run.demo?.stop();
    await run.p?.close();
    await run.demoSlurm?.stop();
  };
  // A signal during the start must not kill the process half-started (demo daemons left running, the
  // lock left behind): it is kept and the stop runs as soon as the start has finished. Sent again (not
  // the echo of a terminal's Ctrl-C through npm), it exits at once.
  let pending: { signal: StopSignal; at: number } | null = null;
  const early = (signal: StopSignal) => () => {
    if (pending) {
      if (signal === pending.signal && Date.now() - pending.at < DUPLICATE_SIGNAL_MS) return;
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    pending = { signal, at: Date.now() };
    process.stderr.write(`${signal} while starting: stopping as soon as the start has finished (send it again to exit at once)\n`);
  };
  const onEarly = { SIGINT: early('SIGINT'), SIGTERM: early('SIGTERM') };
  process.on('SIGINT', onEarly.SIGINT);
  process.on('SIGTERM', onEarly.SIGTERM);
  let config: Config;
  let shutdown: Shutdown;
  try {
    config = loadConfig();
    await start(config, run);
    shutdown = new Shutdown({ log: run.p!.log, timeoutMs: config.SHUZHI_SHUTDOWN_SECONDS * 1000, stop: stopAll }).install();
  } catch (err) {
    // Bounded: a wedged part must not keep a failed start alive.
    await Promise.race([stopAll().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    throw new Error(`cannot start: ${oneLine(err)}`, { cause: err });
  } finally {
    process.removeListener('SIGINT', onEarly.SIGINT);
    process.removeListener('SIGTERM', onEarly.SIGTERM);
  }
  const asked = pending as { signal: StopSignal } | null;
  if (asked) void shutdown.signal(asked.signal);
  return new Promise(() => undefined);
}

async function start(config: Config, run: Running): Promise<void> {
  const t0 = Date.now();
  const p = await Platform.open({ config });
  run.p = p;
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
  run.demoSlurm = demoSlurm;
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
      run.demo = demo;
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
