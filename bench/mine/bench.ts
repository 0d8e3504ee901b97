/**
 * `npm run bench -- mine [small|medium|large] [--faces=N] [--clients=N] [--seconds=N] [--warmup=N]`
 *
 * Many simulated faces (real OPC UA servers, every analog tag and CH4 changing at 1 Hz) → the
 * platform (OPC UA subscriptions, controllers, historian, SSE) → SSE clients in another process.
 * Three processes so the server's CPU is its own: simulators | server (this process) | clients.
 * Reports tags per second absorbed by the server, latency p50/p99 from the simulator's value change
 * to the client-side event, and server CPU (percent of one core). Written to bench/results/mine.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultFaceConfig } from '@shuzhi/mine';
import { loadConfig, seedDemo, type MineService, Platform } from '@shuzhi/server';
import { benchArgs } from '../args.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(HERE, '../results');
export const REPORT = '@@bench-mine ';
const SIZES = { small: 5, medium: 10, large: 25 } as const;

function child(script: string, args: string[]): { proc: ChildProcess; line: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    // node-opcua prints its warnings on stdout too: the report is the line with the marker
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (l.startsWith(REPORT)) resolve(l.slice(REPORT.length));
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before reporting`)));
  });
  return { proc, line };
}

async function waitFor(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(args: string[]): Promise<void> {
  const a = benchArgs(
    'mine',
    args,
    {
      faces: { type: 'count', default: 10, help: 'simulated faces (or a size: small 5, medium 10, large 25)' },
      clients: { type: 'count', default: 2, help: 'SSE clients per face' },
      seconds: { type: 'count', default: 20, help: 'seconds measured' },
      warmup: { type: 'count', default: 5, help: 'seconds of warm-up first' },
    },
    { allowed: Object.keys(SIZES), help: 'a size sets --faces' },
  );
  if (!a) return;
  const size = a.positionals.find((p): p is keyof typeof SIZES => p in SIZES);
  const faces = size && !a.given.has('faces') ? SIZES[size] : a.faces;
  const { clients: perFace, seconds, warmup } = a;
  process.stderr.write(`mine: ${faces} faces × ${perFace} SSE clients each, ${warmup} s warm-up, ${seconds} s measured\n`);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'shuzhi-bench-mine-'));
  const p = await Platform.open({ config: loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUZHI_DEMO: '0' }) });
  const sims = child('sims.ts', [String(faces)]);
  let clients: ReturnType<typeof child> | null = null;
  try {
    await seedDemo(p);
    await p.start();
    const port = await p.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const svc = (p.modules.find((m) => m.name === 'mine') as unknown as { service: MineService }).service;
    const { endpoints, dynamicTags } = JSON.parse(await sims.line) as { endpoints: string[]; dynamicTags: number };

    const login = async (username: string) => {
      const r = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: `${username}-demo` }) });
      return r.headers.get('set-cookie')!.split(';')[0]!;
    };
    const eng = await login('mine-engineer');
    const ids = endpoints.map((_, i) => `bench-${i}`);
    for (const [i, endpoint] of endpoints.entries()) {
      const config = defaultFaceConfig({ id: ids[i] });
      const r = await fetch(`${url}/api/mine/faces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: eng, origin: url },
        // the bench's faces are None-only loopback servers (it measures fan-out, not crypto):
        // the unsecured link is configured explicitly, as the server demands
        body: JSON.stringify({ id: ids[i], name: `Bench face ${i}`, mineId: `mine-${String((i % 66) + 1).padStart(2, '0')}`, endpoint,
        config: { machines: config.machines, sensors: config.sensors, security: { mode: 'None', policy: 'None' } } }),
      });
      if (r.status !== 201) throw new Error(`registering ${ids[i]}: ${r.status} ${await r.text()}`);
    }
    await waitFor('every face connected', async () => (await svc.listFaces()).every((f) => f.connected), 60_000);

    // what the server absorbs: every changed tag value its controllers pass on
    let absorbed = 0;
    let counting = false;
    for (const id of ids) {
      svc.subscribe(id, (m) => {
        if (!counting || m.event !== 'telemetry') return;
        for (const mm of Object.values(m.data.machines)) for (const v of Object.values(mm)) if (typeof v === 'number') absorbed++;
        absorbed += Object.keys(m.data.sensors).length;
      });
    }

    const from = Date.now() + warmup * 1000;
    const to = from + seconds * 1000;
    clients = child('clients.ts', [JSON.stringify({ url, cookie: await login('viewer'), faces: ids, perFace, from, to })]);
    await new Promise((r) => setTimeout(r, from - Date.now()));
    counting = true;
    const cpu0 = process.cpuUsage();
    const rows0 = svc.historian.rowsWritten;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, to - Date.now()));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    counting = false;
    const rows = svc.historian.rowsWritten - rows0;
    const c = JSON.parse(await clients.line) as { streams: number; events: number; values: number; p50Ms: number; p99Ms: number; maxMs: number };

    const result = {
      faces,
      tags: dynamicTags,
      tagRateHz: 1,
      sseClients: c.streams,
      seconds,
      tagsPerSec: Math.round((absorbed / wallMs) * 1000),
      deliveredValuesPerSec: Math.round(c.values / seconds),
      p50Ms: Math.round(c.p50Ms * 10) / 10,
      p99Ms: Math.round(c.p99Ms * 10) / 10,
      maxMs: c.maxMs,
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
      historianRowsPerSec: Math.round((rows / wallMs) * 1000),
      database: p.database.kind,
      machine: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
      at: new Date().toISOString(),
    };
    console.log('\n== mine / OPC UA → server → SSE ==');
    console.log(`faces ${result.faces}, tags ${result.tags} at 1 Hz, SSE clients ${result.sseClients}, ${seconds} s measured`);
    console.log(`absorbed ${result.tagsPerSec} tags/s; delivered ${result.deliveredValuesPerSec} values/s to clients`);
    console.log(`latency value change → client event: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`);
    console.log(`server CPU ${result.cpuPercent} % of one core (${result.machine.cores} cores); historian ${result.historianRowsPerSec} rows/s on ${result.database}`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'mine.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    clients?.proc.kill('SIGTERM');
    sims.proc.stdin?.end();
    await new Promise<void>((r) => {
      if (sims.proc.exitCode !== null) return r();
      const k = setTimeout(() => sims.proc.kill('SIGKILL'), 10_000);
      sims.proc.once('exit', () => (clearTimeout(k), r()));
    });
    await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
