import { SandboxUnavailableError, openSandbox, type Sandbox } from '@shuzhi/agent';

let opened: Promise<{ sandbox: Sandbox } | { reason: string }> | null = null;

/**
 * The sandbox the demo's embedded workers run tenant code in, or the one-line reason there is none
 * (then the demo runs no embedded workers: tenant code never runs bare as the server's user).
 */
export function demoSandbox(): Promise<{ sandbox: Sandbox } | { reason: string }> {
  opened ??= openSandbox().then(
    (sandbox) => ({ sandbox }),
    (err: unknown) => ({ reason: err instanceof SandboxUnavailableError ? err.message : `the sandbox check failed: ${(err as Error).message}` }),
  );
  return opened;
}
