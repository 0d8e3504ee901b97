export { SlurmExecutor, createSlurmBackend, type SlurmExecutorOptions, type ExecutorLog } from './executor.ts';
export type { SlurmSiteConfig, SlurmConnection, UnitShape } from './config.ts';
export { DEFAULTS as SLURM_DEFAULTS, DEFAULT_UNITS as SLURM_DEFAULT_UNITS } from './config.ts';
export type { SlurmBackend, JobSpec } from './backend.ts';
export { SlurmCli } from './cli.ts';
export { SlurmRest, SlurmRestError } from './rest.ts';
export { SlurmError, SlurmCommandError, SlurmConfigError } from './errors.ts';
export { startLocalSlurm, SlurmNotInstalledError, SlurmStartError, SLURM_PACKAGES, type LocalSlurm } from './local-cluster.ts';
export { slurmAvailable } from './demo.ts';
