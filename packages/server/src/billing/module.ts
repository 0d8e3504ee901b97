import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { BillingDemo } from './demo.ts';
import { billingRoutes } from './routes.ts';
import { BillingService } from './service.ts';

/** Ledger, billing of finished runs, voucher programmes (算力券), statements and reports. */
export const billingModule: ModuleFactory = (ctx) => {
  const service = new BillingService(ctx.db, ctx.bus, ctx.log, ctx.compute.runs, { paymentHmacKey: ctx.config.SHUZHI_PAYMENT_HMAC_KEY });
  const demo = new BillingDemo(ctx, service);
  const mod: ServerModule & { service: BillingService } = {
    name: 'billing',
    service,
    migrationsFolder: fileURLToPath(new URL('../../drizzle/billing', import.meta.url)),
    routes: () => billingRoutes(service, ctx.log),
    async start() {
      ctx.compute.dispatcher.admit = (t, siteId, transferFen) => service.admitTask(t, siteId, transferFen);
      ctx.compute.externalWork.admit = (w) => service.admitTask(w, w.siteId, 0);
      await service.start();
    },
    async stop() {
      ctx.compute.dispatcher.admit = null;
      ctx.compute.externalWork.admit = null;
      await service.stop();
    },
    seedDemo: () => demo.seed(),
    startDemo: (baseUrl) => demo.start(baseUrl),
    stopDemo: () => demo.stop(),
  };
  return mod;
};
