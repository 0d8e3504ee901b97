import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startLocalSlurm, type LocalSlurm } from '@shuzhi/server/testing';
export { SlurmNotInstalledError } from '@shuzhi/server/testing';


export interface SlurmHandle extends LocalSlurm {
  /** Marks the node DOWN (its jobs die as NODE_FAIL, like a crashed machine), then brings it back. */
  failNode(): Promise<void>;
}

function scontrol(env: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('scontrol', args, { env: { ...process.env, ...env }, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { output: `${stderr}${stdout}` }));
      else resolve(stdout);
    });
  });
}

/**
 * A one-node Slurm on localhost for one test file: its own munged, slurmctld and slurmd, config and
 * state in a temp dir (`rest: true` adds slurmrestd with JWT auth). Fails with SlurmNotInstalledError (naming the Debian packages) where Slurm is missing.
 */
export async function startSlurm(opts: { rest?: boolean } = {}): Promise<SlurmHandle> {
  const slurm = await startLocalSlurm(opts);
  return {
    ...slurm,
    async failNode() {
      await scontrol(slurm.env, ['update', `nodename=${slurm.nodeName}`, 'state=down', 'reason=executor-suite']);
      // ReturnToService=2 may already have brought it back when slurmd re-registers; resume is then refused.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const node = await scontrol(slurm.env, ['show', 'node', slurm.nodeName, '-o']);
        if (/State=IDLE(\s|$)/.test(node) || /State=(IDLE|MIXED|ALLOCATED)\s/.test(node)) return;
        await scontrol(slurm.env, ['update', `nodename=${slurm.nodeName}`, 'state=resume']).catch(() => '');
        await new Promise((r) => setTimeout(r, 300));
      }
      throw new Error('the node did not come back after failNode()');
    },
  };
}

/**
 * A stand-in for the server's data directory as the server keeps it: private to the server (0700), with
 * a secret file in it that is itself world-readable (as the database files are), so only the directory
 * keeps jobs out. Tests check that Slurm jobs can neither list nor read it.
 */
export function serverDataDir(): { dir: string; secretFile: string; secret: string; remove(): void } {
  const dir = mkdtempSync('/tmp/shuzhi-server-data-');
  const secret = `server-secret-${randomBytes(12).toString('hex')}`;
  const secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o644 });
  return { dir, secretFile, secret, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
