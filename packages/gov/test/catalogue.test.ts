import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { catalogueSeed, servicesOfItem, validateCatalogue, validateCatalogueItem, type Catalogue, type ItemInput, type ServiceInput } from '../src/index.ts';

test('the seed catalogue passes its own validation', () => {
  assert.deepEqual(validateCatalogue(catalogueSeed), []);
});

test('the first national batch has 13 items: 8 for enterprises, 5 for individuals (国发〔2024〕3号)', () => {
  const batch = catalogueSeed.items.filter((i) => i.list.kind === 'national_batch' && i.list.year === 2024 && i.list.batch === 1);
  assert.equal(batch.length, 13);
  assert.equal(batch.filter((i) => i.subject === 'enterprise').length, 8);
  assert.equal(batch.filter((i) => i.subject === 'individual').length, 5);
  const names = batch.map((i) => i.name.zh);
  for (const n of ['企业信息变更', '开办餐饮店', '开办运输企业', '员工录用', '企业上市合法合规信息核查', '企业破产信息核查', '信用修复', '水电气网联合报装',
    '新生儿出生', '教育入学', '社会保障卡居民服务"一卡通"', '残疾人服务', '退休']) assert.ok(names.includes(n), n);
});

test('names the sheet could not source are marked unverified; sourced ones are confirmed', () => {
  const status = (zh: string) => catalogueSeed.items.find((i) => i.name.zh === zh)?.sourceStatus;
  for (const n of ['员工录用', '企业破产信息核查', '水电气网联合报装']) assert.equal(status(n), 'unverified', n);
  for (const n of ['新生儿出生', '企业信息变更', '开办运输企业', '退休', '信用修复']) assert.equal(status(n), 'confirmed', n);
});

test('新生儿出生 carries the Guangdong services, the departments of the sheet and the Qinghai figures', () => {
  const item = catalogueSeed.items.find((i) => i.id === 'item_newborn')!;
  const services = servicesOfItem(catalogueSeed, item);
  assert.equal(services.length, 9);
  const departments = new Set(services.map((s) => s.departmentId));
  for (const d of ['dept_health', 'dept_public_security', 'dept_hrss', 'dept_medical_insurance', 'dept_tax']) assert.ok(departments.has(d), d);
  assert.equal(item.leadDepartmentId, 'dept_health');
  const registration = services.find((s) => s.name.zh === '出生登记（户口）')!;
  const medical = services.find((s) => s.name.zh === '出生医学证明')!;
  assert.ok(registration.dependsOn.includes(medical.id), 'household registration waits for the birth medical certificate');
  assert.ok(medical.results.includes('BIRTH_MEDICAL_CERT'));
  assert.ok(registration.results.includes('HOUSEHOLD_REGISTER'));
  assert.deepEqual(item.baseline.steps, { before: 16, after: 3 });
  assert.deepEqual(item.baseline.workingDays, { before: 32, after: 5 });
});

test('退休 bundles the 人社 pension claim and the 公积金 sealing and withdrawal; only-child proof may be a commitment', () => {
  const item = catalogueSeed.items.find((i) => i.id === 'item_retirement')!;
  const services = servicesOfItem(catalogueSeed, item);
  assert.ok(services.some((s) => s.departmentId === 'dept_hrss' && s.name.zh.includes('养老')));
  assert.equal(services.filter((s) => s.departmentId === 'dept_housing_fund').length, 2);
  const onlyChild = services.flatMap((s) => s.materials).find((m) => m.id === 'mat_only_child_cert')!;
  assert.equal(onlyChild.commitmentAllowed, true);
  assert.deepEqual(item.baseline.workingDays, { before: null, after: null }, 'no figures were found, none invented');
});

test('企业信息变更 pushes to 公安 and 税务 as follow-on tasks after 市场监管', () => {
  const item = catalogueSeed.items.find((i) => i.id === 'item_enterprise_info_change')!;
  const services = servicesOfItem(catalogueSeed, item);
  const lead = services.find((s) => s.departmentId === 'dept_market')!;
  for (const d of ['dept_public_security', 'dept_tax']) {
    const s = services.find((x) => x.departmentId === d)!;
    assert.equal(s.followOn, true);
    assert.deepEqual(s.dependsOn, [lead.id]);
  }
  assert.ok(lead.materials.some((m) => m.generatedByPlatform && m.name.zh === '股东会决议'));
});

test('regional Xinjiang items exist and are all marked unverified', () => {
  const regional = catalogueSeed.items.filter((i) => i.scope === 'regional');
  assert.ok(regional.length >= 2 && regional.length <= 3);
  for (const i of regional) { assert.equal(i.region, '65'); assert.equal(i.unverified, true); }
});

// ---- admin-added items --------------------------------------------------------------------------------

const base: Catalogue = { ...catalogueSeed };
const svc = (id: string, dependsOn: string[] = [], departmentId = 'dept_hrss'): ServiceInput => ({ id, name: { zh: id, en: id }, departmentId, slaWorkingDays: 3, dependsOn });
const item = (services: string[], extra: Partial<ItemInput> = {}): ItemInput => ({
  id: 'item_admin_test', version: 1, name: { zh: '测试一件事', en: 'Test item' }, subject: 'individual', scope: 'national',
  list: { kind: 'annual', year: 2025 }, lifecycleStage: '就业', sourceStatus: 'unverified', leadDepartmentId: 'dept_hrss', services,
  baseline: { steps: { before: null, after: null }, materials: { before: null, after: null }, workingDays: { before: null, after: null }, trips: { before: null, after: null } },
  ...extra,
});

