/**
 * @shuzhi/server's public entry: what code outside this package may use. Open a Platform with a
 * config, start it and listen; seed the demo; run a CLI command in-process; read a module's service
 * through the types below. Anything else is internal: tests and benches that need internals use
 * `@shuzhi/server/testing`, and nothing imports files under src/ directly (test/boundaries.test.ts).
 */
export { LISTEN_BACKLOG, Platform, VERSION, type PlatformOptions } from './platform.ts';
export { fleetLeaseMs, fleetLeasePolicyOf, MAX_FLEET_LEASE_MS, type FleetLeasePolicy } from './workers/fleet-lease.ts';
export { loadConfig, configHelp, ConfigError, type Config } from './config.ts';
export { createLogger, type Logger } from './log.ts';
export { seedDemo, demoPassword, type DemoCredentials } from './demo/seed.ts';
export { demoSites } from './demo/network.ts';
export type { ModuleContext, ServerModule } from './module.ts';
export type { Principal } from './auth/principal.ts';

// The CLI's commands, callable in-process (the `shuzhi` command is bin/shuzhi.mjs).
export { planCommand, planReport, formatTable, type PlanIo, type PlanReport } from './cli/plan.ts';
export { backupCommand, restoreCommand, type CliIo } from './cli/backup.ts';

// Modules' services, for callers that hold a Platform (benches) and reach one through `platform.modules`.
export type { BillingService } from './billing/service.ts';
export type { GovServerModule } from './gov/module.ts';
export type { MineService } from './mine/service.ts';
