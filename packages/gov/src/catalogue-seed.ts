/**
 * Seed catalogue: the 13 items of the first 2024 national batch (国发〔2024〕3号) and Xinjiang feature items.
 * Facts come from /work/shared/domain/gov.md; anything the sheet does not give (a department assignment, an
 * SLA, a dependency, an unnamed service) is marked `unverified: true` so it can be corrected as data.
 */
import { Item, Service, noBaseline, type Catalogue, type FieldSpec, type ItemInput, type MaterialSpec, type ServiceInput } from './catalogue/model.ts';
import { certificateTypesSeed, departmentsSeed } from './catalogue/departments-seed.ts';
import type { DataSourceId } from './catalogue/sources.ts';

const SRC = {
  xinhua: 'https://big5.cctv.com/gate/big5/news.cctv.com/2024/12/31/ARTImZwH39QjaDlsyF9cqIYR241231.shtml',
  peoplesDaily: 'http://en.people.cn/n3/2024/0117/c90000-20123162.html',
  shanghaiHandmsg: 'http://m.handmsg.com/page/2024/0814/24704930.shtml',
  guangdongNewborn: 'http://psc.zs.gov.cn/gzdt/zxdt/content/post_2548029.html',
  xiamenNewborn: 'http://www.szchaoyue.com/nrrh/202309/t20230927_931582.htm',
  qinghaiNewborn: 'https://www.hhhzy.com/news/show/11376.html',
  zhejiangChange: 'http://yimeixie.com/a/4715.html',
  shanghaiChange: 'http://www.echinagov.com/policyInterpretation/364630.htm',
  sichuanRetirement: 'https://zwfwglj.yaan.gov.cn/xinwen/show/a3a12e8586a4d9756370333167f802c4.html',
  creditReview: 'http://www.qingcheng.gov.cn/qyqcslj/gkmlpt/content/1/1812/post_1812337.html',
  creditMatters: 'http://hpepea.com/web/content?id=2c8f8f869aa5641b019aa61a636f1593',
  creditRoutes: 'https://creditsx.fgw.shanxi.gov.cn/repair_process.html',
} as const;

// ---- shared field specs -------------------------------------------------------------------------------

const field = (key: string, zh: string, en: string, type: FieldSpec['type'], sources: DataSourceId[] = [], extra: Partial<FieldSpec> = {}) =>
  ({ key, label: { zh, en }, type, sources, ...extra });

const F = {
  applicantName: field('applicant.name', '申请人姓名', 'Applicant name', 'text', ['population.applicant.name']),
  applicantId: field('applicant.residentId', '申请人身份证号码', 'Applicant resident ID', 'resident_id', ['population.applicant.residentId']),
  applicantBirthDate: field('applicant.birthDate', '出生日期', 'Date of birth', 'date', ['population.applicant.birthDate']),
  applicantAddress: field('applicant.address', '住址', 'Address', 'text', ['household.applicant.address', 'population.applicant.address']),
  spouseName: field('spouse.name', '配偶姓名', 'Spouse name', 'text', ['population.spouse.name']),
  spouseId: field('spouse.residentId', '配偶身份证号码', 'Spouse resident ID', 'resident_id', ['population.spouse.residentId']),
  marriageNo: field('marriage.certificateNo', '结婚证字号', 'Marriage certificate number', 'text', ['marriage.applicant.certificateNo']),
  householdNo: field('household.number', '户号', 'Household number', 'text', ['household.applicant.number']),
  householdHead: field('household.headName', '户主姓名', 'Head of household', 'text', ['household.applicant.headName']),
  childName: field('child.name', '新生儿姓名', 'Newborn name', 'text', ['certificates.birthMedical.childName']),
  childSex: field('child.sex', '新生儿性别', 'Newborn sex', 'choice', ['certificates.birthMedical.childSex'], { choices: ['male', 'female'] }),
  childBirthDate: field('child.birthDate', '新生儿出生日期', 'Newborn date of birth', 'date', ['certificates.birthMedical.childBirthDate']),
  birthPlace: field('child.birthPlace', '出生地点', 'Place of birth', 'text', ['certificates.birthMedical.birthPlace']),
  birthCertNo: field('child.birthCertificateNo', '出生医学证明编号', 'Birth medical certificate number', 'text', ['certificates.birthMedical.certificateNo']),
  payeeAccount: field('payee.bankAccount', '收款银行账户', 'Payee bank account', 'bank_account'),
  phone: field('contact.phone', '联系电话', 'Contact phone', 'phone'),
  enterpriseName: field('enterprise.name', '企业名称', 'Enterprise name', 'text', ['enterprise.applicant.name']),
  enterpriseCode: field('enterprise.creditCode', '统一社会信用代码', 'Unified social credit code', 'credit_code', ['enterprise.applicant.creditCode']),
  enterpriseAddress: field('enterprise.address', '企业住所', 'Registered address', 'text', ['enterprise.applicant.address']),
  legalRepName: field('legalRepresentative.name', '法定代表人姓名', 'Legal representative', 'text', ['enterprise.applicant.legalRepresentativeName']),
  legalRepId: field('legalRepresentative.residentId', '法定代表人身份证号码', 'Legal representative resident ID', 'resident_id', ['enterprise.applicant.legalRepresentativeResidentId']),
  capital: field('enterprise.registeredCapitalFen', '注册资本（分）', 'Registered capital (fen)', 'money_fen', ['enterprise.applicant.registeredCapitalFen']),
  scope: field('enterprise.businessScope', '经营范围', 'Business scope', 'text', ['enterprise.applicant.businessScope']),
} satisfies Record<string, Partial<FieldSpec>>;

