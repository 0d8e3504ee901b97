import { z } from 'zod';
import { fieldError, type FieldError, type Validation } from '../field-errors.ts';
import { Item, Service, type Catalogue, type ItemInput, type ServiceInput } from './model.ts';
import { findCycle } from './graph.ts';

/** What an administrator submits: a new item (or a new version of one), with any new services it brings. */
export interface CatalogueItemInput {
  item: ItemInput;
  services?: ServiceInput[];
}

export interface ValidatedCatalogueItem {
  item: Item;
  /** The new services from the input, parsed with defaults. */
  services: Service[];
}

function zodErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return fieldError(path, `SCHEMA_${issue.code.toUpperCase()}`, `字段格式不正确：${issue.message}`, issue.message);
  });
}

/**
 * Check an admin-added item against the schema and the existing catalogue: unknown departments, services and
 * certificate types, dependencies outside the item, dependency cycles, duplicate keys, and materials whose
 * trust level cannot be met. Every problem is reported, each at the field it concerns.
 */
export function validateCatalogueItem(input: unknown, catalogue: Catalogue): Validation<ValidatedCatalogueItem> {
  const envelope = z.object({ item: z.unknown(), services: z.array(z.unknown()).default([]) }).safeParse(input);
  if (!envelope.success) return { ok: false, errors: zodErrors(envelope.error, '') };

  const errors: FieldError[] = [];
  const itemParsed = Item.safeParse(envelope.data.item);
  if (!itemParsed.success) errors.push(...zodErrors(itemParsed.error, 'item'));
  const newServices: Service[] = [];
  envelope.data.services.forEach((raw, i) => {
    const parsed = Service.safeParse(raw);
    if (parsed.success) newServices.push(parsed.data);
    else errors.push(...zodErrors(parsed.error, `services.${i}`));
  });
  if (!itemParsed.success || errors.length > 0) return { ok: false, errors };
  const item = itemParsed.data;

  const departments = new Set(catalogue.departments.map((d) => d.id));
  const certificateTypes = new Set(catalogue.certificateTypes.map((c) => c.id));
  const known = new Map(catalogue.services.map((s) => [s.id, s]));
  // Where each service is described in the input, so errors point at the admin's own field.
  const servicePath = new Map<string, string>();
  newServices.forEach((s, i) => {
    if (servicePath.has(s.id) || known.has(s.id)) {
      errors.push(fieldError(`services.${i}.id`, 'DUPLICATE_SERVICE', `事项编号 ${s.id} 已存在`, `Service id ${s.id} already exists`));
    }
    servicePath.set(s.id, `services.${i}`);
    known.set(s.id, s);
  });

  const previous = catalogue.items.filter((x) => x.id === item.id);
  if (previous.some((x) => x.version >= item.version)) {
    errors.push(fieldError('item.version', 'ITEM_VERSION_NOT_NEWER', `一件事 ${item.id} 的版本号必须大于已发布版本`, `Version must be higher than the published versions of ${item.id}`));
  }
  if (!departments.has(item.leadDepartmentId)) {
    errors.push(fieldError('item.leadDepartmentId', 'UNKNOWN_DEPARTMENT', `牵头部门 ${item.leadDepartmentId} 不存在`, `Lead department ${item.leadDepartmentId} does not exist`));
  }
  if (item.scope === 'regional' && item.region === undefined) {
    errors.push(fieldError('item.region', 'REGION_REQUIRED', '地方特色事项必须填写地区', 'A regional item needs its region'));
  }

  const inItem = new Set<string>();
  item.services.forEach((id, i) => {
    if (inItem.has(id)) errors.push(fieldError(`item.services.${i}`, 'DUPLICATE_SERVICE', `事项 ${id} 重复`, `Service ${id} is listed twice`));
    inItem.add(id);
    if (!known.has(id)) errors.push(fieldError(`item.services.${i}`, 'UNKNOWN_SERVICE', `事项 ${id} 不存在`, `Service ${id} does not exist in the catalogue or this release`));
  });

  for (const id of inItem) {
    const s = known.get(id);
    if (!s) continue;
    const at = servicePath.get(id) ?? `item.services.${item.services.indexOf(id)}`;
    if (!departments.has(s.departmentId)) {
      errors.push(fieldError(`${at}.departmentId`, 'UNKNOWN_DEPARTMENT', `部门 ${s.departmentId} 不存在`, `Department ${s.departmentId} does not exist`));
    }
    s.dependsOn.forEach((dep, j) => {
      if (!inItem.has(dep)) {
        errors.push(fieldError(`${at}.dependsOn.${j}`, 'DEPENDENCY_OUTSIDE_ITEM', `前置事项 ${dep} 不属于本一件事`, `Dependency ${dep} of ${id} is not a service of this item`));
      }
    });
    s.results.forEach((r, j) => {
      if (!certificateTypes.has(r)) errors.push(fieldError(`${at}.results.${j}`, 'UNKNOWN_CERTIFICATE_TYPE', `证照类型 ${r} 不存在`, `Certificate type ${r} does not exist`));
    });
    const keys = new Set<string>();
    s.fields.forEach((f, j) => {
      if (keys.has(f.key)) errors.push(fieldError(`${at}.fields.${j}.key`, 'DUPLICATE_FIELD', `字段 ${f.key} 重复`, `Field ${f.key} appears twice in ${id}`));
      keys.add(f.key);
      if (f.type === 'choice' && (f.choices ?? []).length === 0) {
        errors.push(fieldError(`${at}.fields.${j}.choices`, 'CHOICES_REQUIRED', '选择题字段必须列出选项', 'A choice field needs its choices'));
      }
    });
    s.materials.forEach((m, j) => {
      m.certificateTypes.forEach((c, k) => {
        if (!certificateTypes.has(c)) errors.push(fieldError(`${at}.materials.${j}.certificateTypes.${k}`, 'UNKNOWN_CERTIFICATE_TYPE', `证照类型 ${c} 不存在`, `Certificate type ${c} does not exist`));
      });
      if (m.trustLevel === 'A' && m.certificateTypes.length === 0 && !m.generatedByPlatform) {
        errors.push(fieldError(`${at}.materials.${j}.certificateTypes`, 'A_LEVEL_WITHOUT_SOURCE', 'A级材料必须指明可从证照库获取的证照类型', 'An A-level material must name the library certificate types that supply it'));
      }
      if (m.trustLevel === 'D' && !m.commitmentAllowed) {
        errors.push(fieldError(`${at}.materials.${j}.commitmentAllowed`, 'D_LEVEL_WITHOUT_COMMITMENT', 'D级材料必须允许告知承诺', 'A D-level material must allow a signed commitment'));
      }
    });
  }

  const cycle = findCycle([...inItem], (n) => (known.get(n)?.dependsOn ?? []).filter((d) => inItem.has(d)));
  if (cycle) {
    errors.push(fieldError('item.services', 'DEPENDENCY_CYCLE', `事项之间存在循环依赖：${cycle.join(' → ')}`, `Services depend on each other in a cycle: ${cycle.join(' → ')}`));
  }

  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { item, services: newServices } };
}

/** Validate every item of a whole catalogue (the seed, or a data release), reporting errors per item. */
export function validateCatalogue(catalogue: Catalogue): FieldError[] {
  const errors: FieldError[] = [];
  for (const item of catalogue.items) {
    const others = { ...catalogue, items: catalogue.items.filter((x) => x !== item) };
    const r = validateCatalogueItem({ item }, others);
    if (!r.ok) errors.push(...r.errors.map((e) => ({ ...e, field: `${item.id}:${e.field}` })));
  }
  return errors;
}

/** The services of an item, in the item's order; throws on unknown ids (validated data never has any). */
export function servicesOfItem(catalogue: Pick<Catalogue, 'services'>, item: Item): Service[] {
  return item.services.map((id) => {
    const s = catalogue.services.find((x) => x.id === id);
    if (!s) throw new Error(`service ${id} of ${item.id} is not in the catalogue`);
    return s;
  });
}
