import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildFace, defaultFaceConfig, upstreamOf } from '../src/index.ts';
import type { FaceConfig } from '../src/index.ts';

test('default face: start order runs against the coal flow (belt → crusher → stage loader → AFCs → shearer)', () => {
  const face = buildFace(defaultFaceConfig());
  const pos = (id: string) => face.startOrder.indexOf(id);
  assert.ok(pos('belt') < pos('crusher') && pos('crusher') < pos('stageLoader'));
  assert.ok(pos('stageLoader') < pos('rearAfc') && pos('rearAfc') < pos('frontAfc') && pos('frontAfc') < pos('shearer'));
  assert.deepEqual(face.stopOrder, [...face.startOrder].reverse());
});

test('rear/front AFC order is configuration; an order against the flow is refused', () => {
  const swapped = ['belt', 'pump1', 'crusher', 'stageLoader', 'frontAfc', 'rearAfc', 'shearer'];
  assert.deepEqual(buildFace(defaultFaceConfig({ startOrder: swapped })).startOrder, swapped);
  assert.throws(
    () => buildFace(defaultFaceConfig({ startOrder: ['belt', 'pump1', 'crusher', 'stageLoader', 'rearAfc', 'shearer', 'frontAfc'] })),
    (e: Error & { code?: string }) => e.code === 'MINE_FACE_INVALID' && /shearer.*frontAfc/.test(e.message),
  );
  assert.throws(() => buildFace(defaultFaceConfig({ startOrder: ['belt'] })), { code: 'MINE_FACE_INVALID' });
});

test('cycles, dangling edges and duplicate ids are refused with the offending ids', () => {
  const base = defaultFaceConfig();
  const cyclic: FaceConfig = { ...base, machines: base.machines.map((m) => (m.id === 'belt' ? { ...m, dischargesOnto: 'shearer' } : m)) };
  assert.throws(() => buildFace(cyclic), (e: Error & { code?: string }) => e.code === 'MINE_FACE_INVALID' && /cycle/.test(e.message));
  const dangling: FaceConfig = { ...base, machines: base.machines.map((m) => (m.id === 'crusher' ? { ...m, dischargesOnto: 'nowhere' } : m)) };
  assert.throws(() => buildFace(dangling), /nowhere/);
  assert.throws(() => buildFace({ ...base, machines: [...base.machines, base.machines[0]!] }), /twice/);
});

test('upstream of the stage loader: both AFCs and the shearer, shearer first', () => {
  const face = buildFace(defaultFaceConfig());
  const up = upstreamOf(face, 'stageLoader');
  assert.deepEqual([...up].sort(), ['frontAfc', 'rearAfc', 'shearer']);
  assert.ok(up.indexOf('shearer') < up.indexOf('frontAfc'));
  assert.deepEqual(upstreamOf(face, 'shearer'), []);
  assert.deepEqual(upstreamOf(face, 'pump1'), []);
});

test('property: for any tree-shaped flow, every machine starts after the machine it discharges onto', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), (parents) => {
      // machine i discharges onto some machine j < i (or nothing), which makes a forest
      const machines = parents.map((p, i) => ({ id: `m${i}`, kind: 'afc' as const, dischargesOnto: i === 0 || p % (i + 1) === i ? null : `m${p % i}` }));
      const face = buildFace({ id: 'f', name: 'f', machines, sensors: [] });
      for (const m of machines) {
        if (m.dischargesOnto) assert.ok(face.startOrder.indexOf(m.dischargesOnto) < face.startOrder.indexOf(m.id));
        for (const u of upstreamOf(face, m.id)) assert.ok(face.stopOrder.indexOf(u) < face.stopOrder.indexOf(m.id));
      }
    }),
  );
});