// ---- shared material specs ----------------------------------------------------------------------------

const material = (id: string, zh: string, en: string, trustLevel: MaterialSpec['trustLevel'], holder: MaterialSpec['holder'], certificateTypes: string[] = [], extra: Partial<MaterialSpec> = {}) =>
  ({ id, name: { zh, en }, trustLevel, holder, certificateTypes, ...extra });

const M = {
  parentsIdCards: material('mat_parents_id_cards', '父母双方居民身份证', "Both parents' ID cards", 'A', 'couple', ['ID_CARD']),
  householdRegister: material('mat_household_register', '居民户口簿', 'Household register', 'A', 'household_head', ['HOUSEHOLD_REGISTER']),
  marriageCert: material('mat_marriage_cert', '结婚证', 'Marriage certificate', 'A', 'couple', ['MARRIAGE_CERT']),
  birthMedicalCert: material('mat_birth_medical_cert', '出生医学证明', 'Birth medical certificate', 'A', 'either_spouse', ['BIRTH_MEDICAL_CERT']),
  applicantIdCard: material('mat_applicant_id_card', '申请人居民身份证', "Applicant's ID card", 'A', 'applicant', ['ID_CARD']),
  legalRepIdCard: material('mat_legal_rep_id_card', '法定代表人身份证', "Legal representative's ID card", 'A', 'legal_representative', ['ID_CARD']),
  businessLicence: material('mat_business_licence', '营业执照', 'Business licence', 'A', 'enterprise', ['BUSINESS_LICENCE']),
  premisesProof: material('mat_premises_proof', '住所（经营场所）使用证明', 'Proof of premises', 'C', 'enterprise', [], { commitmentAllowed: true, unverified: true }),
} satisfies Record<string, Partial<MaterialSpec>>;

// ---- services -----------------------------------------------------------------------------------------

const svc = (s: ServiceInput): ServiceInput => s;
const NB = 'svc_nb_';

