import { execFile } from 'node:child_process';
import { SLURM_PACKAGES, missingSlurmBinaries, which } from './local-cluster.ts';

/**
 * Can this machine back a Slurm demo site? Yes when the Slurm commands are installed and either a
 * controller answers (the machine's own cluster, or the one SLURM_CONF names) or the daemons are here
 * and we are root, so `startLocalSlurm()` can run a one-node cluster. `why` says what is missing.
 */
export async function slurmAvailable(env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; why?: string }> {
  const missing = missingSlurmBinaries();
  const clientsMissing = missing.filter((b) => !['munged', 'slurmctld', 'slurmd'].includes(b));
  if (clientsMissing.length > 0) {
    return { ok: false, why: `Slurm is not installed (missing ${missing.join(', ')}); install: apt-get install ${SLURM_PACKAGES}` };
  }
  const ping = await new Promise<string>((resolve) => {
    execFile(which('scontrol')!, ['ping'], { env, timeout: 8000 }, (error, stdout) => resolve(error ? '' : stdout));
  });
  if (ping.includes('is UP')) return { ok: true };
  if (missing.length > 0) {
    return { ok: false, why: `no Slurm controller answers and ${missing.join(', ')} are missing to start one; install: apt-get install ${SLURM_PACKAGES}` };
  }
  if (process.getuid?.() !== 0) {
    return { ok: false, why: 'no Slurm controller answers, and starting a local one-node cluster needs root' };
  }
  return { ok: true, why: 'no Slurm controller is running; a one-node cluster on localhost can be started (startLocalSlurm)' };
}
