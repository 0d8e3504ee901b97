import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkingCalendar, seedRegistries, shanghaiDate } from '@shuzhi/gov';
import { RateLimiter } from '../http/rate-limit.ts';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { CatalogueStore } from './catalogue-store.ts';
import { seedGovDemo } from './demo.ts';
import { GovLiveDemo } from './demo-live.ts';
import { smtpDescription, smtpSender } from './notify/email.ts';
import { OutboxSender } from './notify/sender.ts';
import { LocalSmsSink } from './notify/sms.ts';
import { outboxStatus } from './notify/status.ts';
import { loadOrCreateIssuerKey } from './issuer.ts';
import { govMetrics } from './metrics-query.ts';
import { RegistryStore } from './registry-store.ts';
import { govRoutes } from './routes.ts';
import type { GovDeps, OutboxChannel } from './deps.ts';
import { GovService } from './service.ts';

const SLA_SWEEP_MS = 60_000;
/** The living demo stops filing new cases past this many (it still works the open ones): the database stays bounded. */
const DEMO_MAX_CASES = 3000;
/** How often the counts of public verifications are logged (they are not stored per call). */
const VERIFY_LOG_MS = 5 * 60_000;

export interface GovServerModule extends ServerModule {
  /** Available after init(); tests and the bench drive the service directly. */
  service: GovService;
  deps: GovDeps;
  catalogue: CatalogueStore;
  registry: RegistryStore;
  /** Delivers the notification outbox (e-mail, SMS); started with the module. */
  sender: OutboxSender;
  demo: GovLiveDemo | null;
}

