import { z } from 'zod';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { zodIssues } from './errors.ts';
import { parseProxyList } from './http/client-address.ts';
import { parseKey } from './secrets/secret-box.ts';

const MiB = 1024 ** 2;
const bytes = (def: number) => z.coerce.number().int().min(1024).max(2 ** 45).default(def);

/** Environment variables Shuzhi reads; `shuzhi --help` lists them from here. */
export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Unset: 127.0.0.1 while the demo (public passwords) runs, 0.0.0.0 otherwise. */
  HOST: z.string().min(1).optional(),
  SHUZHI_DATA_DIR: z.string().default('./data'),
  SHUZHI_PGLITE_SHARED_BUFFERS_MB: z.coerce.number().int('must be a whole number').min(1).max(1024).default(32),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SHUZHI_BOOTSTRAP_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  SHUZHI_PAYMENT_HMAC_KEY: z.string().min(32, 'use at least 32 characters (e.g. the output of: openssl rand -hex 32)').optional(),
  SHUZHI_SECRETS_KEY: z
    .string()
    .refine((s) => parseKey(s) !== null, 'must be 32 random bytes in base64 (e.g. the output of `openssl rand -base64 32`)')
    .optional(),
  SHUZHI_DEMO: z.enum(['0', '1']).default('1'),
  SHUZHI_DEMO_AGENTS: z.coerce.number().int().min(0).max(64).default(2),
  SHUZHI_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  SHUZHI_HEARTBEAT_BUDGET: z.coerce
    .number()
    .int('must be a whole number of heartbeats a second')
    .min(0, 'must be 0 (off: every task gets SHUZHI_LEASE_MS) or more heartbeats a second')
    .max(1_000_000)
    .default(1000),
  SHUZHI_FAIRSHARE_HALF_LIFE_HOURS: z.coerce.number().positive().max(24 * 365).default(168),
  SHUZHI_QUOTA_RECLAIM_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  SHUZHI_PREEMPT_MAX_PER_JOB: z.coerce.number().int().min(0).max(100).default(2),
  SHUZHI_PREEMPT_WINDOW_MIN_FEN: z.coerce.number().min(0).max(1e9).default(500),
  SHUZHI_PREEMPT_WINDOW_MIN_KG: z.coerce.number().min(0).max(1e6).default(5),
  SHUZHI_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  SHUZHI_LEADER_TTL_MS: z.coerce.number().int().min(1000, 'at least 1000 ms').max(20_000, 'at most 20000 ms: a dead leader must be replaced within 30 s').default(10_000),
  SHUZHI_REPLICA_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL at which the other replicas reach this one, e.g. http://10.0.0.5:8080' })
    .optional(),
  SHUZHI_WORK_DIR: z.string().optional(),
  SHUZHI_MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  SHUZHI_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://shuzhi.example.cn' })
    .optional(),
  SHUZHI_TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      try {
        parseProxyList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  SHUZHI_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  SHUZHI_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(50),
  SHUZHI_LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SHUZHI_MAX_BODY_BYTES: bytes(1 * MiB),
  SHUZHI_MAX_UPLOAD_BYTES: bytes(2 * 1024 * MiB),
  SHUZHI_MAX_FRAME_BYTES: bytes(512 * MiB),
  SHUZHI_MAX_SYNC_BYTES: bytes(64 * MiB),
  SHUZHI_SYNCS_PER_TURN: z.coerce.number().int('must be a whole number').min(1).max(100_000).default(1000),
  // gov
  SHUZHI_PUBLIC_VERIFY_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  SHUZHI_SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.cn:587' })
    .optional(),
  SHUZHI_SMTP_FROM: z.string().regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an e-mail address, optionally with a name: 数智政务 <no-reply@example.cn>').default('Shuzhi <no-reply@shuzhi.invalid>'),
  SHUZHI_GOV_SMS_SINK: z.string().min(1).optional(),
  SHUZHI_GOV_DEMO_PER_MINUTE: z.coerce.number().min(0).max(60).default(3),
  // The render farm's settings, one block.
  SHUZHI_RENDER_SITE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a site id such as karamay').default('karamay'),
  SHUZHI_RENDER_SHARED_ROOTS: z
    .string()
    .default('')
    .refine((v) => v.split(':').every((dir) => dir === '' || dir.startsWith('/')), 'must be absolute folders separated by \':\''),
  SHUZHI_RENDER_DEMO_NODES: z.coerce.number().int().min(0).max(16).default(3),
  SHUZHI_RENDER_VERIFY_FRAMES: z.enum(['0', '1']).default('1'),
  SHUZHI_RENDER_UPLOAD_QUOTA_MB: z.coerce.number().int('must be a whole number of MiB').min(0).max(1024 ** 3).default(10_240),
  SHUZHI_RENDER_STORE_SLOTS: z.coerce.number().int('must be a whole number').min(1).max(10_000).default(32),
  SHUZHI_RENDER_PEER_SERVES: z.coerce.number().int('must be a whole number').min(1).max(1000).default(4),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = Omit<z.infer<typeof ConfigSchema>, 'HOST'> & {
  /** The listen address: HOST, or its default (see configHelp). */
  HOST: string;
  /** True when HOST was set rather than defaulted. */
  hostExplicit: boolean;
  dataDir: string;
  workDir: string;
};

export const configHelp: Record<keyof z.infer<typeof ConfigSchema>, string> = {
  PORT: 'HTTP port (default 8080)',
  HOST: 'address to listen on (default 127.0.0.1 while the demo runs — its passwords are public —, 0.0.0.0 with SHUZHI_DEMO=0)',
  SHUZHI_DATA_DIR: 'where the embedded PGlite database and files live (default ./data)',
  SHUZHI_PGLITE_SHARED_BUFFERS_MB:
    "the embedded PGlite's page cache (PostgreSQL shared_buffers), MB (default 32); it lives in PGlite's WebAssembly memory, which never shrinks — the operating system still caches the files",
  DATABASE_URL: 'use this PostgreSQL instead of the embedded PGlite (postgres://user:pass@host:port/db)',
  SHUZHI_BOOTSTRAP_TOKEN: 'when the database is first created, this becomes an operator API token',
  SHUZHI_PAYMENT_HMAC_KEY: 'key shared with the payment provider: its callbacks (POST /api/public/billing/payment-callback) are signed with HMAC-SHA256 under it; unset = callbacks off, operators confirm top-ups',
  SHUZHI_SECRETS_KEY:
    'key that encrypts jobs\' env at rest: 32 bytes in base64 (`openssl rand -base64 32`); default: a key file made once in ' +
    '<data dir>/keys/secrets.key. With DATABASE_URL every server must be given the same key',
  SHUZHI_DEMO: 'seed and run the demo network (1) or start empty (0); default 1',
  SHUZHI_DEMO_AGENTS: 'embedded demo agents per agent site with work (default 2)',
  SHUZHI_LEASE_MS: 'task lease: a task whose agent is silent this long is requeued; agents heartbeat every third of it (default 30000); a big render farm hands out longer ones (SHUZHI_HEARTBEAT_BUDGET)',
  SHUZHI_HEARTBEAT_BUDGET:
    'heartbeats a second the render farm\'s nodes may send in all: past SHUZHI_LEASE_MS × budget / 3 nodes (10,000 at the defaults) a task\'s lease grows to 3 × nodes / budget seconds, at most 120 s, ' +
    'so 20,000 nodes get a 60 s lease and heartbeat every 20 s (a fifth to a quarter of one core, measured: 0.18–0.27 ms of CPU a heartbeat); the price: a dead node\'s task is requeued up to that lease after its last heartbeat (default 1000; 0 = always SHUZHI_LEASE_MS)',
  SHUZHI_FAIRSHARE_HALF_LIFE_HOURS: 'half-life of the usage behind each tenant\'s fair-share factor, in hours (default 168 = 7 days, as Slurm\'s PriorityDecayHalfLife)',
  SHUZHI_QUOTA_RECLAIM_SECONDS: 'how long borrowed work keeps running once the quota\'s owner waits for the units, before it is preempted (default 300)',
  SHUZHI_PREEMPT_MAX_PER_JOB: 'how often the platform may preempt one checkpointing job for more urgent work (default 2; 0 = never)',
  SHUZHI_PREEMPT_WINDOW_MIN_FEN: 'a running checkpointing job is paused for a cheaper window before its deadline when that saves at least this many fen, net of its checkpoint and restore (default 500 = ¥5; 0 = not by cost)',
  SHUZHI_PREEMPT_WINDOW_MIN_KG: '… or at least this many kg CO2e (default 5; 0 = not by carbon; both 0 = no cheaper-window pauses)',
  SHUZHI_SHUTDOWN_SECONDS:
    'on SIGTERM/SIGINT the server stops taking work, hands back leases, flushes writes and exits 0 within this long, else exits 1 (default 10); a second signal exits at once',
  SHUZHI_LEADER_TTL_MS:
    'with DATABASE_URL: the leader lease; singleton work (dispatchers, planner, timers) runs on the replica holding it, renewed every third ' +
    'of it; a dead leader is replaced within this time plus one renewal (default 10000, at most 20000)',
  SHUZHI_REPLICA_URL:
    'with DATABASE_URL: the URL other replicas reach this server at, to pass it worker syncs and other leader-only calls ' +
    '(default http://<HOST, or 127.0.0.1 for a wildcard>:<port>; set it when replicas run on several machines)',
  SHUZHI_WORK_DIR: 'task directories of the embedded demo workers (default <data dir>/work; as root /var/lib/shuzhi/work-<hash of the data dir>, outside the private data dir so task users can reach them)',
  SHUZHI_MQTT_URL: 'publish mine telemetry to this MQTT broker (mqtt://user:pass@host:1883); off when unset',
  SHUZHI_PUBLIC_URL: 'the URL browsers use (https://shuzhi.example.cn): accepted as Origin of cookie-authenticated writes; https makes the session cookie Secure and adds HSTS',
  SHUZHI_TRUSTED_PROXIES: 'reverse proxies (comma-separated IPs or CIDRs) whose X-Forwarded-For/-Proto/-Host are believed; default none',
  SHUZHI_LOGIN_MAX_FAILURES: 'wrong passwords per account within 15 min before logins are refused (429, doubling lock); default 5',
  SHUZHI_LOGIN_MAX_FAILURES_PER_ADDRESS: 'wrong passwords per client address within 15 min, any accounts; default 50',
  SHUZHI_LOGIN_LOCK_SECONDS: 'first login lock; each further failure doubles it, up to 15 min (default 60)',
  SHUZHI_MAX_BODY_BYTES: 'largest JSON request body (default 1 MiB; login takes 16 KiB, /api/public/* 64 KiB)',
  SHUZHI_MAX_UPLOAD_BYTES: 'largest render scene upload (default 2 GiB)',
  SHUZHI_MAX_FRAME_BYTES: 'largest frame, thumbnail or preview a worker uploads (default 512 MiB)',
  SHUZHI_MAX_SYNC_BYTES: 'largest worker sync (reports and logs) body (default 64 MiB)',
  SHUZHI_SYNCS_PER_TURN: 'worker syncs started per turn of the event loop; the rest wait their turn (asks for work and reports of work done may overtake the last 2 s of heartbeats), so an operator\'s call is not held behind every node\'s sync (default 1000)',
  // gov
  SHUZHI_PUBLIC_VERIFY_PER_MINUTE: 'public certificate verifications per client address per minute (default 60; past it 429 with Retry-After)',
  SHUZHI_SMTP_URL: 'SMTP server for gov notices by e-mail (smtp://user:pass@host:587, smtps://… for TLS); unset = e-mail off (said once at start)',
  SHUZHI_SMTP_FROM: 'sender of gov notice e-mails (default Shuzhi <no-reply@shuzhi.invalid>)',
  SHUZHI_GOV_SMS_SINK: 'file the LocalSmsSink writes gov SMS notices to — no carrier is called (default <data dir>/gov-sms-sink.jsonl; "off" = SMS off)',
  SHUZHI_GOV_DEMO_PER_MINUTE: 'living gov demo: synthetic one-thing applications per minute after a 7-day backfill (default 3; 0 = off; only with SHUZHI_DEMO=1)',
  SHUZHI_RENDER_SITE: 'site whose render pool meters the render farm\'s energy (default karamay)',
  SHUZHI_RENDER_SHARED_ROOTS: 'extra folders (\':\'-separated, absolute) that render jobs may name as shared-storage scenes; <data dir>/render/shared always is one',
  SHUZHI_RENDER_DEMO_NODES: 'embedded demo render nodes, 0-16 (default 3)',
  SHUZHI_RENDER_VERIFY_FRAMES: '0 = accept chunk completions without checking that the frames were uploaded (only for the bench\'s simulated nodes); default 1',
  SHUZHI_RENDER_UPLOAD_QUOTA_MB: 'MiB of uploaded scenes each tenant may keep (default 10240; 0 = no uploads)',
  SHUZHI_RENDER_STORE_SLOTS: 'scene blob transfers the asset store serves at once, and nodes it seeds per blob before nodes serve each other (default 32)',
  SHUZHI_RENDER_PEER_SERVES: 'transfers of a blob one render node serves to other nodes at once (default 4)',
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
    // One line, so a start that cannot proceed says why in one line (`shuzhi serve`).
    const issues = zodIssues(parsed.error.issues).map((i) => `${i.path}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${issues.join('; ')} (shuzhi serve --help lists the settings)`);
  }
  const dataDir = resolve(parsed.data.SHUZHI_DATA_DIR);
  // The demo seeds users whose passwords are printed in the README: never offer them to the network by default.
  const HOST = parsed.data.HOST ?? (parsed.data.SHUZHI_DEMO === '1' ? '127.0.0.1' : '0.0.0.0');
  return {
    ...parsed.data,
    HOST,
    hostExplicit: parsed.data.HOST !== undefined,
    dataDir,
    workDir: resolve(parsed.data.SHUZHI_WORK_DIR ?? defaultWorkDir(dataDir)),
  };
}

/**
 * Embedded workers' task directories. The data directory is private to the server (0700), and a root
 * server's tasks run as other users who must reach their directories, so those live outside it.
 */
function defaultWorkDir(dataDir: string): string {
  if (process.getuid?.() !== 0) return `${dataDir}/work`;
  return `/var/lib/shuzhi/work-${createHash('sha256').update(dataDir).digest('hex').slice(0, 10)}`;
}