const newbornServices: ServiceInput[] = [
  svc({ id: `${NB}birth_registration_voucher`, name: { zh: '生育登记凭证', en: 'Birth registration voucher' }, departmentId: 'dept_health',
    fields: [F.applicantName, F.applicantId, F.spouseName, F.spouseId, F.marriageNo], materials: [M.parentsIdCards, M.marriageCert],
    slaWorkingDays: 1, results: ['BIRTH_REGISTRATION_VOUCHER'], unverified: true, note: 'Department and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  svc({ id: `${NB}birth_medical_certificate`, name: { zh: '出生医学证明', en: 'Birth medical certificate' }, departmentId: 'dept_health',
    fields: [F.applicantName, F.applicantId, F.spouseName, F.spouseId, field('child.name', '新生儿姓名', 'Newborn name', 'text')],
    slaWorkingDays: 1, results: ['BIRTH_MEDICAL_CERT'], unverified: true, note: 'SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  svc({ id: `${NB}vaccination_record`, name: { zh: '预防接种电子档案', en: 'Vaccination e-record' }, departmentId: 'dept_health',
    fields: [F.childName, F.childBirthDate, F.applicantName, F.phone], dependsOn: [`${NB}birth_medical_certificate`],
    slaWorkingDays: 1, results: ['VACCINATION_RECORD'], unverified: true, note: 'Dependency and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  // The sheet's e-certificate chain: 出生医学证明 e-certificate → 出生登记 → 户口簿 e-certificate.
  svc({ id: `${NB}household_registration`, name: { zh: '出生登记（户口）', en: 'Birth household registration' }, departmentId: 'dept_public_security',
    fields: [F.childName, F.childSex, F.childBirthDate, F.birthPlace, F.birthCertNo, F.householdNo, F.householdHead, F.applicantAddress],
    materials: [M.birthMedicalCert, M.parentsIdCards, M.householdRegister, M.marriageCert], dependsOn: [`${NB}birth_medical_certificate`],
    slaWorkingDays: 1, results: ['HOUSEHOLD_REGISTER'], lifeEvent: 'birth_registered', note: 'SLA not in the sheet', sources: [SRC.guangdongNewborn, SRC.xiamenNewborn] }),
  svc({ id: `${NB}medical_insurance_enrolment`, name: { zh: '城乡居民医保参保', en: 'Residents’ medical insurance enrolment' }, departmentId: 'dept_medical_insurance',
    fields: [F.childName, F.childBirthDate, F.householdNo], dependsOn: [`${NB}household_registration`],
    slaWorkingDays: 1, unverified: true, note: 'Dependency on household registration and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  svc({ id: `${NB}social_security_card`, name: { zh: '社保卡申领', en: 'Social security card application' }, departmentId: 'dept_hrss',
    fields: [F.childName, F.childBirthDate, F.applicantName, F.phone, F.applicantAddress], dependsOn: [`${NB}household_registration`],
    slaWorkingDays: 5, results: ['SOCIAL_SECURITY_CARD'], unverified: true, note: 'Dependency and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  svc({ id: `${NB}insurance_contribution`, name: { zh: '新生儿医保缴费', en: 'Newborn medical insurance contribution' }, departmentId: 'dept_tax',
    fields: [F.childName, F.applicantName, F.payeeAccount], dependsOn: [`${NB}medical_insurance_enrolment`],
    slaWorkingDays: 1, unverified: true, note: 'Department (tax collects residents’ contributions) and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
  svc({ id: `${NB}maternity_reimbursement`, name: { zh: '生育医疗费用报销', en: 'Maternity medical expense reimbursement' }, departmentId: 'dept_medical_insurance',
    fields: [F.applicantName, F.applicantId, F.birthCertNo, F.payeeAccount], dependsOn: [`${NB}birth_medical_certificate`],
    slaWorkingDays: 5, unverified: true, note: 'Xiamen asks for a bank account (maternity allowance); dependency and SLA not in the sheet', sources: [SRC.guangdongNewborn, SRC.xiamenNewborn] }),
  svc({ id: `${NB}parenting_guidance`, name: { zh: '科学育儿指导登记', en: 'Parenting guidance registration' }, departmentId: 'dept_health',
    fields: [F.childName, F.applicantName, F.phone], dependsOn: [`${NB}household_registration`],
    slaWorkingDays: 1, unverified: true, note: 'Dependency and SLA not in the sheet', sources: [SRC.guangdongNewborn] }),
];

const CH = 'svc_ch_';
const followOnChange = (id: string, zh: string, en: string, departmentId: string, sourced: boolean, results: string[] = []): ServiceInput => ({
  id: `${CH}${id}`, name: { zh, en }, departmentId, fields: [F.enterpriseCode, F.enterpriseName], dependsOn: [`${CH}registration`],
  slaWorkingDays: 1, followOn: true, results,
  ...(sourced ? { note: 'Push after 市场监管 approval is sourced (Zhejiang); SLA is not', sources: [SRC.zhejiangChange] } : { unverified: true, note: 'Department from the sheet list without a source; SLA not in the sheet' }),
});

const changeServices: ServiceInput[] = [
  svc({ id: `${CH}registration`, name: { zh: '企业变更登记', en: 'Enterprise change registration' }, departmentId: 'dept_market',
    fields: [F.enterpriseCode, F.enterpriseName, F.enterpriseAddress, F.legalRepName, F.legalRepId, F.capital, F.scope,
      field('change.kind', '变更事项', 'What changes', 'choice', [], { choices: ['name', 'address', 'legalRepresentative', 'registeredCapital', 'businessScope'] }),
      field('change.newValue', '变更后内容', 'New value', 'text')],
    materials: [M.businessLicence, M.legalRepIdCard,
      material('mat_articles_amendment', '章程修正案', 'Articles amendment', 'A', 'enterprise', [], { generatedByPlatform: true }),
      material('mat_shareholder_resolution', '股东会决议', 'Shareholder resolution', 'A', 'enterprise', [], { generatedByPlatform: true })],
    slaWorkingDays: 1, results: ['BUSINESS_LICENCE'], note: 'Shanghai: one company done in 10 minutes; SLA of 1 working day is a placeholder',
    sources: [SRC.zhejiangChange, SRC.shanghaiChange] }),
  followOnChange('seal_filing', '印章备案信息变更', 'Seal filing update', 'dept_public_security', true, ['SEAL_FILING']),
  followOnChange('tax', '税务登记信息变更', 'Tax registration update', 'dept_tax', true),
  followOnChange('social_insurance', '社保单位信息变更', 'Social insurance employer update', 'dept_hrss', false),
  followOnChange('medical_insurance', '医保单位信息变更', 'Medical insurance employer update', 'dept_medical_insurance', false),
  followOnChange('housing_fund', '公积金单位信息变更', 'Housing fund employer update', 'dept_housing_fund', false),
  followOnChange('bank', '银行账户信息变更', 'Bank account details update', 'dept_bank', false),
];

const establishment = svc({ id: 'svc_company_establishment', name: { zh: '企业设立登记', en: 'Company establishment registration' }, departmentId: 'dept_market',
  fields: [field('enterprise.proposedName', '拟设企业名称', 'Proposed enterprise name', 'text'), field('enterprise.address', '企业住所', 'Registered address', 'text'),
    field('enterprise.businessScope', '经营范围', 'Business scope', 'text'), field('enterprise.registeredCapitalFen', '注册资本（分）', 'Registered capital (fen)', 'money_fen'),
    F.applicantName, F.applicantId, F.phone],
  materials: [M.applicantIdCard, M.premisesProof, material('mat_articles', '公司章程', 'Articles of association', 'A', 'enterprise', [], { generatedByPlatform: true, unverified: true })],
  slaWorkingDays: 1, results: ['BUSINESS_LICENCE'], unverified: true, note: 'Shanghai company-opening baseline: 7 steps/≥22 days → 3 steps/5 days (not item-level)', sources: [SRC.shanghaiHandmsg] });

const TR = 'svc_tr_';
const transportServices: ServiceInput[] = [
  svc({ id: `${TR}operation_permit`, name: { zh: '道路运输经营许可', en: 'Road transport operating permit' }, departmentId: 'dept_transport',
    fields: [F.enterpriseCode, F.enterpriseName, F.legalRepName, field('transport.kind', '经营类别', 'Kind of operation', 'choice', [], { choices: ['freight', 'passenger'] }),
      field('transport.vehicleCount', '车辆数', 'Number of vehicles', 'number')],
    materials: [M.businessLicence, material('mat_safety_rules', '安全生产管理制度文本', 'Safety management rules', 'D', 'enterprise', [], { commitmentAllowed: true, unverified: true }),
      material('mat_driver_qualifications', '驾驶人员从业资格证', 'Driver qualification certificates', 'C', 'enterprise', [], { unverified: true })],
    dependsOn: ['svc_company_establishment'], slaWorkingDays: 10, results: ['ROAD_TRANSPORT_PERMIT'], commitmentAllowed: true, unverified: true, sources: [SRC.shanghaiHandmsg] }),
  svc({ id: `${TR}vehicle_certificate`, name: { zh: '车辆道路运输证', en: 'Vehicle road transport certificate' }, departmentId: 'dept_transport',
    fields: [F.enterpriseCode, field('vehicle.plates', '车牌号码', 'Licence plates', 'text')], dependsOn: [`${TR}operation_permit`],
    slaWorkingDays: 5, results: ['VEHICLE_TRANSPORT_CERT'], unverified: true }),
  svc({ id: `${TR}seal_engraving`, name: { zh: '印章刻制备案', en: 'Seal engraving filing' }, departmentId: 'dept_public_security',
    fields: [F.enterpriseCode, F.enterpriseName], dependsOn: ['svc_company_establishment'], slaWorkingDays: 1, followOn: true, results: ['SEAL_FILING'], unverified: true }),
  svc({ id: `${TR}tax_setup`, name: { zh: '新办纳税人涉税事项', en: 'New taxpayer set-up' }, departmentId: 'dept_tax',
    fields: [F.enterpriseCode, F.enterpriseName, F.legalRepName], dependsOn: ['svc_company_establishment'], slaWorkingDays: 1, followOn: true, unverified: true }),
  svc({ id: `${TR}social_insurance`, name: { zh: '单位社保登记', en: 'Employer social insurance registration' }, departmentId: 'dept_hrss',
    fields: [F.enterpriseCode, F.enterpriseName], dependsOn: ['svc_company_establishment'], slaWorkingDays: 1, followOn: true, unverified: true }),
  svc({ id: `${TR}housing_fund`, name: { zh: '住房公积金单位缴存登记', en: 'Employer housing fund registration' }, departmentId: 'dept_housing_fund',
    fields: [F.enterpriseCode, F.enterpriseName], dependsOn: ['svc_company_establishment'], slaWorkingDays: 1, followOn: true, unverified: true }),
];

const RT = 'svc_rt_';
const retirementServices: ServiceInput[] = [
  svc({ id: `${RT}pension_claim`, name: { zh: '基本养老保险待遇申领（正常/提前退休）', en: 'Pension claim (normal or early retirement)' }, departmentId: 'dept_hrss',
    fields: [F.applicantName, F.applicantId, F.applicantBirthDate,
      field('insurance.insuredSince', '参保时间', 'Insured since', 'date', ['social_insurance.applicant.insuredSince']),
      field('insurance.contributionMonths', '累计缴费月数', 'Contribution months', 'number', ['social_insurance.applicant.contributionMonths']),
      field('retirement.kind', '退休类别', 'Kind of retirement', 'choice', [], { choices: ['normal', 'early'] }), F.payeeAccount],
    materials: [material('mat_only_child_cert', '独生子女证', 'Only-child certificate', 'C', 'applicant', ['ONLY_CHILD_CERT'], { commitmentAllowed: true }),
      material('mat_household_register_out_of_province', '居民户口簿（外省户籍）', 'Household register (out-of-province residents)', 'C', 'household_head', ['HOUSEHOLD_REGISTER'],
        { condition: { zh: '户籍不在本省时提供', en: 'Only when registered in another province' } })],
    slaWorkingDays: 10, results: ['PENSION_APPROVAL'], commitmentAllowed: true, note: 'SLA not in the sheet', sources: [SRC.sichuanRetirement] }),
  svc({ id: `${RT}housing_fund_sealing`, name: { zh: '住房公积金账户封存', en: 'Housing fund account sealing' }, departmentId: 'dept_housing_fund',
    fields: [F.applicantName, F.applicantId, field('housingFund.accountNo', '公积金账号', 'Housing fund account', 'text', ['social_insurance.applicant.housingFundAccountNo'])],
    dependsOn: [`${RT}pension_claim`], slaWorkingDays: 3, followOn: true, unverified: true, note: 'Service sourced; dependency and SLA are not', sources: [SRC.sichuanRetirement] }),
  svc({ id: `${RT}housing_fund_withdrawal`, name: { zh: '住房公积金退休提取', en: 'Housing fund retirement withdrawal' }, departmentId: 'dept_housing_fund',
    fields: [F.applicantName, field('housingFund.accountNo', '公积金账号', 'Housing fund account', 'text', ['social_insurance.applicant.housingFundAccountNo']), F.payeeAccount],
    dependsOn: [`${RT}housing_fund_sealing`], slaWorkingDays: 3, unverified: true, note: 'Service sourced; dependency and SLA are not', sources: [SRC.sichuanRetirement] }),
  svc({ id: `${RT}retiree_medical_insurance`, name: { zh: '退休人员医保待遇', en: 'Retiree medical insurance' }, departmentId: 'dept_medical_insurance',
    fields: [F.applicantName, F.applicantId], dependsOn: [`${RT}pension_claim`], slaWorkingDays: 5, followOn: true, unverified: true, note: 'Not in the Sichuan guide' }),
];

/** Services for items with no sourced detail (§3.6): plausible shape, everything unverified. */
const placeholder = (id: string, zh: string, en: string, departmentId: string, fields: ServiceInput['fields'], extra: Partial<ServiceInput> = {}): ServiceInput =>
  ({ id, name: { zh, en }, departmentId, fields, slaWorkingDays: 5, unverified: true, ...extra });

const otherServices: ServiceInput[] = [
  establishment,
  placeholder('svc_food_business_licence', '食品经营许可', 'Food business licence', 'dept_market', [F.enterpriseCode, F.enterpriseName, F.enterpriseAddress, F.legalRepName],
    { materials: [M.businessLicence, M.premisesProof], dependsOn: ['svc_company_establishment'], results: ['FOOD_BUSINESS_LICENCE'], commitmentAllowed: true, sources: [SRC.shanghaiHandmsg] }),
  placeholder('svc_fire_safety_check', '公众聚集场所投入使用、营业前消防安全检查', 'Fire safety check before opening', 'dept_fire_rescue', [F.enterpriseCode, F.enterpriseAddress],
    { dependsOn: ['svc_company_establishment'], commitmentAllowed: true }),
  placeholder('svc_employment_registration', '就业登记', 'Employment registration', 'dept_hrss', [F.enterpriseCode, F.enterpriseName, field('employee.residentId', '员工身份证号码', 'Employee resident ID', 'resident_id'), field('employee.startDate', '入职日期', 'Start date', 'date')], { slaWorkingDays: 1 }),
  placeholder('svc_employee_social_insurance', '职工社保参保登记', 'Employee social insurance enrolment', 'dept_hrss', [F.enterpriseCode, field('employee.residentId', '员工身份证号码', 'Employee resident ID', 'resident_id')], { dependsOn: ['svc_employment_registration'], slaWorkingDays: 1, followOn: true }),
  placeholder('svc_employee_medical_insurance', '职工医保参保登记', 'Employee medical insurance enrolment', 'dept_medical_insurance', [F.enterpriseCode, field('employee.residentId', '员工身份证号码', 'Employee resident ID', 'resident_id')], { dependsOn: ['svc_employment_registration'], slaWorkingDays: 1, followOn: true }),
  placeholder('svc_employee_housing_fund', '职工公积金账户设立', 'Employee housing fund account', 'dept_housing_fund', [F.enterpriseCode, field('employee.residentId', '员工身份证号码', 'Employee resident ID', 'resident_id')], { dependsOn: ['svc_employment_registration'], slaWorkingDays: 1, followOn: true }),
  placeholder('svc_listing_credit_report', '企业专项信用报告（上市合法合规证明）', 'Compliance credit report for listing', 'dept_development_reform', [F.enterpriseCode, F.enterpriseName, field('listing.periodYears', '核查年限', 'Years covered', 'number')], { results: ['COMPLIANCE_REPORT'], sources: [SRC.peoplesDaily] }),
  placeholder('svc_listing_securities_check', '证券监管合规信息核查', 'Securities compliance check', 'dept_csrc', [F.enterpriseCode], { dependsOn: ['svc_listing_credit_report'], followOn: true }),
  placeholder('svc_bankruptcy_registration_inquiry', '破产企业登记信息查询', 'Bankrupt enterprise registration inquiry', 'dept_market', [F.enterpriseCode, field('bankruptcy.caseNo', '破产案件案号', 'Bankruptcy case number', 'text')]),
  placeholder('svc_bankruptcy_tax_inquiry', '破产企业涉税信息查询', 'Bankrupt enterprise tax inquiry', 'dept_tax', [F.enterpriseCode, field('bankruptcy.caseNo', '破产案件案号', 'Bankruptcy case number', 'text')]),
  placeholder('svc_bankruptcy_property_inquiry', '破产企业不动产信息查询', 'Bankrupt enterprise real estate inquiry', 'dept_natural_resources', [F.enterpriseCode, field('bankruptcy.caseNo', '破产案件案号', 'Bankruptcy case number', 'text')]),
  // 信用修复: the four matters of 国发〔2024〕3号 and the routes of the Shanxi credit site.
  svc({ id: 'svc_credit_repair_market_penalty', name: { zh: '市场监管行政处罚信息修复', en: 'Repair of a market-regulation penalty record' }, departmentId: 'dept_market',
    fields: [F.enterpriseCode, F.enterpriseName, field('credit.decisionNo', '行政处罚决定书文号', 'Penalty decision number', 'text')],
    materials: [material('mat_correction_commitment', '信用修复承诺书', 'Credit repair commitment', 'D', 'enterprise', [], { commitmentAllowed: true, unverified: true })],
    slaWorkingDays: 10, results: ['CREDIT_REPAIR_DECISION'], note: 'Route via gsxt.gov.cn (国市监信规〔2021〕3号); SLA taken from the 信用中国 review period', unverified: true, sources: [SRC.creditRoutes] }),
  svc({ id: 'svc_credit_repair_other_penalty', name: { zh: '其他领域行政处罚信息修复', en: 'Repair of other penalty records' }, departmentId: 'dept_credit_centre',
    fields: [F.enterpriseCode, F.enterpriseName, field('credit.decisionNo', '行政处罚决定书文号', 'Penalty decision number', 'text')],
    materials: [material('mat_correction_commitment', '信用修复承诺书', 'Credit repair commitment', 'D', 'enterprise', [], { commitmentAllowed: true, unverified: true })],
    slaWorkingDays: 10, results: ['CREDIT_REPAIR_DECISION'], note: 'Review 10 working days; basis 国家发展改革委令第58号', sources: [SRC.creditReview, SRC.creditRoutes] }),
  svc({ id: 'svc_credit_repair_abnormal_operation', name: { zh: '经营异常名录信息修复', en: 'Removal from the abnormal-operation list' }, departmentId: 'dept_market',
    fields: [F.enterpriseCode, F.enterpriseName], slaWorkingDays: 10, results: ['CREDIT_REPAIR_DECISION'], unverified: true, note: 'Matter sourced; SLA is not', sources: [SRC.creditMatters] }),
  svc({ id: 'svc_credit_repair_serious_dishonesty', name: { zh: '严重失信主体名单信息修复', en: 'Removal from the serious-dishonesty list' }, departmentId: 'dept_development_reform',
    fields: [F.enterpriseCode, F.enterpriseName], slaWorkingDays: 10, results: ['CREDIT_REPAIR_DECISION'], unverified: true, note: 'Matter sourced; department and SLA are not', sources: [SRC.creditMatters] }),
  svc({ id: 'svc_credit_repair_result_sharing', name: { zh: '修复结果共享至认定单位', en: 'Share the repair result with the deciding authority' }, departmentId: 'dept_credit_centre',
    fields: [F.enterpriseCode],
    dependsOn: ['svc_credit_repair_market_penalty', 'svc_credit_repair_other_penalty', 'svc_credit_repair_abnormal_operation', 'svc_credit_repair_serious_dishonesty'],
    slaWorkingDays: 3, followOn: true, note: 'Shared within 3 working days', sources: [SRC.creditReview, SRC.creditRoutes] }),
  ...(['power', 'water', 'gas', 'telecom'] as const).map((u) => {
    const names = ({ power: ['用电报装', 'Power connection', 'dept_power_supply'], water: ['用水报装', 'Water connection', 'dept_water_supply'], gas: ['用气报装', 'Gas connection', 'dept_gas_supply'], telecom: ['网络报装', 'Broadband connection', 'dept_telecom'] } as const)[u];
    return placeholder(`svc_utility_${u}`, names[0], names[1], names[2], [F.enterpriseCode, F.enterpriseName, F.enterpriseAddress, F.phone], { materials: [M.businessLicence] });
  }),
  placeholder('svc_school_enrolment', '义务教育入学申请', 'Compulsory-education enrolment', 'dept_education', [F.applicantName, F.applicantId, F.householdNo, F.applicantAddress, field('pupil.name', '学生姓名', 'Pupil name', 'text'), field('pupil.residentId', '学生身份证号码', 'Pupil resident ID', 'resident_id')],
    { materials: [M.householdRegister, material('mat_property_cert', '不动产权证书或租赁凭证', 'Title or tenancy proof', 'A', 'applicant', ['PROPERTY_CERT'], { unverified: true })], dependsOn: ['svc_school_residence_check', 'svc_school_property_check'], results: ['SCHOOL_ADMISSION'], sources: [SRC.peoplesDaily] }),
  placeholder('svc_school_residence_check', '户籍居住信息核验', 'Residence check', 'dept_public_security', [F.applicantId, F.householdNo], { followOn: true, slaWorkingDays: 3 }),
  placeholder('svc_school_property_check', '不动产信息核验', 'Real estate check', 'dept_natural_resources', [F.applicantId], { followOn: true, slaWorkingDays: 3 }),
  placeholder('svc_ssc_card_application', '社会保障卡申领', 'Social security card application', 'dept_hrss', [F.applicantName, F.applicantId, F.phone, F.applicantAddress], { materials: [M.applicantIdCard], results: ['SOCIAL_SECURITY_CARD'], sources: [SRC.peoplesDaily] }),
  placeholder('svc_ssc_transport_activation', '社保卡交通出行应用开通', 'Enable transport use of the card', 'dept_transport', [F.applicantId], { dependsOn: ['svc_ssc_card_application'], followOn: true, slaWorkingDays: 1 }),
  placeholder('svc_ssc_medical_settlement', '社保卡就医结算应用开通', 'Enable medical settlement on the card', 'dept_medical_insurance', [F.applicantId], { dependsOn: ['svc_ssc_card_application'], followOn: true, slaWorkingDays: 1 }),
  placeholder('svc_disability_certificate', '残疾人证办理', 'Disability certificate', 'dept_disabled_persons', [F.applicantName, F.applicantId, F.applicantAddress, field('disability.kind', '残疾类别', 'Kind of disability', 'choice', [], { choices: ['visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple'] })],
    { materials: [M.applicantIdCard, material('mat_disability_assessment', '残疾评定结论', 'Disability assessment', 'C', 'applicant')], results: ['DISABILITY_CERT'], slaWorkingDays: 10 }),
  placeholder('svc_disability_living_subsidy', '困难残疾人生活补贴', 'Living subsidy for people with disabilities in hardship', 'dept_civil_affairs', [F.applicantId, F.payeeAccount], { dependsOn: ['svc_disability_certificate'] }),
  placeholder('svc_disability_care_subsidy', '重度残疾人护理补贴', 'Care subsidy for severe disabilities', 'dept_civil_affairs', [F.applicantId, F.payeeAccount], { dependsOn: ['svc_disability_certificate'] }),
  // Xinjiang feature items.
  placeholder('svc_xj_special_trade_lodging', '旅馆业特种行业许可', 'Special trade licence for lodging', 'dept_public_security', [F.enterpriseCode, F.enterpriseName, F.enterpriseAddress, field('lodging.rooms', '客房数', 'Rooms', 'number')],
    { dependsOn: ['svc_company_establishment'], results: ['SPECIAL_TRADE_LICENCE'], materials: [M.businessLicence, M.premisesProof] }),
  placeholder('svc_xj_homestay_filing', '乡村民宿备案', 'Rural homestay filing', 'dept_culture_tourism', [F.enterpriseCode, F.enterpriseName, F.enterpriseAddress], { dependsOn: ['svc_xj_special_trade_lodging'], slaWorkingDays: 3 }),
  placeholder('svc_xj_cotton_area_registration', '棉花种植面积信息采集', 'Cotton planting area registration', 'dept_agriculture', [F.applicantName, F.applicantId, field('cotton.areaMu', '种植面积（亩）', 'Planted area (mu)', 'number'), field('cotton.location', '地块位置', 'Plot location', 'text')], { slaWorkingDays: 10 }),
  placeholder('svc_xj_cotton_subsidy_payment', '棉花目标价格补贴发放', 'Cotton target-price subsidy payment', 'dept_finance', [F.applicantId, F.payeeAccount], { dependsOn: ['svc_xj_cotton_area_registration'], followOn: true, slaWorkingDays: 10 }),
];

// ---- items --------------------------------------------------------------------------------------------

const batch1 = { kind: 'national_batch', year: 2024, batch: 1 } as const;
const xj = { kind: 'local_feature', region: '65' } as const;

const itemInputs: ItemInput[] = [
  { id: 'item_enterprise_info_change', version: 1, name: { zh: '企业信息变更', en: 'Enterprise information change' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '经营发展', sourceStatus: 'confirmed', leadDepartmentId: 'dept_market', services: changeServices.map((s) => s.id),
    modes: { tickToApply: true, commitment: false },
    baseline: { ...noBaseline, trips: { before: 6, after: null }, workingDays: { before: 6, after: null },
      scope: 'Shanghai name change, 6 departments share 77 fields; after: one company in 10 minutes (no working-day figure)', source: SRC.shanghaiChange },
    sources: [SRC.xinhua, SRC.zhejiangChange, SRC.shanghaiChange] },
  { id: 'item_open_restaurant', version: 1, name: { zh: '开办餐饮店', en: 'Opening a restaurant' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '准入准营', sourceStatus: 'confirmed', leadDepartmentId: 'dept_market', services: ['svc_company_establishment', 'svc_food_business_licence', 'svc_fire_safety_check'],
    modes: { mergedForms: true, commitment: true }, baseline: noBaseline, unverified: true, note: 'Shanghai launch 2024-06-12 with merged forms; services not in the sheet', sources: [SRC.shanghaiHandmsg] },
  { id: 'item_open_transport_enterprise', version: 1, name: { zh: '开办运输企业', en: 'Starting a transport enterprise' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '准入准营', sourceStatus: 'confirmed', leadDepartmentId: 'dept_transport',
    services: ['svc_company_establishment', ...transportServices.map((s) => s.id)], modes: { commitment: true }, baseline: noBaseline, unverified: true,
    note: 'Shanghai launch 2024-07-17; no item-level figures; constituent services and lead department not in the sheet', sources: [SRC.peoplesDaily, SRC.shanghaiHandmsg] },
  { id: 'item_employee_hiring', version: 1, name: { zh: '员工录用', en: 'Hiring an employee' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '招聘用工', sourceStatus: 'unverified', leadDepartmentId: 'dept_hrss',
    services: ['svc_employment_registration', 'svc_employee_social_insurance', 'svc_employee_medical_insurance', 'svc_employee_housing_fund'], baseline: noBaseline, unverified: true },
  { id: 'item_listing_compliance_check', version: 1, name: { zh: '企业上市合法合规信息核查', en: 'Verifying law-related information for listing' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '经营发展', sourceStatus: 'confirmed', leadDepartmentId: 'dept_development_reform', services: ['svc_listing_credit_report', 'svc_listing_securities_check'],
    baseline: noBaseline, unverified: true, sources: [SRC.peoplesDaily] },
  { id: 'item_bankruptcy_info_check', version: 1, name: { zh: '企业破产信息核查', en: 'Enterprise bankruptcy information check' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '注销退出', sourceStatus: 'unverified', leadDepartmentId: 'dept_court',
    services: ['svc_bankruptcy_registration_inquiry', 'svc_bankruptcy_tax_inquiry', 'svc_bankruptcy_property_inquiry'], baseline: noBaseline, unverified: true },
  { id: 'item_credit_repair', version: 1, name: { zh: '信用修复', en: 'Credit repair' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '经营发展', sourceStatus: 'confirmed', leadDepartmentId: 'dept_development_reform',
    services: ['svc_credit_repair_market_penalty', 'svc_credit_repair_other_penalty', 'svc_credit_repair_abnormal_operation', 'svc_credit_repair_serious_dishonesty', 'svc_credit_repair_result_sharing'],
    modes: { commitment: true, tickToApply: true }, promisedWorkingDays: 13, note: 'Promise = 10 working days review + 3 working days sharing', baseline: noBaseline,
    sources: [SRC.creditMatters, SRC.creditReview, SRC.creditRoutes] },
  { id: 'item_utilities_joint_connection', version: 1, name: { zh: '水电气网联合报装', en: 'Joint water, power, gas and broadband connection' }, subject: 'enterprise', scope: 'national', list: batch1,
    lifecycleStage: '工程建设', sourceStatus: 'unverified', leadDepartmentId: 'dept_data',
    services: ['svc_utility_power', 'svc_utility_water', 'svc_utility_gas', 'svc_utility_telecom'], baseline: noBaseline, unverified: true },
  { id: 'item_newborn', version: 1, name: { zh: '新生儿出生', en: 'Birth of a newborn' }, subject: 'individual', scope: 'national', list: batch1,
    lifecycleStage: '出生', sourceStatus: 'confirmed', leadDepartmentId: 'dept_health', services: newbornServices.map((s) => s.id),
    modes: { proactive: true }, promisedWorkingDays: 5,
    baseline: { steps: { before: 16, after: 3 }, materials: { before: 9, after: 2 }, workingDays: { before: 32, after: 5 }, trips: { before: 4, after: 1 },
      scope: 'Qinghai, 7 services (the catalogue models Guangdong’s 9)', source: SRC.qinghaiNewborn },
    note: 'Led by 卫健 with 政数, 公安, 人社, 医保, 税务; Hubei pilot: trips 4→1, materials 15→9', sources: [SRC.xinhua, SRC.guangdongNewborn, SRC.xiamenNewborn, SRC.qinghaiNewborn] },
  { id: 'item_school_admission', version: 1, name: { zh: '教育入学', en: 'School admission' }, subject: 'individual', scope: 'national', list: batch1,
    lifecycleStage: '教育', sourceStatus: 'confirmed', leadDepartmentId: 'dept_education', services: ['svc_school_residence_check', 'svc_school_property_check', 'svc_school_enrolment'],
    baseline: noBaseline, unverified: true, sources: [SRC.xinhua, SRC.peoplesDaily] },
  { id: 'item_social_security_card', version: 1, name: { zh: '社会保障卡居民服务"一卡通"', en: 'Social security card all-in-one services' }, subject: 'individual', scope: 'national', list: batch1,
    lifecycleStage: '生活', sourceStatus: 'confirmed', leadDepartmentId: 'dept_hrss', services: ['svc_ssc_card_application', 'svc_ssc_transport_activation', 'svc_ssc_medical_settlement'],
    baseline: noBaseline, unverified: true, sources: [SRC.peoplesDaily] },
  { id: 'item_disability_services', version: 1, name: { zh: '残疾人服务', en: 'Services for people with disabilities' }, subject: 'individual', scope: 'national', list: batch1,
    lifecycleStage: '救助', sourceStatus: 'confirmed', leadDepartmentId: 'dept_disabled_persons',
    services: ['svc_disability_certificate', 'svc_disability_living_subsidy', 'svc_disability_care_subsidy'], baseline: noBaseline, unverified: true, note: 'Confirmed by 济源残联 2024-10 (no address recorded)' },
  { id: 'item_retirement', version: 1, name: { zh: '退休', en: 'Retirement' }, subject: 'individual', scope: 'national', list: batch1,
    lifecycleStage: '养老', sourceStatus: 'confirmed', leadDepartmentId: 'dept_hrss', services: retirementServices.map((s) => s.id),
    modes: { commitment: true }, baseline: noBaseline, note: 'No before/after figures found', sources: [SRC.xinhua, SRC.sichuanRetirement] },
  { id: 'item_xj_open_homestay', version: 1, name: { zh: '开办民宿（新疆）', en: 'Opening a homestay (Xinjiang)' }, subject: 'enterprise', scope: 'regional', region: '65', list: xj,
    lifecycleStage: '准入准营', sourceStatus: 'unverified', leadDepartmentId: 'dept_culture_tourism',
    services: ['svc_company_establishment', 'svc_food_business_licence', 'svc_xj_special_trade_lodging', 'svc_xj_homestay_filing'], modes: { commitment: true },
    baseline: noBaseline, unverified: true, note: 'Illustrative local feature item; not from a published list' },
  { id: 'item_xj_cotton_subsidy', version: 1, name: { zh: '棉花目标价格补贴（新疆）', en: 'Cotton target-price subsidy (Xinjiang)' }, subject: 'individual', scope: 'regional', region: '65', list: xj,
    lifecycleStage: '就业', sourceStatus: 'unverified', leadDepartmentId: 'dept_agriculture',
    services: ['svc_xj_cotton_area_registration', 'svc_xj_cotton_subsidy_payment'], modes: { proactive: true },
    baseline: noBaseline, unverified: true, note: 'Illustrative local feature item; not from a published list' },
];

export const catalogueSeed: Catalogue = {
  departments: departmentsSeed,
  certificateTypes: certificateTypesSeed,
  services: [...newbornServices, ...changeServices, ...transportServices, ...retirementServices, ...otherServices].map((s) => Service.parse(s)),
  items: itemInputs.map((i) => Item.parse(i)),
};

/** Xinjiang averages over the first batch (Xinhua, 2024-12-30): the regional targets on the dashboard. */
export const xinjiangTargets = {
  region: '65',
  steps: { before: 7, after: 1 },
  materials: { before: 24, after: 11 },
  workingDays: { before: 35, after: 14 },
  casesHandled: 110_000,
  casesHandledNote: '11万+ (Xinhua); 11.37万 in a Tianshan Net interview',
  combinedReductionNote: '“综合平均压减率超70%” is a combined figure, not any single metric',
  source: SRC.xinhua,
} as const;
