import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fanoutFigures, type FanoutFigures } from '@shuzhi/render';

/** The shared CC0 render folder, taken as one studio scene folder (scene, its frames as textures, scripts). */
const SCENE_DIR = '/work/shared/data/render';

function filesOf(dir: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesOf(abs));
    else if (e.isFile()) out.push({ path: relative(SCENE_DIR, abs), bytes: statSync(abs).size });
  }
  return out;
}

const MB = (b: number) => (b / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 });

/**
 * Bytes read from the asset store when `nodes` nodes start one job on the shared scene: every node
 * from the store (naive), the store's transfer slots (what the server runs: SHUZHI's StoreSlots, 32
 * at once, plus each node's blob cache so a second job sharing blobs reads nothing), and a fan-out
 * tree (store serves the first `slots`, each node that has the blobs serves `fanout` others) — the
 * tree is arithmetic here: peer serving is designed, not built. Blob sizes are the real files.
 */
export function assetFanoutSection(nodes: number, slots = 32, fanout = 4): FanoutFigures & { files: number } {
  const files = filesOf(SCENE_DIR);
  const f = fanoutFigures({ nodes, blobBytes: files.map((x) => x.bytes), storeSlots: slots, fanout });
  console.log(`\n== asset fan-out: one job start on ${nodes.toLocaleString('en')} nodes ==`);
  console.log(`scene folder ${SCENE_DIR}: ${files.length} files, ${MB(f.jobBytes)} MB (${files.map((x) => `${x.path} ${Math.round(x.bytes / 1024)} KB`).join(', ')})`);
  console.log(`${'way of fetching'.padEnd(44)} ${'read from store'.padStart(16)} ${'from peers'.padStart(12)} ${'store transfers at once'.padStart(24)} ${'rounds'.padStart(7)}`);
  const row = (name: string, store: number, peers: number, peak: number, rounds: number) =>
    console.log(`${name.padEnd(44)} ${`${MB(store)} MB`.padStart(16)} ${`${MB(peers)} MB`.padStart(12)} ${peak.toLocaleString('en').padStart(24)} ${String(rounds).padStart(7)}`);
  row('naive: every node from the store', f.naive.storeBytes, 0, f.naive.peakStoreTransfers, f.naive.rounds);
  row(`built: store slots (${slots}) + node cache`, f.storeLimited.storeBytes, 0, f.storeLimited.peakStoreTransfers, f.storeLimited.rounds);
  row(`designed: tree, store ${slots} + peers ×${fanout}`, f.tree.storeBytes, f.tree.peerBytes, f.tree.peakStoreTransfers, f.tree.rounds);
  console.log(`a second job sharing these blobs: 0 bytes uploaded, 0 bytes fetched by nodes that ran the first (content-addressed, node cache)`);
  return { ...f, files: files.length };
}
