import { eq } from 'drizzle-orm';
import { account, meterRun, siteLoadKW } from '@shuzhi/compute';
import type { Principal } from '../auth/principal.ts';
import type { ModuleContext } from '../module.ts';
import { billingProgrammes } from './db-schema.ts';
import { balanceOf } from './ledger.ts';
import { ProgrammeService } from './programmes.ts';
import type { BillingService } from './service.ts';

const DAY = 86_400_000;
export const DEMO_PROGRAMME = 'shihezi-green-2026';

/** AI companies the demo adds beside the core demo tenants, each with a login. */
const EXTRA_TENANTS = [
  { id: 'gobi-vision', name: '戈壁视觉智能（演示）Gobi Vision AI (demo)', username: 'tenant3', displayName: '戈壁视觉 Gobi Vision' },
  { id: 'junggar-llm', name: '准噶尔大模型（演示）Junggar LLM (demo)', username: 'tenant4', displayName: '准噶尔大模型 Junggar LLM' },
];

/**
 * The demo: an illustrative Shihezi programme (Hangzhou-like 30 % on domestic GPUs, Shihezi park
 * only, AI companies), three AI tenants part-way through their vouchers, a pending and a rejected
 * application, one voucher already expired, history billed from real run records, and live jobs.
 */
export class BillingDemo {
  private timer: NodeJS.Timeout | null = null;
  private n = 0;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly billing: BillingService,
  ) {}

  async seed(): Promise<string[]> {
    const [exists] = await this.ctx.db.select().from(billingProgrammes).where(eq(billingProgrammes.id, DEMO_PROGRAMME));
    const lines = [
      '  Billing demo: programme admin "programme" (Shihezi vouchers, illustrative rules);',
      `  more AI tenants: ${EXTRA_TENANTS.map((t) => `${t.username} / ${t.username}-demo`).join(', ')}`,
    ];
    if (exists) return lines;
    const now = Date.now();
    const operator = (await this.ctx.auth.byOperatorName())!;
    for (const t of EXTRA_TENANTS) {
      const tenantsNow = await this.ctx.compute.network.listTenants();
      if (!tenantsNow.some((x) => x.id === t.id)) await this.ctx.compute.network.createTenant({ id: t.id, name: t.name, kind: 'ai-company' }, 'seed');
      if (!(await this.ctx.auth.userIdByName(t.username))) {
        await this.ctx.auth.createUser({ username: t.username, password: `${t.username}-demo`, role: 'tenant', displayName: t.displayName, tenantId: t.id });
      }
    }
    const progs = this.billing.programmes;
    await progs.create(operator, {
      id: DEMO_PROGRAMME,
      nameZh: '石河子绿色算力券（示意）',
      nameEn: 'Shihezi green compute vouchers (illustrative)',
      issuer: '石河子市（示意）Shihezi (illustrative)',
      illustrative: true,
      tenantKinds: ['ai-company'],
      siteIds: ['shihezi'],
      regions: [],
      ratesBp: { gpu: 3000, cpu: 2000 },
      capPerTenantFen: 800_000_000,
      voucherDays: 90,
      validFrom: new Date(now - 120 * DAY).toISOString(),
      validTo: new Date(now + 245 * DAY).toISOString(),
      budgetFen: 5_000_000_000,
      admins: ['programme'],
      idempotencyKey: 'demo-seed-programme',
    });
    for (const t of ['tianshan-ai', 'karamay-studio', 'xju-lab', ...EXTRA_TENANTS.map((x) => x.id)]) {
      await this.billing.topUps.recordPaid(operator, t, { amountFen: 3_000_000, idempotencyKey: `demo-seed-topup-${t}` });
    }
    const admin = await this.ctx.auth.login('programme', 'programme-demo');
    const programmeUser = admin?.principal ?? operator;
    // Decisions taken in the past, with the programme's clock set back, so vouchers carry their real dates.
    const at = (daysAgo: number) => new ProgrammeService(this.ctx.db, this.ctx.bus, () => now - daysAgo * DAY);
    const tenantUser = async (tenantId: string): Promise<Principal> => ({ ...operator, role: 'tenant', tenantId, userId: `seed-${tenantId}` });
    const grant = async (tenantId: string, fen: number, daysAgo: number, purpose: string) => {
      const app = await at(daysAgo).apply(await tenantUser(tenantId), DEMO_PROGRAMME, { requestedFen: fen, purpose });
      await at(daysAgo).decide(programmeUser, app.id, { decision: 'approve', reason: '', idempotencyKey: `demo-seed-${app.id}` });
    };
    await grant('tianshan-ai', 300_000, 100, '行业大模型预训练 Industry model pre-training');
    await grant('gobi-vision', 400_000, 100, '视觉基础模型试训 Vision foundation model trial');
    await grant('tianshan-ai', 2_000_000, 40, '多模态模型微调 Multimodal fine-tuning');
    await grant('gobi-vision', 1_500_000, 30, '遥感图像分割模型 Remote-sensing segmentation');
    const rejected = await at(12).apply(await tenantUser('gobi-vision'), DEMO_PROGRAMME, { requestedFen: 9_000_000, purpose: '追加训练 Extra training' });
    await at(11).decide(programmeUser, rejected.id, {
      decision: 'reject',
      reason: '申请额超出已提交的训练计划；请附上训练计划后重新申请 Amount exceeds the submitted training plan; reapply with the plan attached',
      idempotencyKey: `demo-seed-${rejected.id}`,
    });
    await at(2).apply(await tenantUser('junggar-llm'), DEMO_PROGRAMME, { requestedFen: 1_000_000, purpose: '中文法律大模型训练 Legal LLM training' });
    await this.history(now);
    await this.billing.sweep();
    return lines;
  }

  /** Past runs written as the dispatcher writes them, then billed by the same path as live runs. */
  private async history(now: number): Promise<void> {
    const rnd = (): number => this.ctx.rng.next();
    const plan: { tenantId: string; siteId: string; type: string; units: number; fromDay: number; toDay: number; count: number }[] = [
      { tenantId: 'tianshan-ai', siteId: 'shihezi', type: 'gpu', units: 64, fromDay: 98, toDay: 92, count: 3 },
      { tenantId: 'tianshan-ai', siteId: 'shihezi', type: 'gpu', units: 64, fromDay: 38, toDay: 1, count: 12 },
      { tenantId: 'tianshan-ai', siteId: 'hami', type: 'gpu', units: 32, fromDay: 35, toDay: 3, count: 3 },
      // Gobi Vision used part of its first voucher, then paused until it had expired: the rest went back.
      { tenantId: 'gobi-vision', siteId: 'shihezi', type: 'gpu', units: 48, fromDay: 96, toDay: 91, count: 2 },
      { tenantId: 'gobi-vision', siteId: 'shihezi', type: 'gpu', units: 48, fromDay: 9, toDay: 1, count: 8 },
      { tenantId: 'junggar-llm', siteId: 'korla', type: 'gpu', units: 32, fromDay: 20, toDay: 2, count: 4 },
      { tenantId: 'karamay-studio', siteId: 'karamay', type: 'render', units: 200, fromDay: 30, toDay: 1, count: 6 },
      { tenantId: 'xju-lab', siteId: 'urumqi', type: 'cpu', units: 512, fromDay: 25, toDay: 4, count: 3 },
    ];
    for (const p of plan) {
      const site = await this.ctx.compute.network.getSite(p.siteId);
      const pool = site.pools.find((x) => x.type === p.type)!;
      for (let i = 0; i < p.count; i++) {
        const day = p.fromDay - ((p.fromDay - p.toDay) * i) / Math.max(1, p.count - 1);
        const hours = 4 + Math.round(rnd() * 8);
        const startMs = Math.round((now - day * DAY) / 3600_000) * 3600_000;
        const endMs = startMs + hours * 3600_000;
        const usage = meterRun({ site, pool, units: p.units, startMs, endMs, siteLoadKW: siteLoadKW(site, site.pools, { [p.type]: p.units }) });
        await this.ctx.compute.runs.recordPast([{
          tenantId: p.tenantId,
          siteId: p.siteId,
          type: p.type,
          units: p.units,
          hours,
          name: `${p.type === 'render' ? 'Render batch' : p.type === 'cpu' ? 'Sequence alignment' : 'Training run'} (history ${i + 1})`,
          command: 'echo demo history',
          createdBy: 'seed',
          home: p.siteId,
          startedAt: new Date(startMs),
          endedAt: new Date(endMs),
          usage: { unitHours: usage.unitHours, energyKWh: usage.energyKWh, greenKWh: usage.greenKWh, carbonG: usage.carbonG, costFen: usage.costFen },
        }]);
      }
    }
  }

  /** Live jobs for the AI tenants, placed in Xinjiang (Shihezi is its cheapest GPU park), billed as they finish. */
  async start(_baseUrl: string): Promise<void> {
    this.timer = setInterval(() => void this.submit().catch((err: unknown) => this.ctx.log.warn({ err }, 'billing demo job failed')), 15_000);
    this.timer.unref();
  }

  /** Demo tenants pay their bills; when a wallet runs low the demo tops it up, as a finance team would. */
  private async keepWalletsFunded(operator: Principal): Promise<void> {
    const tenants = ['tianshan-ai', 'karamay-studio', 'xju-lab', ...EXTRA_TENANTS.map((x) => x.id)];
    for (const t of tenants) {
      if ((await balanceOf(this.ctx.db, account.wallet(t))) >= 500_000) continue;
      await this.billing.topUps.recordPaid(operator, t, { amountFen: 3_000_000, idempotencyKey: `demo-refill-${t}-${Date.now()}` });
    }
  }

  private async submit(): Promise<void> {
    const operator = await this.ctx.auth.byOperatorName();
    if (!operator) return;
    await this.keepWalletsFunded(operator);
    const c = this.ctx.compute.dispatcher.counts();
    if (c.running + c.planned + c.unplaced >= 10) return;
    const tenantId = ['gobi-vision', 'junggar-llm', 'tianshan-ai'][this.n++ % 3]!;
    await this.ctx.compute.jobs.submit(operator, {
      name: `Green fine-tune #${this.n}`,
      type: 'gpu',
      units: 64,
      hours: 0.25,
      tenantId,
      env: {},
      flex: 'malleable',
      dataGB: 0,
      regions: ['xinjiang'],
      // The programme's vouchers pay only at the Shihezi park, so its holders run their work there.
      sites: ['shihezi'],
      priority: 50,
      // A near deadline: the planner would otherwise hold the job for the day's cheapest hour.
      deadlineAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      command: 'for i in $(seq 1 10); do echo "step $i/10"; sleep 2; done',
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
