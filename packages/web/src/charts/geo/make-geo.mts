/**
 * Rebuilds china-xinjiang.json from echarts@4.9.0's bundled map data (see README.md):
 *   npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz package/map/json
 *   npx tsx packages/web/src/charts/geo/make-geo.mts package/map/json
 * Kept so the asset can be audited and regenerated, not imported by the app.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Ring = [number, number][];
interface Feature { properties: { name: string }; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown; encodeOffsets: unknown } }

/** echarts' own decoding of its "UTF8Encoding" format (lib/coord/geo/parseGeoJson.js). */
function decodeRing(s: string, [x0, y0]: [number, number], scale: number): Ring {
  const out: Ring = [];
  let px = x0;
  let py = y0;
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64;
    let y = s.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    px += x;
    py += y;
    out.push([px / scale, py / scale]);
  }
  return out;
}

/** Douglas–Peucker: drops vertices closer than `tol` degrees to the simplified outline. */
function simplify(ring: Ring, tol: number): Ring {
  if (ring.length < 5) return ring;
  const keep = new Uint8Array(ring.length);
  keep[0] = keep[ring.length - 1] = 1;
  const stack: [number, number][] = [[0, ring.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = ring[a]!;
    const [bx, by] = ring[b]!;
    const len = Math.hypot(bx - ax, by - ay);
    let worst = -1;
    let at = -1;
    for (let i = a + 1; i < b; i++) {
      const [x, y] = ring[i]!;
      // A closed ring starts and ends on one point: measure from that point instead of a zero-length segment.
      const d = len === 0 ? Math.hypot(x - ax, y - ay) : Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / len;
      if (d > worst) [worst, at] = [d, i];
    }
    if (worst > tol) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return ring.filter((_, i) => keep[i]);
}

const round = (v: number) => Math.round(v * 100) / 100;

function polygons(f: Feature, scale: number, tol: number): Ring[][] {
  const g = f.geometry;
  const polys = g.type === 'Polygon' ? [g.coordinates as string[]] : (g.coordinates as string[][]);
  const offsets = g.type === 'Polygon' ? [g.encodeOffsets as [number, number][]] : (g.encodeOffsets as [number, number][][]);
  return polys
    .map((rings, p) =>
      rings
        .map((r, k) => simplify(decodeRing(r, offsets[p]![k]!, scale), tol).map(([x, y]) => [round(x), round(y)] as [number, number]))
        .filter((r) => r.length >= 4),
    )
    .filter((rings) => rings.length > 0);
}

const dir = process.argv[2] ?? 'package/map/json';
const load = (p: string) => JSON.parse(readFileSync(join(dir, p), 'utf8')) as { UTF8Scale?: number; features: Feature[] };
const china = load('china.json');
const xinjiang = load('province/xinjiang.json');

const features = [
  // Xinjiang is drawn by its prefectures instead of one outline, so its province feature is left out.
  ...china.features.filter((f) => f.properties.name !== '新疆').map((f) => ({ f, scale: china.UTF8Scale ?? 1024, tol: 0.05, xj: false })),
  ...xinjiang.features.map((f) => ({ f, scale: xinjiang.UTF8Scale ?? 1024, tol: 0.02, xj: true })),
].map(({ f, scale, tol, xj }) => ({
  type: 'Feature',
  properties: { name: f.properties.name, ...(xj ? { xinjiang: true } : {}) },
  geometry: { type: 'MultiPolygon', coordinates: polygons(f, scale, tol) },
}));

writeFileSync(new URL('./china-xinjiang.json', import.meta.url), JSON.stringify({ type: 'FeatureCollection', features }));