/** 高效办成一件事: catalogue as data, registries, intake from every channel, back office, issuance, audit. */
export const govModule: ModuleFactory = (ctx) => {
  const catalogue = new CatalogueStore(ctx.db);
  const registry = new RegistryStore(ctx.db);
  let timer: NodeJS.Timeout | null = null;
  let verifyTimer: NodeJS.Timeout | null = null;
  const verifyLimit = new RateLimiter({ perWindow: ctx.config.SHUZHI_PUBLIC_VERIFY_PER_MINUTE, windowMs: 60_000 });
  let logged = { valid: 0, tampered: 0, revoked: 0, not_found: 0 };
  const smtpUrl = ctx.config.SHUZHI_SMTP_URL;
  const smsFile = ctx.config.SHUZHI_GOV_SMS_SINK ?? join(ctx.config.dataDir, 'gov-sms-sink.jsonl');
  const sms = smsFile === 'off' ? null : new LocalSmsSink(smsFile);
  const channels: OutboxChannel[] = [...(smtpUrl ? (['email'] as const) : []), ...(sms ? (['sms'] as const) : [])];
  const m: GovServerModule = {
    name: 'gov',
    migrationsFolder: fileURLToPath(new URL('../../drizzle/gov', import.meta.url)),
    catalogue,
    registry,
    service: undefined as unknown as GovService,
    deps: undefined as unknown as GovDeps,
    sender: undefined as unknown as OutboxSender,
    demo: null,
    async init() {
      await catalogue.seedIfEmpty();
      const clock = { now: () => Date.now() };
      // The base registries hold a few hundred synthetic, clearly fictional people and companies.
      if (await registry.isEmpty()) await registry.seed(seedRegistries({ households: 150, enterprises: 40, referenceDate: shanghaiDate(clock.now()) }));
      const key = await loadOrCreateIssuerKey(ctx.db);
      m.deps = { db: ctx.db, bus: ctx.bus, catalogue, registry, key, calendar: createWorkingCalendar(), clock, outboxChannels: channels };
      m.service = new GovService(m.deps);
      m.sender = new OutboxSender({ db: ctx.db, clock, log: ctx.log, email: smtpUrl ? smtpSender(smtpUrl, ctx.config.SHUZHI_SMTP_FROM) : null, sms });
    },
    routes: () => govRoutes(m.service, catalogue, verifyLimit, ctx.log, () => outboxStatus(ctx.db, { email: smtpUrl !== undefined, sms: sms?.description ?? null })),
    async start() {
      ctx.log.info(
        { email: smtpUrl ? smtpDescription(smtpUrl) : 'off (SHUZHI_SMTP_URL unset)', sms: sms?.description ?? 'off' },
        'gov notices: in the app always; e-mail and SMS through the outbox',
      );
      m.sender.start();
      timer = setInterval(() => {
        m.service.sweepSla().catch((err: unknown) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'gov SLA sweep failed'));
      }, SLA_SWEEP_MS);
      timer.unref();
      verifyTimer = setInterval(() => {
        const now = { ...m.service.verifications };
        const since = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - logged[k as keyof typeof logged]]));
        if (Object.values(since).some((v) => v > 0)) ctx.log.info({ verifications: since, total: now }, 'gov: public certificate verifications');
        logged = now;
      }, VERIFY_LOG_MS);
      verifyTimer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (verifyTimer) clearInterval(verifyTimer);
      verifyTimer = null;
      await m.demo?.stop();
      await m.sender.stop();
    },
    seedDemo: async () => [
      ...(await seedGovDemo(ctx.auth, ctx.db, m.service)),
      ctx.config.SHUZHI_GOV_DEMO_PER_MINUTE > 0
        ? `gov living demo: synthetic applicants file ${ctx.config.SHUZHI_GOV_DEMO_PER_MINUTE} cases/min through every channel (demo data; a week of history on first start)`
        : 'gov living demo: off (SHUZHI_GOV_DEMO_PER_MINUTE=0)',
      `gov notices: e-mail ${smtpUrl ? `via ${smtpDescription(smtpUrl)}` : 'off (SHUZHI_SMTP_URL unset)'}; SMS ${sms ? `to ${sms.description}` : 'off'}`,
    ],
    async startDemo() {
      const perMinute = ctx.config.SHUZHI_GOV_DEMO_PER_MINUTE;
      if (perMinute <= 0) return;
      m.demo = new GovLiveDemo(m.deps, ctx.auth, ctx.log, { seed: 20261206, maxCases: DEMO_MAX_CASES });
      // The week of history takes a while: it runs behind the started server, not before it.
      void m.demo.start(perMinute).catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'gov demo did not start'));
    },
    async stopDemo() {
      await m.demo?.stop();
    },
    metrics(pm) {
      // Both gauges read the same dashboard query: one read per scrape, not one per gauge.
      let shared: { at: number; figures: ReturnType<typeof govMetrics> } | null = null;
      const figures = () => {
        if (!shared || Date.now() - shared.at > 1000) shared = { at: Date.now(), figures: govMetrics(ctx.db, catalogue, ctx.clock.now()) };
        return shared.figures;
      };
      pm.gauge('shuzhi_gov_tasks', 'Department tasks by department and state (open, overdue = escalated and still open, approved)', ['department', 'state'], async () =>
        (await figures()).byDepartment.flatMap((d) => [
          { labels: { department: d.departmentId, state: 'open' }, value: d.open },
          { labels: { department: d.departmentId, state: 'overdue' }, value: d.overdue },
          { labels: { department: d.departmentId, state: 'approved' }, value: d.approved },
        ]));
      pm.gauge('shuzhi_gov_task_sla_compliance_ratio', 'Share of approved department tasks finished before their due time', [], async () => {
        const r = (await figures()).totals.taskSlaCompliance;
        return r === null ? [] : [{ value: r }];
      });
      pm.gauge('shuzhi_gov_outbox', 'Notices by e-mail and SMS by channel and state (pending, sent, failed, skipped)', ['channel', 'status'], async () =>
        (await outboxStatus(ctx.db, { email: smtpUrl !== undefined, sms: sms?.description ?? null })).counts.map((c) => ({ labels: { channel: c.channel, status: c.status }, value: c.n })));
      pm.counterOf('shuzhi_gov_verifications_total', 'Public certificate verifications by answer', ['result'], () =>
        Object.entries(m.service?.verifications ?? {}).map(([result, value]) => ({ labels: { result }, value })));
    },
  };
  return m;
};
