import { z } from 'zod';
import { resolve } from 'node:path';
import { zodIssues } from './errors.ts';

/** Environment variables Shuzhi reads; `shuzhi --help` lists them from here. */
export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  SHUZHI_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SHUZHI_BOOTSTRAP_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  SHUZHI_PAYMENT_HMAC_KEY: z.string().min(32, 'use at least 32 characters (e.g. the output of: openssl rand -hex 32)').optional(),
  SHUZHI_DEMO: z.enum(['0', '1']).default('1'),
  SHUZHI_DEMO_AGENTS: z.coerce.number().int().min(0).max(64).default(2),
  SHUZHI_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  SHUZHI_WORK_DIR: z.string().optional(),
  SHUZHI_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof ConfigSchema> & { dataDir: string; workDir: string };

export const configHelp: Record<keyof z.infer<typeof ConfigSchema>, string> = {
  PORT: 'HTTP port (default 8080)',
  HOST: 'address to listen on (default 0.0.0.0)',
  SHUZHI_DATA_DIR: 'where the embedded PGlite database and files live (default ./data)',
  DATABASE_URL: 'use this PostgreSQL instead of the embedded PGlite (postgres://user:pass@host:port/db)',
  SHUZHI_BOOTSTRAP_TOKEN: 'when the database is first created, this becomes an operator API token',
  SHUZHI_PAYMENT_HMAC_KEY: 'key shared with the payment provider: its callbacks (POST /api/public/billing/payment-callback) are signed with HMAC-SHA256 under it; unset = callbacks off, operators confirm top-ups',
  SHUZHI_DEMO: 'seed and run the demo network (1) or start empty (0); default 1',
  SHUZHI_DEMO_AGENTS: 'embedded demo agents per agent site with work (default 2)',
  SHUZHI_LEASE_MS: 'task lease: a task whose agent is silent this long is requeued (default 15000)',
  SHUZHI_WORK_DIR: 'work directories of embedded agents (default <data dir>/work)',
  SHUZHI_MQTT_URL: 'publish mine telemetry to this MQTT broker (mqtt://user:pass@host:1883); off when unset',
  LOG_LEVEL: 'pino log level (default info)',
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = zodIssues(parsed.error.issues).map((i) => `  ${i.path}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const dataDir = resolve(parsed.data.SHUZHI_DATA_DIR);
  return { ...parsed.data, dataDir, workDir: resolve(parsed.data.SHUZHI_WORK_DIR ?? `${dataDir}/work`) };
}