test('a valid admin item with new services is accepted and defaults are applied', () => {
  const r = validateCatalogueItem({ item: item(['svc_t_a', 'svc_t_b']), services: [svc('svc_t_a'), svc('svc_t_b', ['svc_t_a'])] }, base);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.value.services[0]!.fields, []);
  assert.equal(r.value.item.modes.commitment, false);
});

test('a dependency cycle is reported with its path', () => {
  const r = validateCatalogueItem({ item: item(['svc_t_a', 'svc_t_b', 'svc_t_c']), services: [svc('svc_t_a', ['svc_t_c']), svc('svc_t_b', ['svc_t_a']), svc('svc_t_c', ['svc_t_b'])] }, base);
  assert.equal(r.ok, false);
  if (r.ok) return;
  const e = r.errors.find((x) => x.code === 'DEPENDENCY_CYCLE')!;
  assert.equal(e.field, 'item.services');
  for (const id of ['svc_t_a', 'svc_t_b', 'svc_t_c']) assert.ok(e.message.en.includes(id));
});

test('unknown services, departments and certificate types are reported at their fields', () => {
  const r = validateCatalogueItem({
    item: item(['svc_t_a', 'svc_does_not_exist'], { leadDepartmentId: 'dept_nowhere' }),
    services: [{ ...svc('svc_t_a', ['svc_nb_birth_medical_certificate'], 'dept_mystery'), results: ['NO_SUCH_CERT'] }],
  }, base);
  assert.equal(r.ok, false);
  if (r.ok) return;
  const byField = new Map(r.errors.map((e) => [e.field, e.code]));
  assert.equal(byField.get('item.leadDepartmentId'), 'UNKNOWN_DEPARTMENT');
  assert.equal(byField.get('item.services.1'), 'UNKNOWN_SERVICE');
  assert.equal(byField.get('services.0.departmentId'), 'UNKNOWN_DEPARTMENT');
  assert.equal(byField.get('services.0.dependsOn.0'), 'DEPENDENCY_OUTSIDE_ITEM');
  assert.equal(byField.get('services.0.results.0'), 'UNKNOWN_CERTIFICATE_TYPE');
  for (const e of r.errors) { assert.ok(e.message.zh.length > 0); assert.ok(e.message.en.length > 0); }
});

test('schema errors carry the dotted path of the bad field', () => {
  const r = validateCatalogueItem({ item: { ...item(['svc_t_a']), subject: 'robot' }, services: [{ ...svc('svc_t_a'), slaWorkingDays: -1 }] }, base);
  assert.equal(r.ok, false);
  if (r.ok) return;
  const fields = r.errors.map((e) => e.field);
  assert.ok(fields.includes('item.subject'));
  assert.ok(fields.includes('services.0.slaWorkingDays'));
});

test('a new version must be newer than the published one, and A-level materials need a library source', () => {
  const dup = validateCatalogueItem({ item: { ...item(['svc_nb_birth_medical_certificate']), id: 'item_newborn', version: 1 } }, base);
  assert.ok(!dup.ok && dup.errors.some((e) => e.field === 'item.version' && e.code === 'ITEM_VERSION_NOT_NEWER'));
  const mat = validateCatalogueItem({ item: item(['svc_t_a']), services: [{ ...svc('svc_t_a'), materials: [{ id: 'mat_x', name: { zh: '材料', en: 'Material' }, trustLevel: 'A', holder: 'applicant' }] }] }, base);
  assert.ok(!mat.ok && mat.errors.some((e) => e.field === 'services.0.materials.0.certificateTypes' && e.code === 'A_LEVEL_WITHOUT_SOURCE'));
});

test('random acyclic dependency graphs are accepted; adding one back edge is always caught', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 8 }).chain((n) => fc.tuple(
    fc.constant(n),
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 }),
    fc.tuple(fc.nat(n - 1), fc.nat(n - 1)),
  )), ([n, edges, [x, y]]) => {
    const ids = Array.from({ length: n }, (_, i) => `svc_g_${i}`);
    // Only edges from a higher to a lower index: a DAG by construction.
    const deps = ids.map((_, i) => [...new Set(edges.filter(([a, b]) => a === i && b < a).map(([, b]) => ids[b]!))]);
    const ok = validateCatalogueItem({ item: item(ids), services: ids.map((id, i) => svc(id, deps[i])) }, base);
    assert.ok(ok.ok);
    fc.pre(x !== y);
    const [lo, hi] = x < y ? [x, y] : [y, x];
    // Make a path hi → … → lo certain, then add lo → hi.
    const withPath = deps.map((d, i) => (i === hi ? [...new Set([...d, ids[lo]!])] : d));
    const cyclic = withPath.map((d, i) => (i === lo ? [...d, ids[hi]!] : d));
    const bad = validateCatalogueItem({ item: item(ids), services: ids.map((id, i) => svc(id, cyclic[i])) }, base);
    assert.ok(!bad.ok && bad.errors.some((e) => e.code === 'DEPENDENCY_CYCLE'));
  }), { numRuns: 100 });
});
