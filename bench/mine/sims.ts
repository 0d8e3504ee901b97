/** Child process of the bench: N bench faces on free ports; prints their endpoints as one JSON line, runs until stdin closes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFaceConfig } from '@shuzhi/mine';
import { freePort } from '../../sim/free-port.ts';
import { startBenchFace } from './face-sim.ts';
import type { BenchFace } from './face-sim.ts';

const n = Number(process.argv[2] ?? 1);
const pki = mkdtempSync(join(tmpdir(), 'shuzhi-bench-mine-pki-'));
const faces: BenchFace[] = [];
for (let i = 0; i < n; i++) {
  faces.push(await startBenchFace({ port: await freePort(), face: defaultFaceConfig({ id: `bench-${i}` }), pkiFolder: join(pki, String(i)) }));
}
process.stdout.write(`@@bench-mine ${JSON.stringify({ endpoints: faces.map((f) => f.endpoint), dynamicTags: faces.reduce((a, f) => a + f.dynamicTags, 0) })}\n`);
const stop = async () => {
  for (const f of faces) await f.stop().catch(() => undefined);
  rmSync(pki, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
