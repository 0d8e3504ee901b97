import type { DataProductInput, DataQueryInput, DataText, DataUsagePolicyInput } from '@shuzhi/schema';
import { COTTON_COUNTIES } from './cotton-fields.ts';

/** The demo's data products, each with the scenario (场景) it serves and the query that scenario runs. */
export interface DemoProduct {
  scenarioId: string;
  /** A file next to this one, or a generator for a synthetic set. */
  dataset: { file: string } | { generate: 'cotton-fields' };
  input: Omit<DataProductInput, 'policy' | 'quality'> & { policy: DataUsagePolicyInput; quality: string; providerTenantId: string };
  scenario: { title: DataText; description: DataText };
  query: DataQueryInput;
}

const SITE = 'urumqi';
const duties = [{ action: 'pay-per-use' as const }, { action: 'attribute' as const }];
const kAnonymous = (k: number) => ({ kind: 'k-anonymity' as const, k });

export const demoProducts: DemoProduct[] = [
  {
    scenarioId: 'green-load-shifting',
    dataset: { file: 'grid-carbon-price-2023.csv' },
    input: {
      providerTenantId: 'xj-energy-data',
      title: { zh: '电网小时碳强度与日前电价（2023，四个电网）', en: 'Hourly grid carbon intensity and day-ahead prices (2023, four grids)' },
      description: {
        zh: '德国-卢森堡、加州、德州、智利四个电网 2023 年逐小时的直接碳强度、可再生能源占比与日前电价（美元/兆瓦时）。智利电网含阿塔卡马沙漠光伏，是新疆/哈密最接近的公开类比。',
        en: 'Hourly direct carbon intensity, renewable share and day-ahead price (USD/MWh) of four grids in 2023: Germany–Luxembourg, California, Texas and Chile (whose Atacama solar fleet is the closest public analogue to Xinjiang/Hami).',
      },
      domain: 'green',
      siteId: SITE,
      synthetic: false,
      source: 'HewlettPackard/green-dcc (MIT); carbon and renewable figures: Electricity Maps (ODbL)',
      quality: 'Real data. 35,040 hourly rows; 13 hours without a source price carry the previous hour’s price. Prices converted to USD at fixed rates.',
      licence: 'ODbL 1.0 (Electricity Maps figures), MIT (green-dcc)',
      feeFenPerUse: 200,
      schema: {
        columns: [
          { name: 'zone', type: 'string', role: 'dimension', categories: ['DE-LU', 'US-CAL-CISO', 'US-TEX-ERCO', 'CL-SIC'] },
          { name: 'hour', type: 'integer', role: 'dimension', description: { zh: '当地时间的小时', en: 'Hour of day, local time' } },
          { name: 'month', type: 'integer', role: 'dimension' },
          { name: 'weekday', type: 'integer', role: 'dimension', description: { zh: '1=周一 … 7=周日', en: '1 = Monday … 7 = Sunday' } },
          { name: 'carbon_g_per_kwh', type: 'number', role: 'measure', unit: 'gCO2eq/kWh', bounds: [0, 1000] },
          { name: 'renewable_pct', type: 'number', role: 'measure', unit: '%', bounds: [0, 100] },
          { name: 'price_per_mwh', type: 'number', role: 'measure', unit: 'USD/MWh', bounds: [-500, 5000] },
        ],
      },
      policy: {
        permissions: [{ action: 'aggregate', constraints: [{ leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'planning', 'public-service', 'commercial-analytics'] }] }],
        prohibitions: [{ action: 'train', constraints: [] }],
        duties,
        output: kAnonymous(10),
        computeRegions: ['xinjiang'],
        approval: 'automatic',
        contractDays: 365,
      },
    },
    scenario: {
      title: { zh: '数据中心按小时排布算力负荷', en: 'A data centre plans its load by hour of day' },
      description: {
        zh: '算力运营商按一天中的小时汇总智利电网（哈密光伏的类比）的平均碳强度与电价，把可平移的训练任务排到低碳、低价时段。结果按 k=10 匿名发布，数据不出乌鲁木齐站点。',
        en: "A compute operator averages carbon intensity and price by hour of day on Chile's grid (the analogue of Hami's solar) to move shiftable training to clean, cheap hours. Released under k = 10; the data never leaves the Urumqi site.",
      },
    },
    query: {
      action: 'aggregate',
      groupBy: ['hour'],
      filters: [{ column: 'zone', op: 'eq', value: 'CL-SIC' }],
      measures: [{ fn: 'count' }, { fn: 'avg', column: 'carbon_g_per_kwh' }, { fn: 'avg', column: 'price_per_mwh' }],
    },
  },
  {
    scenarioId: 'science-gpu-sizing',
    dataset: { file: 'alibaba-gpu-pods-2023.csv' },
    input: {
      providerTenantId: 'xju-lab',
      title: { zh: 'GPU 集群任务请求分布（阿里巴巴 2023 生产轨迹）', en: 'GPU cluster task requests (Alibaba 2023 production trace)' },
      description: {
        zh: '8,152 个 GPU 集群任务（pod）的 GPU 数、GPU 份额、CPU、内存、服务等级、状态与运行时长，来自阿里巴巴开源的生产轨迹（USENIX ATC ’23）。',
        en: "GPU count, GPU share, CPU, memory, QoS class, phase and duration of 8,152 pods from Alibaba's published production GPU-cluster trace (USENIX ATC '23).",
      },
      domain: 'science',
      siteId: SITE,
      synthetic: false,
      source: 'alibaba/clusterdata cluster-trace-gpu-v2023 (openb_pod_list_default.csv); Weng, Yang et al., USENIX ATC 2023',
      quality: 'Real data. Durations of pods still running at the trace end are lower bounds (censored = true); never-scheduled pods have duration 0.',
      licence: 'CC BY 4.0 (attribute Alibaba and the paper)',
      feeFenPerUse: 100,
      schema: {
        columns: [
          { name: 'num_gpu', type: 'integer', role: 'dimension' },
          { name: 'gpu_milli', type: 'integer', role: 'measure', unit: '1/1000 GPU', bounds: [0, 8000] },
          { name: 'cpu_milli', type: 'integer', role: 'measure', unit: '1/1000 core', bounds: [0, 128000] },
          { name: 'memory_mib', type: 'integer', role: 'measure', unit: 'MiB', bounds: [0, 1048576] },
          { name: 'qos', type: 'string', role: 'dimension', categories: ['LS', 'BE', 'Burstable', 'Guaranteed'] },
          { name: 'phase', type: 'string', role: 'dimension', categories: ['Running', 'Succeeded', 'Failed', 'Pending'] },
          { name: 'creation_day', type: 'integer', role: 'dimension' },
          { name: 'duration_s', type: 'integer', role: 'measure', unit: 's', bounds: [0, 13000000] },
          { name: 'censored', type: 'boolean', role: 'dimension' },
        ],
      },
      policy: {
        permissions: [{ action: 'aggregate', constraints: [] }, { action: 'train', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }] }],
        prohibitions: [],
        duties,
        output: kAnonymous(10),
        computeRegions: ['xinjiang'],
        approval: 'automatic',
        contractDays: 365,
      },
    },
    scenario: {
      title: { zh: '按 GPU 需求分布规划新智算集群', en: "Sizing a new GPU cluster from the trace's GPU-count distribution" },
      description: {
        zh: '智算企业按每个任务请求的 GPU 数汇总任务数、平均 CPU 与内存，据此确定新集群的单机 GPU 数与 CPU/内存配比。',
        en: 'An AI company counts tasks by GPUs requested, with their average CPU and memory, to choose GPUs per node and the CPU/memory ratio of a new cluster.',
      },
    },
    query: {
      action: 'aggregate',
      groupBy: ['num_gpu'],
      measures: [{ fn: 'count' }, { fn: 'avg', column: 'cpu_milli' }, { fn: 'avg', column: 'memory_mib' }],
    },
  },
  {
    scenarioId: 'agriculture-soil-moisture',
    dataset: { generate: 'cotton-fields' },
    input: {
      providerTenantId: 'xj-agri',
      title: { zh: '【合成数据】棉田土壤墒情与产量传感数据', en: '[Synthetic] Cotton-field soil moisture and yield sensors' },
      description: {
        zh: '合成数据（非真实测量）：8 个新疆植棉县 496 块棉田 2025 年生长季 100 天的土壤含水率、气温与单产，由固定种子生成，仅作演示。县名真实，地块与读数均为虚构。',
        en: 'SYNTHETIC data, not measurements: soil moisture, temperature and yield of 496 cotton fields in 8 Xinjiang cotton counties over 100 days of the 2025 season, generated from a fixed seed for the demo. County names are real; fields and readings are made up.',
      },
      domain: 'agriculture',
      siteId: SITE,
      synthetic: true,
      source: 'Synthetic: generated by the Shuzhi demo seed (createRng, fixed seed)',
      quality: 'Synthetic. 49,600 rows, no gaps; values drawn from made-up distributions.',
      licence: 'CC0 1.0 (synthetic demo data)',
      feeFenPerUse: 50,
      schema: {
        columns: [
          { name: 'county', type: 'string', role: 'dimension', categories: [...COTTON_COUNTIES] },
          { name: 'field_id', type: 'string', role: 'identifier' },
          { name: 'date', type: 'date', role: 'dimension' },
          { name: 'soil_moisture_pct', type: 'number', role: 'measure', unit: '%', bounds: [0, 60] },
          { name: 'temperature_c', type: 'number', role: 'measure', unit: '°C', bounds: [-30, 50] },
          { name: 'yield_kg_per_mu', type: 'number', role: 'measure', unit: 'kg/亩', bounds: [0, 800] },
        ],
      },
      policy: {
        permissions: [{ action: 'aggregate', constraints: [] }, { action: 'join', constraints: [{ leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'credit-assessment'] }] }],
        prohibitions: [],
        duties,
        output: { kind: 'differential-privacy', epsilonBudget: 3, maxEpsilonPerQuery: 1 },
        computeRegions: ['xinjiang'],
        approval: 'automatic',
        contractDays: 365,
      },
    },
    scenario: {
      title: { zh: '差分隐私下按县统计土壤墒情（合成数据）', en: 'Soil moisture by county under differential privacy (synthetic data)' },
      description: {
        zh: '农业服务机构按县汇总平均土壤含水率，用于灌溉调度建议；每个结果加离散拉普拉斯噪声（ε=0.5），单个地块无法被识别。数据为合成数据。',
        en: 'An agricultural service averages soil moisture by county to advise on irrigation rounds; every figure carries discrete Laplace noise (ε = 0.5), so no single field can be singled out. The data is synthetic.',
      },
    },
    query: {
      action: 'aggregate',
      groupBy: ['county'],
      measures: [{ fn: 'count' }, { fn: 'avg', column: 'soil_moisture_pct' }],
      epsilon: 0.5,
    },
  },
];
