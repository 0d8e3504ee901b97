import type { Link, Pool, Region, Role, SiteInput, Tenant } from '@shuzhi/schema';

/**
 * The demo network. Figures come from ../shared/domain/compute.md (tariff rules, PUE defaults,
 * pool power and market prices of 2026-08); where the source has no figure the value is an
 * assumption and says so in `model`.
 */

type Period = 'F' | 'P' | 'V' | 'C' | 'D';
function touTable(pattern: string, fenByPeriod: Record<Period, number>): number[] {
  return [...pattern].map((p) => Math.round(fenByPeriod[p as Period] * 100) / 100);
}

/** 新发改规〔2023〕11号: floating 17.1 fen × multiplier + fixed adder 5.3 fen (T&D 4.85 + funds 0.41). */
const XJ_FLOAT = 17.1;
const XJ_FIXED = 5.3;
export const xinjiangTariff = touTable('FFFFVVVVPPPFFVVVVFFPPPPP', {
  F: XJ_FLOAT * 1.0 + XJ_FIXED,
  P: XJ_FLOAT * 1.75 + XJ_FIXED,
  V: XJ_FLOAT * 0.25 + XJ_FIXED,
  C: XJ_FLOAT * 2.0 + XJ_FIXED,
  D: XJ_FLOAT * 0.1 + XJ_FIXED,
});
/** 渝发改规范〔2021〕14号, general commercial example prices (unverified). */
const chongqingTariff = touTable('VVVVVVVVFFFPPPPPPFFFPPFF', { F: 54.35, P: 86.96, V: 33.08, C: 104.35, D: 33.08 });
/** 豫发改价管〔2024〕283号 summer pattern, 1.64:1:0.41 around an assumed 60 fen flat price. */
const henanTariff = touTable('VVVVVVVFFFFFFFFFPPPPPPPP', { F: 60, P: 98.4, V: 24.6, C: 118, D: 24.6 });

/** MEE 2022 provincial grid factors; no hourly series exists, so the day is flat. */
const flat = (g: number) => Array.from({ length: 24 }, () => g);

/** Accelerators matching each pool's FP16 peak: 8 devices per NVLink board / HCCS ring. */
const H800 = { model: 'H800', memGB: 80, groupUnits: 8 };
const ASCEND_910B = { model: '昇腾 910B', memGB: 64, groupUnits: 8 };
const H20 = { model: 'H20', memGB: 96, groupUnits: 8 };
const A800 = { model: 'A800', memGB: 80, groupUnits: 8 };
const gpu = (units: number, fenPerUnitHour: number, pflopsPerUnit = 0.989, accelerator = H800): Pool => ({
  type: 'gpu',
  units,
  busyW: 875,
  idleW: 350,
  pflopsPerUnit,
  fenPerUnitHour,
  accelerator,
});
const cpu = (units: number, fenPerUnitHour: number): Pool => ({
  type: 'cpu',
  units,
  busyW: 7,
  idleW: 2.5,
  pflopsPerUnit: 0.00002,
  fenPerUnitHour,
});
const renderNodes = (units: number): Pool => ({
  type: 'render',
  units,
  busyW: 700,
  idleW: 250,
  pflopsPerUnit: 0.003,
  fenPerUnitHour: 768,
});

const MODEL = 'modelled, not measured: clear-sky solar and a wind shape at the site';

export const demoRegions: Region[] = [
  { id: 'xinjiang', nameZh: '新疆', nameEn: 'Xinjiang', lat: 43.8, lon: 87.6 },
  { id: 'chongqing', nameZh: '重庆', nameEn: 'Chongqing', lat: 29.56, lon: 106.55 },
  { id: 'henan', nameZh: '河南', nameEn: 'Henan', lat: 34.75, lon: 113.62 },
];

