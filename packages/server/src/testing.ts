/**
 * @shuzhi/server/testing: internals that tests and benches outside this package drive directly
 * (executors, Slurm, leadership, ids, gov's measurement). Not an API for products: it changes with
 * the code it exposes.
 */
export type { Db, Tx } from './db/client.ts';
export { newId } from './ids.ts';
export { LOCK_FILE } from './lifecycle/data-dir-lock.ts';
export { Leadership, LeadershipLostError } from './replicas/leadership.ts';
export { BillingService } from './billing/service.ts';
export type { ExecLog, ExecResult, ExecTask, Executor, ExecutorHost, HeldJob } from './compute/executor.ts';
export { AgentExecutor } from './compute/agent-executor.ts';
export { shellWorkSource } from './compute/worker-source.ts';
export { AppError } from './errors.ts';
export { WorkerHub } from './workers/hub.ts';
export { shellTaskLimits } from './workers/limits.ts';
export { WorkerRegistry } from './workers/registry.ts';
export {
  SlurmExecutor,
  SlurmRest,
  SlurmCommandError,
  SlurmNotInstalledError,
  createSlurmBackend,
  startLocalSlurm,
  type JobSpec,
  type LocalSlurm,
  type SlurmSiteConfig,
} from './compute/slurm/index.ts';
// Render nodes serving each other blobs: the broker, for the render bench's fan-out run.
export { PeerBroker } from './render/assets/peer-broker.ts';
export { govMetrics } from './gov/metrics-query.ts';
export { issuerCodes, type IssuerKey } from './gov/issuer.ts';
export { measureCase } from './gov/measure.ts';
// Gov notices: the outbox sender and SMS sink, for the PostgreSQL test with two senders.
export { openDatabase } from './db/client.ts';
export { OutboxSender } from './gov/notify/sender.ts';
export { LocalSmsSink, type SmsMessage, type SmsProvider } from './gov/notify/sms.ts';
