import type { WorkerCredential } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, UsageError } from './args.ts';

export const workersHelp = `shuzhi workers enroll|list|rotate|revoke — manage the workers enrolled at sites (operators; a tenant for a site it owns)

  shuzhi workers enroll --site ID --name NAME   enroll a worker; prints its credential once (give it to the worker host)
  shuzhi workers list [--site ID] [--all]       enrolled workers (--all: with revoked ones)
  shuzhi workers rotate WORKER_ID              a new credential; the old one stops working at once
  shuzhi workers revoke WORKER_ID              refuse the worker from now on; its running tasks are requeued
Options: --server URL --token T (or SHUZHI_SERVER / SHUZHI_TOKEN), --json`;

const printCredential = (w: WorkerCredential) => {
  console.log(`worker ${w.id} (${w.name}) at site ${w.siteId}`);
  console.log(`credential (shown once; store it on the worker host, e.g. in SHUZHI_WORKER_CREDENTIAL):`);
  console.log(w.credential);
};

export async function workersCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, { switches: ['json', 'all'], values: ['site', 'name', 'server', 'token'] });
  if (!sub || flags.help || sub === '--help') {
    console.log(workersHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const out = (v: unknown) => console.log(JSON.stringify(v, null, 2));
  switch (sub) {
    case 'enroll': {
      if (typeof flags.site !== 'string' || typeof flags.name !== 'string') throw new UsageError('enroll needs --site ID and --name NAME');
      const w = await ok(api.http.POST('/api/workers', { body: { siteId: flags.site, name: flags.name } }));
      if (flags.json) out(w);
      else printCredential(w);
      return 0;
    }
    case 'list': {
      const query = { ...(typeof flags.site === 'string' ? { siteId: flags.site } : {}), ...(flags.all ? { includeRevoked: '1' as const } : {}) };
      const res = await ok(api.http.GET('/api/workers', { params: { query } }));
      if (flags.json) return out(res), 0;
      console.log(`${'WORKER'.padEnd(24)} ${'SITE'.padEnd(11)} ${'NAME'.padEnd(20)} ${'LAST SEEN'.padEnd(25)} STATE`);
      for (const w of res.items) {
        console.log(`${w.id.padEnd(24)} ${w.siteId.padEnd(11)} ${w.name.padEnd(20)} ${(w.lastSeenAt ?? '—').padEnd(25)} ${w.revokedAt ? `revoked ${w.revokedAt}` : 'enrolled'}`);
      }
      return 0;
    }
    case 'rotate':
    case 'revoke': {
      const id = positional[0];
      if (!id) throw new UsageError(`${sub} needs a worker id (shuzhi workers list)`);
      if (sub === 'rotate') {
        const w = await ok(api.http.POST('/api/workers/{id}/rotate', { params: { path: { id } } }));
        if (flags.json) out(w);
        else printCredential(w);
      } else {
        const w = await ok(api.http.DELETE('/api/workers/{id}', { params: { path: { id } } }));
        if (flags.json) out(w);
        else console.log(`worker ${w.id} (${w.name}) revoked at ${w.revokedAt}`);
      }
      return 0;
    }
    default:
      console.error(`unknown subcommand "${sub}"\n\n${workersHelp}`);
      return 2;
  }
}
