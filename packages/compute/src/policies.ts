import { UnknownPolicyError } from './errors.ts';
import { fifo } from './fifo.ts';
import { greedy } from './greedy.ts';
import { optimal } from './optimal.ts';
import { POLICY_NAMES, type Policy, type PolicyName } from './policy.ts';

export const POLICIES = { fifo, greedy, optimal } as const satisfies Record<PolicyName, Policy>;

export function getPolicy(name: string): Policy {
  if (!(POLICY_NAMES as readonly string[]).includes(name)) throw new UnknownPolicyError(name, POLICY_NAMES);
  return POLICIES[name as PolicyName];
}
