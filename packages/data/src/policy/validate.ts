import { DataActions, DataLeftOperands, DataOperators, DataPurposes } from '@shuzhi/schema';
import type { DataColumn, DataConstraint, DataRule, DataUsagePolicy } from '@shuzhi/schema';
import type { DataIssue } from '../errors.ts';
import { isIsoInstant } from '../iso-time.ts';

export type PolicyIssue = DataIssue;

const SET_OPERATORS = new Set(['eq', 'neq', 'isAnyOf', 'isNoneOf']);
const ORDER_OPERATORS = new Set(['lt', 'lteq', 'gt', 'gteq']);

/**
 * Everything in a product's policy and schema that the engine could not evaluate or enforce, each
 * with the path of the field in the product input (`policy.…`, `schema.columns[i].…`). Empty = valid.
 * Refusing up front beats a policy that silently never (or always) matches.
 */
export function validatePolicy(policy: DataUsagePolicy, product: { regionId: string; columns: DataColumn[] }): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  policy.permissions.forEach((rule, i) => checkRule(rule, `policy.permissions[${i}]`, issues));
  policy.prohibitions.forEach((rule, i) => checkRule(rule, `policy.prohibitions[${i}]`, issues));
  if (!policy.computeRegions.includes(product.regionId)) {
    issues.push({
      path: 'policy.computeRegions',
      message: `the data sits in region '${product.regionId}', so computeRegions must include it (now: ${policy.computeRegions.join(', ')})`,
    });
  }
  checkColumns(product.columns, issues);
  const out = policy.output;
  if (out.kind === 'differential-privacy') {
    product.columns.forEach((col, i) => {
      if (col.role === 'measure' && !col.bounds) {
        issues.push({
          path: `schema.columns[${i}].bounds`,
          message: `differential privacy needs bounds [lo, hi] on measure column '${col.name}': noise is calibrated to them`,
        });
      }
    });
    if (out.maxEpsilonPerQuery > out.epsilonBudget) {
      issues.push({
        path: 'policy.output.maxEpsilonPerQuery',
        message: `maxEpsilonPerQuery (${out.maxEpsilonPerQuery}) exceeds the whole budget epsilonBudget (${out.epsilonBudget}); lower it or raise the budget`,
      });
    }
  }
  return issues;
}

function checkRule(rule: DataRule, path: string, issues: PolicyIssue[]): void {
  if (!(DataActions as readonly string[]).includes(rule.action)) {
    issues.push({ path: `${path}.action`, message: `unknown action '${rule.action}'; use one of ${DataActions.join(', ')}` });
  }
  rule.constraints.forEach((c, j) => checkConstraint(c, `${path}.constraints[${j}]`, issues));
}

function checkConstraint(c: DataConstraint, path: string, issues: PolicyIssue[]): void {
  if (!(DataLeftOperands as readonly string[]).includes(c.leftOperand)) {
    issues.push({ path: `${path}.leftOperand`, message: `unknown leftOperand '${c.leftOperand}'; use one of ${DataLeftOperands.join(', ')}` });
    return;
  }
  if (!(DataOperators as readonly string[]).includes(c.operator)) {
    issues.push({ path: `${path}.operator`, message: `unknown operator '${c.operator}'; use one of ${DataOperators.join(', ')}` });
    return;
  }
  const ordered = c.leftOperand === 'dateTime' || c.leftOperand === 'count';
  const allowed = ordered ? ORDER_OPERATORS : SET_OPERATORS;
  if (!allowed.has(c.operator)) {
    issues.push({
      path: `${path}.operator`,
      message: `operator '${c.operator}' does not apply to ${c.leftOperand}; use one of ${[...allowed].join(', ')}`,
    });
    return;
  }
  const right = c.rightOperand;
  const valuePath = `${path}.rightOperand`;
  if (c.leftOperand === 'dateTime') {
    if (!isIsoInstant(right)) {
      issues.push({ path: valuePath, message: `dateTime needs an ISO 8601 time such as 2027-01-01T00:00:00Z (got ${JSON.stringify(right)})` });
    }
    return;
  }
  if (c.leftOperand === 'count') {
    if (typeof right !== 'number' || !Number.isInteger(right) || right < 0) {
      issues.push({ path: valuePath, message: `count needs a non-negative whole number of uses (got ${JSON.stringify(right)})` });
    }
    return;
  }
  const isList = c.operator === 'isAnyOf' || c.operator === 'isNoneOf';
  if (isList !== Array.isArray(right)) {
    issues.push({
      path: valuePath,
      message: isList ? `${c.operator} needs a list of values` : `${c.operator} needs a single value; use isAnyOf / isNoneOf for a list`,
    });
    return;
  }
  const values = Array.isArray(right) ? right : [right];
  values.forEach((v, k) => {
    const at = Array.isArray(right) ? `${valuePath}[${k}]` : valuePath;
    if (typeof v !== 'string') {
      issues.push({ path: at, message: `${c.leftOperand} values are text (got ${JSON.stringify(v)})` });
    } else if (c.leftOperand === 'purpose' && !(DataPurposes as readonly string[]).includes(v)) {
      issues.push({ path: at, message: `unknown purpose '${v}'; use one of ${DataPurposes.join(', ')}` });
    }
  });
}

function checkColumns(columns: DataColumn[], issues: PolicyIssue[]): void {
  const seen = new Set<string>();
  columns.forEach((col, i) => {
    const path = `schema.columns[${i}]`;
    if (seen.has(col.name)) issues.push({ path: `${path}.name`, message: `column name '${col.name}' is used twice; names must be unique` });
    seen.add(col.name);
    if (col.bounds) {
      const [lo, hi] = col.bounds;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
        issues.push({ path: `${path}.bounds`, message: `bounds of '${col.name}' must be finite with lo ≤ hi (got [${lo}, ${hi}])` });
      }
    }
    if (col.categories && col.role !== 'dimension') {
      issues.push({ path: `${path}.categories`, message: `categories apply only to dimension columns; '${col.name}' is a ${col.role} column` });
    }
    if (col.role === 'measure' && col.type !== 'integer' && col.type !== 'number') {
      issues.push({ path: `${path}.type`, message: `measure column '${col.name}' must be integer or number to be summed (it is ${col.type})` });
    }
  });
}
