import { join } from 'node:path';
import type { SiteInput } from '@shuzhi/schema';
import type { Logger } from '../log.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { NetworkStore } from './network-store.ts';
import { SlurmExecutor, type SlurmSiteConfig } from './slurm/index.ts';

/** What a Slurm site's executor is built from; a change means a new executor. */
const fingerprint = (s: SiteInput) => JSON.stringify(s.slurm);

/**
 * Keeps one SlurmExecutor per Slurm site registered with the dispatcher, following the sites as the
 * operator adds, changes or removes them. A site whose settings cannot be served (incomplete slurmrestd
 * settings, its token variable unset) gets no executor: the dispatcher then places nothing there, and the
 * reason is logged and shown on the site.
 */
export class SlurmSites {
  private readonly running = new Map<string, { fp: string; ex: SlurmExecutor }>();
  /** Sites left without an engine, and why (shown on the site's page). */
  private readonly problems = new Map<string, string>();
  private readonly probeErrors = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly network: NetworkStore,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    private readonly workRoot: string,
  ) {}

  /** Brings the executors in line with the sites table; calls are serialised. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).catch((err) => this.log.error({ err }, 'Slurm sites could not be synced'));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const sites = (await this.network.listSites()).filter((s) => s.engine === 'slurm');
    const wanted = new Map(sites.map((s) => [s.id, s]));
    for (const [id, cur] of this.running) {
      const s = wanted.get(id);
      if (s && fingerprint(s) === cur.fp) continue;
      this.dispatcher.unregisterExecutor(id, 'slurm');
      this.running.delete(id);
      await cur.ex.close();
      this.log.info({ siteId: id }, s ? 'Slurm settings changed; executor replaced' : 'Slurm site removed; executor closed');
    }
    for (const s of sites) {
      if (this.running.has(s.id)) continue;
      const cfg = siteConfig(s, join(this.workRoot, s.id));
      if (typeof cfg === 'string') {
        if (this.problems.get(s.id) !== cfg) this.log.warn({ siteId: s.id, reason: cfg }, 'Slurm site has no engine');
        this.problems.set(s.id, cfg);
        continue;
      }
      this.problems.delete(s.id);
      const ex = new SlurmExecutor(cfg, { host: this.dispatcher.host, log: this.log.child({ siteId: s.id, engine: 'slurm' }) });
      // Registered even when the controller does not answer: work it held before a restart is its own
      // to re-attach; the dispatcher just places nothing new there while it is degraded.
      this.running.set(s.id, { fp: fingerprint(s), ex });
      this.dispatcher.registerExecutor(s.id, ex);
      this.log.info({ siteId: s.id, partition: cfg.partition ?? '(default)' }, 'Slurm executor registered');
      void this.probe(s.id, ex);
    }
    for (const id of this.problems.keys()) if (!wanted.has(id)) this.problems.delete(id);
  }

  /** Asks degraded executors' controllers again, so a site comes back once its Slurm answers. */
  async probeDegraded(): Promise<void> {
    for (const [id, { ex }] of this.running) if (ex.degraded) await this.probe(id, ex);
  }

  private async probe(siteId: string, ex: SlurmExecutor): Promise<void> {
    const r = await ex.probe();
    if (r.ok) {
      this.probeErrors.delete(siteId);
      this.dispatcher.enginesChanged();
    } else this.probeErrors.set(siteId, r.error);
  }

  /** Why a Slurm site takes no work now, or null. */
  problem(siteId: string): string | null {
    const p = this.problems.get(siteId);
    if (p) return p;
    const cur = this.running.get(siteId);
    if (!cur) return 'the Slurm executor is not ready';
    if (!cur.ex.degraded) return null;
    // Jobs cannot run here at all (job user root or missing, job directories unusable): say so as such.
    if (cur.ex.problem) return cur.ex.problem;
    const why = this.probeErrors.get(siteId);
    return why ? `the Slurm controller does not answer (${why.slice(0, 300)}); retrying every 15 s` : 'waiting for the Slurm controller to answer';
  }

  async close(): Promise<void> {
    for (const { ex } of this.running.values()) await ex.close();
    this.running.clear();
  }
}

/** The executor's settings for a site, or why the site cannot be served. */
export function siteConfig(s: SiteInput, workRoot: string, env: NodeJS.ProcessEnv = process.env): SlurmSiteConfig | string {
  const st = s.slurm;
  if (!st) return `site ${s.id} runs on Slurm but has no Slurm settings; add them on the site`;
  const common = {
    siteId: s.id,
    ...(st.partition ? { partition: st.partition } : {}),
    workRoot,
    accounting: st.accounting,
    // Jobs run as an unprivileged user, in directories outside the server's data dir (see SlurmSiteConfig).
    ...(st.jobUser ? { jobUser: st.jobUser } : {}),
    ...(st.jobDir ? { jobRoot: join(st.jobDir, s.id) } : {}),
    ...(st.preemption ? { preemption: st.preemption } : {}),
    ...(st.suspendMaxHours ? { suspendMaxHours: st.suspendMaxHours } : {}),
  };
  if (st.mode === 'rest') {
    const missing = [
      ...(st.restUrl ? [] : ['restUrl (the slurmrestd URL)']),
      ...(st.restUser ? [] : ['restUser (the Slurm user of the token)']),
      ...(st.restTokenEnv ? [] : ['restTokenEnv (the name of the environment variable holding the JWT)']),
    ];
    if (missing.length > 0) return `site ${s.id}: slurmrestd settings incomplete, missing ${missing.join(', ')}`;
    // The token lives only in the server's environment; the settings name the variable.
    // `scontrol token` prints `SLURM_JWT=<token>`: either form is taken.
    const token = env[st.restTokenEnv!]?.trim().replace(/^SLURM_JWT=/, '');
    if (!token) return `site ${s.id}: the environment variable ${st.restTokenEnv} (the slurmrestd JWT) is not set for the server; set it to the token \`scontrol token username=${st.restUser}\` prints and restart the server`;
    if (st.accounting === 'jobcomp') return `site ${s.id}: slurmrestd cannot read the jobcomp log; use accounting "slurmdbd" or "none"`;
    return { ...common, connection: { kind: 'rest', url: st.restUrl!, user: st.restUser!, token } };
  }
  return {
    ...common,
    connection: { kind: 'cli', ...(st.slurmConf ? { slurmConf: st.slurmConf } : {}), ...(st.binDir ? { binDir: st.binDir } : {}) },
  };
}
