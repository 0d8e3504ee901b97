import type { Sandbox } from '@shuzhi/agent';

let opened: Promise<{ sandbox: Sandbox } | { reason: string }> | null = null;

/**
 * The sandbox the demo's embedded workers run tenant code in, or the one-line reason there is none
 * (then the demo runs no embedded workers: tenant code never runs bare as the server's user).
 */
export function demoSandbox(): Promise<{ sandbox: Sandbox } | { reason: string }> {
  opened ??= (async () => ({ reason: 'this build has no sandbox implementation yet' }))();
  return opened;
}
