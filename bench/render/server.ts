// The bench's server process: one real platform (PGlite in a temp dir) on loopback, render nodes
// trusted to have uploaded their frames (SHUZHI_RENDER_VERIFY_FRAMES=0: simulated nodes render nothing).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/src/config.ts';
import { seedDemo } from '../../packages/server/src/demo/seed.ts';
import { Platform } from '../../packages/server/src/platform.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'shuzhi-render-bench-'));
const config = loadConfig({ SHUZHI_DATA_DIR: dataDir, LOG_LEVEL: 'error', SHUZHI_LEASE_MS: process.env.BENCH_LEASE_MS ?? '6000', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) });
const p = await Platform.open({ config });
await seedDemo(p);
await p.start();
const port = await p.listen(0, '127.0.0.1');
const opId = (await p.auth.userIdByName('operator'))!;
const nodeToken = (await p.auth.createToken(opId, 'bench nodes', 'karamay')).token;
const operator = (await p.auth.createToken(opId, 'bench operator', null)).token;
const tenantId = (await p.auth.userIdByName('tenant2'))!;
const studio = (await p.auth.createToken(tenantId, 'bench studio', null)).token;
// A stub scene on shared storage: the simulated nodes never open it, and naming it costs the server no
// file descriptor (it runs at the open-file cap with ~19,000 sockets).
const scenePath = join(dataDir, 'render', 'shared', 'bench.blend');
mkdirSync(join(scenePath, '..'), { recursive: true });
writeFileSync(scenePath, 'stub');
process.stdout.write(`${JSON.stringify({ port, nodeToken, operator, studio, pid: process.pid, scenePath })}\n`);
const stop = async () => {
  await p.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('data', (d) => {
  if (String(d).includes('stop')) void stop();
});
process.stdin.on('end', () => void stop());