export const demoLinks: Link[] = [
  { from: 'xinjiang', to: 'chongqing', gbps: 100, fenPerGB: 5 },
  { from: 'chongqing', to: 'xinjiang', gbps: 100, fenPerGB: 5 },
  { from: 'xinjiang', to: 'henan', gbps: 100, fenPerGB: 5 },
  { from: 'henan', to: 'xinjiang', gbps: 100, fenPerGB: 5 },
  { from: 'chongqing', to: 'henan', gbps: 200, fenPerGB: 3 },
  { from: 'henan', to: 'chongqing', gbps: 200, fenPerGB: 3 },
];

type Site = SiteInput;
const xj = (s: Omit<Site, 'region' | 'engine' | 'power' | 'slurm'> & { solarKW: number; windKW: number }): Site => ({
  id: s.id,
  nameZh: s.nameZh,
  nameEn: s.nameEn,
  kind: s.kind,
  lat: s.lat,
  lon: s.lon,
  pue: s.pue,
  pools: s.pools,
  region: 'xinjiang',
  engine: 'agent',
  slurm: null,
  power: {
    tariffFenPerKWh: xinjiangTariff,
    carbonGPerKWh: flat(623),
    renewables: { solarKW: s.solarKW, windKW: s.windKW, fenPerKWh: 20, model: MODEL },
    storage: null,
  },
});

export const demoSites: Site[] = [
  xj({
    id: 'hami',
    nameZh: '哈密（伊吾）先进计算集群',
    nameEn: 'Hami (Yiwu) advanced computing cluster',
    kind: 'intelligent',
    lat: 43.25,
    lon: 94.7,
    pue: 1.2,
    pools: [gpu(8192, 1200)],
    solarKW: 9000,
    windKW: 8000,
  }),
  xj({
    id: 'karamay',
    nameZh: '克拉玛依影视动漫渲染基地',
    nameEn: 'Karamay render base',
    kind: 'render',
    lat: 45.58,
    lon: 84.89,
    pue: 1.2,
    pools: [renderNodes(20000), gpu(2048, 1200)],
    solarKW: 12000,
    windKW: 10000,
  }),
  xj({
    id: 'shihezi',
    nameZh: '石河子绿色算力产业园',
    nameEn: 'Shihezi green compute park',
    kind: 'intelligent',
    lat: 44.3,
    lon: 86.04,
    pue: 1.2,
    pools: [gpu(1024, 260, 0.32, ASCEND_910B)],
    solarKW: 2500,
    windKW: 1000,
  }),
  xj({
    id: 'korla',
    nameZh: '库尔勒绿色算力产业园',
    nameEn: 'Korla green compute park',
    kind: 'intelligent',
    lat: 41.76,
    lon: 86.15,
    pue: 1.2,
    pools: [gpu(1024, 830, 0.148, H20)],
    solarKW: 1500,
    windKW: 500,
  }),
  xj({
    id: 'kashgar',
    nameZh: '喀什绿色算力产业园',
    nameEn: 'Kashgar green compute park',
    kind: 'intelligent',
    lat: 39.47,
    lon: 75.99,
    pue: 1.2,
    pools: [gpu(512, 430, 0.312, A800)],
    solarKW: 800,
    windKW: 100,
  }),
  xj({
    id: 'urumqi',
    nameZh: '乌鲁木齐算力中心',
    nameEn: 'Urumqi compute centre',
    kind: 'general',
    lat: 43.83,
    lon: 87.62,
    pue: 1.25,
    pools: [gpu(512, 1200), cpu(50000, 5)],
    solarKW: 1500,
    windKW: 1500,
  }),
  {
    id: 'xju-hpc',
    nameZh: '新疆大学高性能计算平台（演示）',
    nameEn: 'Xinjiang University HPC (demo)',
    region: 'xinjiang',
    kind: 'supercomputing',
    // Runs on Slurm: the demo starts a one-node cluster on this machine when Slurm is installed.
    engine: 'slurm',
    lat: 43.77,
    lon: 87.6,
    // Assumption: a modern liquid-cooled HPC room; the source gives no PUE for this site.
    pue: 1.15,
    // HPC cost recovery: 0.02 元/core-hour (domain sheet, SJTU fee list) = 2 fen.
    pools: [cpu(64, 2)],
    power: {
      tariffFenPerKWh: xinjiangTariff,
      carbonGPerKWh: flat(623),
      renewables: { solarKW: 20, windKW: 10, fenPerKWh: 20, model: MODEL },
      storage: null,
    },
    slurm: { mode: 'cli', accounting: 'jobcomp' },
  },
  {
    id: 'chongqing',
    nameZh: '重庆算力中心',
    nameEn: 'Chongqing compute centre',
    region: 'chongqing',
    kind: 'intelligent',
    engine: 'agent',
    lat: 29.56,
    lon: 106.55,
    pue: 1.25,
    pools: [gpu(2048, 1300)],
    power: { tariffFenPerKWh: chongqingTariff, carbonGPerKWh: flat(523), renewables: null, storage: null },
    slurm: null,
  },
  {
    id: 'zhengzhou',
    nameZh: '郑州算力中心',
    nameEn: 'Zhengzhou compute centre',
    region: 'henan',
    kind: 'general',
    engine: 'agent',
    lat: 34.75,
    lon: 113.62,
    pue: 1.25,
    pools: [gpu(1024, 1300), cpu(40000, 5)],
    power: { tariffFenPerKWh: henanTariff, carbonGPerKWh: flat(606), renewables: null, storage: null },
    slurm: null,
  },
];

