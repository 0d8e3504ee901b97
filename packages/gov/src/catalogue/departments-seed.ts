import type { CertificateType, Department } from './model.ts';

const d = (id: string, zh: string, en: string, kind: Department['kind'] = 'government', unverified?: boolean): Department =>
  unverified ? { id, name: { zh, en }, kind, unverified } : { id, name: { zh, en }, kind };

/** Departments named in the domain sheet, plus the ones the modelled services need (those marked unverified). */
export const departmentsSeed: Department[] = [
  d('dept_health', '卫生健康委员会', 'Health Commission'),
  d('dept_public_security', '公安机关', 'Public Security Bureau'),
  d('dept_hrss', '人力资源和社会保障局', 'Human Resources and Social Security Bureau'),
  d('dept_medical_insurance', '医疗保障局', 'Healthcare Security Administration'),
  d('dept_tax', '税务局', 'Tax Bureau'),
  d('dept_data', '政务服务和数据管理局', 'Government Services and Data Administration'),
  d('dept_market', '市场监督管理局', 'Administration for Market Regulation'),
  d('dept_housing_fund', '住房公积金管理中心', 'Housing Provident Fund Centre', 'public_institution'),
  d('dept_bank', '开户银行', 'Account bank', 'bank'),
  d('dept_transport', '交通运输局', 'Transport Bureau', 'government', true),
  d('dept_civil_affairs', '民政局', 'Civil Affairs Bureau', 'government', true),
  d('dept_development_reform', '发展和改革委员会', 'Development and Reform Commission'),
  d('dept_credit_centre', '国家公共信用信息中心', 'National Public Credit Information Centre', 'public_institution'),
  d('dept_education', '教育局', 'Education Bureau', 'government', true),
  d('dept_natural_resources', '自然资源局（不动产登记）', 'Natural Resources Bureau (real estate registration)', 'government', true),
  d('dept_disabled_persons', '残疾人联合会', "Disabled Persons' Federation", 'public_institution', true),
  d('dept_court', '人民法院', "People's Court", 'court', true),
  d('dept_csrc', '证券监督管理机构', 'Securities regulator', 'government', true),
  d('dept_fire_rescue', '消防救援机构', 'Fire and Rescue', 'government', true),
  d('dept_culture_tourism', '文化和旅游局', 'Culture and Tourism Bureau', 'government', true),
  d('dept_agriculture', '农业农村局', 'Agriculture and Rural Affairs Bureau', 'government', true),
  d('dept_finance', '财政局', 'Finance Bureau', 'government', true),
  d('dept_power_supply', '供电企业', 'Power supply company', 'utility', true),
  d('dept_water_supply', '供水企业', 'Water supply company', 'utility', true),
  d('dept_gas_supply', '供气企业', 'Gas supply company', 'utility', true),
  d('dept_telecom', '通信运营企业', 'Telecom operator', 'utility', true),
];

const c = (id: string, code: string, zh: string, en: string, issuerDepartmentId: string, holderKind: 'person' | 'enterprise', unverified?: boolean): CertificateType =>
  unverified ? { id, code, name: { zh, en }, issuerDepartmentId, holderKind, unverified } : { id, code, name: { zh, en }, issuerDepartmentId, holderKind };

/** Certificate types of the e-licence library. Type codes are local 4-character codes, not from GB/T 36902. */
export const certificateTypesSeed: CertificateType[] = [
  c('ID_CARD', 'JMSF', '居民身份证', 'Resident identity card', 'dept_public_security', 'person'),
  c('HOUSEHOLD_REGISTER', 'JMHK', '居民户口簿', 'Household register', 'dept_public_security', 'person'),
  c('MARRIAGE_CERT', 'JHZS', '结婚证', 'Marriage certificate', 'dept_civil_affairs', 'person'),
  c('BIRTH_MEDICAL_CERT', 'CSYX', '出生医学证明', 'Birth medical certificate', 'dept_health', 'person'),
  c('BIRTH_REGISTRATION_VOUCHER', 'SYDJ', '生育登记凭证', 'Birth registration voucher', 'dept_health', 'person'),
  c('VACCINATION_RECORD', 'YFJZ', '预防接种电子档案', 'Vaccination e-record', 'dept_health', 'person', true),
  c('SOCIAL_SECURITY_CARD', 'SBKA', '社会保障卡', 'Social security card', 'dept_hrss', 'person'),
  c('ONLY_CHILD_CERT', 'DSZN', '独生子女父母光荣证', 'Only-child parents certificate', 'dept_health', 'person', true),
  c('PENSION_APPROVAL', 'YLDY', '基本养老保险待遇核定', 'Basic pension entitlement decision', 'dept_hrss', 'person', true),
  c('DISABILITY_CERT', 'CJRZ', '残疾人证', 'Disability certificate', 'dept_disabled_persons', 'person', true),
  c('PROPERTY_CERT', 'BDCQ', '不动产权证书', 'Real estate title certificate', 'dept_natural_resources', 'person', true),
  c('SCHOOL_ADMISSION', 'RXTZ', '入学通知', 'School admission notice', 'dept_education', 'person', true),
  c('BUSINESS_LICENCE', 'YYZZ', '营业执照', 'Business licence', 'dept_market', 'enterprise'),
  c('ROAD_TRANSPORT_PERMIT', 'DLYS', '道路运输经营许可证', 'Road transport operating permit', 'dept_transport', 'enterprise', true),
  c('VEHICLE_TRANSPORT_CERT', 'CLYS', '道路运输证', 'Vehicle road transport certificate', 'dept_transport', 'enterprise', true),
  c('FOOD_BUSINESS_LICENCE', 'SPJY', '食品经营许可证', 'Food business licence', 'dept_market', 'enterprise', true),
  c('SEAL_FILING', 'YZBA', '印章备案回执', 'Seal filing receipt', 'dept_public_security', 'enterprise', true),
  c('SPECIAL_TRADE_LICENCE', 'TZHY', '特种行业许可证（旅馆业）', 'Special trade licence (lodging)', 'dept_public_security', 'enterprise', true),
  c('CREDIT_REPAIR_DECISION', 'XYXF', '信用修复决定', 'Credit repair decision', 'dept_credit_centre', 'enterprise', true),
  c('COMPLIANCE_REPORT', 'HGBG', '企业专项信用报告（无违法违规证明）', 'Enterprise compliance credit report', 'dept_development_reform', 'enterprise', true),
];
