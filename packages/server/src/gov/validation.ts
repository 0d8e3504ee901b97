import { validateCreditCode, validateResidentId, type FieldSpec, type MaterialSpec, type PrefillResult } from '@shuzhi/gov';
import type { GovMaterialSubmission } from '@shuzhi/schema';

export interface FieldProblem {
  path: string;
  message: string;
}

type Answer = string | number | boolean;

/** One field's value against its declared type; null when it is fine. Messages in zh then en (the UI shows both). */
export function checkFieldValue(spec: FieldSpec, value: Answer, today: string): string | null {
  const str = typeof value === 'string' ? value.trim() : null;
  switch (spec.type) {
    case 'resident_id': {
      if (str === null) return '应为身份证号码 / expected a resident ID number';
      const r = validateResidentId(str, { latestBirthDate: today });
      return r.ok ? null : `${r.errors[0]!.message.zh} / ${r.errors[0]!.message.en}`;
    }
    case 'credit_code': {
      if (str === null) return '应为统一社会信用代码 / expected a unified social credit code';
      const r = validateCreditCode(str);
      return r.ok ? null : `${r.errors[0]!.message.zh} / ${r.errors[0]!.message.en}`;
    }
    case 'date':
      return str !== null && /^\d{4}-\d{2}-\d{2}$/.test(str) && !Number.isNaN(Date.parse(str)) ? null : '日期格式应为 YYYY-MM-DD / use a date like 2025-06-01';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : '应为非负数 / expected a non-negative number';
    case 'money_fen':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? null : '金额以分为单位，应为非负整数 / money is a non-negative whole number of fen';
    case 'boolean':
      return typeof value === 'boolean' ? null : '应为是或否 / expected yes or no';
    case 'phone':
      return str !== null && /^1\d{10}$/.test(str) ? null : '手机号码应为以1开头的11位数字 / a mobile number has 11 digits starting with 1';
    case 'bank_account':
      return str !== null && /^\d{12,19}$/.test(str) ? null : '银行账号应为12–19位数字 / a bank account number has 12–19 digits';
    case 'choice':
      return str !== null && (spec.choices ?? []).includes(str) ? null : `请选择：${(spec.choices ?? []).join('、')} / choose one of ${(spec.choices ?? []).join(', ')}`;
    case 'text':
      return str !== null && str.length > 0 ? null : '不能为空 / must not be empty';
  }
}

/**
 * The answers and materials an application brings, against what the form asked (the prefill's `form`):
 * every needed field answered with a valid value, every needed material uploaded or committed to, nothing
 * unknown. All problems are returned, each at its own path (`answers.<key>`, `materials.<id>`).
 */
export function checkSubmission(input: {
  prefill: PrefillResult;
  fieldSpecs: ReadonlyMap<string, FieldSpec>;
  materialSpecs: ReadonlyMap<string, MaterialSpec>;
  answers: Record<string, Answer>;
  materials: readonly GovMaterialSubmission[];
  commitmentSigned: boolean;
  today: string;
  /** Only these keys and materials are asked (a supplement asks a subset). */
  onlyFields?: readonly string[];
  onlyMaterials?: readonly string[];
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const needed = new Set(input.onlyFields ?? input.prefill.form.fields);
  for (const [key, value] of Object.entries(input.answers)) {
    const spec = input.fieldSpecs.get(key);
    if (!spec) {
      problems.push({ path: `answers.${key}`, message: '本事项没有这个字段 / this item has no such field' });
      continue;
    }
    if (!needed.has(key)) {
      problems.push({ path: `answers.${key}`, message: '该字段已由登记信息填写，无需再填 / this field is filled from a registry; do not send it' });
      continue;
    }
    const bad = checkFieldValue(spec, value, input.today);
    if (bad) problems.push({ path: `answers.${key}`, message: bad });
  }
  for (const key of needed) {
    const spec = input.fieldSpecs.get(key);
    const optional = spec?.optional ?? false;
    if (!optional && (input.answers[key] === undefined || input.answers[key] === '')) {
      problems.push({ path: `answers.${key}`, message: `请填写“${spec?.label.zh ?? key}” / “${spec?.label.en ?? key}” is required` });
    }
  }

  const asked = new Map(input.prefill.form.materials.map((m) => [m.materialId, m.status]));
  const onlyMaterials = input.onlyMaterials ? new Set(input.onlyMaterials) : null;
  const given = new Map<string, GovMaterialSubmission>();
  input.materials.forEach((m, i) => {
    if (!input.materialSpecs.has(m.materialId)) {
      problems.push({ path: `materials.${i}.materialId`, message: `本事项不需要材料 ${m.materialId} / this item needs no material ${m.materialId}` });
      return;
    }
    if (m.kind === 'upload' && (!m.fileName || !m.sha256)) {
      problems.push({ path: `materials.${i}`, message: '上传材料需附文件名和SHA-256 / an upload needs its file name and SHA-256' });
      return;
    }
    if (m.kind === 'commitment') {
      const spec = input.materialSpecs.get(m.materialId)!;
      if (!spec.commitmentAllowed) problems.push({ path: `materials.${i}.kind`, message: `“${spec.name.zh}”不适用告知承诺，请上传 / “${spec.name.en}” cannot be replaced by a commitment; upload it` });
      else if (!input.commitmentSigned) problems.push({ path: 'commitment', message: '以承诺代替材料须签署承诺书 / replacing a material by a commitment needs the signed commitment' });
    }
    given.set(m.materialId, m);
  });
  // Materials with a condition (外省户籍 only, …) are the applicant's to judge; the officer checks them.
  const requiredMaterials = onlyMaterials ? [...onlyMaterials] : [...asked.keys()].filter((id) => !input.materialSpecs.get(id)?.condition);
  for (const id of requiredMaterials) {
    if (!given.has(id)) {
      const spec = input.materialSpecs.get(id);
      problems.push({ path: `materials.${id}`, message: `缺少材料“${spec?.name.zh ?? id}” / material “${spec?.name.en ?? id}” is missing` });
    }
  }
  return problems;
}