export const demoTenants: Tenant[] = [
  { id: 'tianshan-ai', name: '天山智算科技（演示）Tianshan AI (demo)', kind: 'ai-company' },
  { id: 'karamay-studio', name: '克拉玛依光影动画（演示）Karamay Light Studio (demo)', kind: 'studio' },
  { id: 'xju-lab', name: '新疆大学计算实验室（演示）XJU compute lab (demo)', kind: 'research' },
  { id: 'xj-energy-data', name: '新疆能源数据（演示）Xinjiang Energy Data (demo)', kind: 'enterprise' },
  { id: 'xj-agri', name: '新疆农业数据（演示）Xinjiang Agri Data (demo)', kind: 'enterprise' },
];

/** One user per role; passwords are `<username>-demo` and are printed at start. */
export const demoUsers: {
  username: string;
  role: Role;
  displayName: string;
  tenantId?: string;
  department?: string;
}[] = [
  { username: 'operator', role: 'operator', displayName: '网络运营 Network operator' },
  { username: 'tenant', role: 'tenant', displayName: '天山智算 Tianshan AI', tenantId: 'tianshan-ai' },
  { username: 'tenant2', role: 'tenant', displayName: '光影动画 Light Studio', tenantId: 'karamay-studio' },
  { username: 'provider', role: 'tenant', displayName: '新疆能源数据 Xinjiang Energy Data', tenantId: 'xj-energy-data' },
  { username: 'programme', role: 'programme', displayName: '石河子算力券 Shihezi vouchers' },
  { username: 'officer', role: 'officer', displayName: '卫健委审批员 Health officer', department: 'health' },
  { username: 'window', role: 'window', displayName: '综合窗口 Service window' },
  { username: 'citizen', role: 'citizen', displayName: '市民 Citizen' },
  { username: 'enterprise', role: 'enterprise', displayName: '企业 Enterprise' },
  { username: 'supervisor', role: 'supervisor', displayName: '督办 Supervisor' },
  { username: 'mine-operator', role: 'mine-operator', displayName: '矿山操作员 Mine operator' },
  { username: 'mine-engineer', role: 'mine-engineer', displayName: '矿山工程师 Mine engineer' },
  { username: 'viewer', role: 'viewer', displayName: '只读 Viewer' },
];
