import { PreemptReason, type JobStatus, type SubmitJob } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, str, UsageError } from './args.ts';

export const jobHelp = `shuzhi job submit --name NAME --type gpu|cpu|render --units N --hours H --command CMD
                  [--regions xinjiang,…] [--sites shihezi,…] [--priority 0-100] [--tenant ID] [--wait]
                  [--after ok:JOB,any:JOB,notok:JOB] [--on-parent-failure cancel|hold]
                  [--array 0-99%10]    (each task sees SHUZHI_ARRAY_TASK_ID / SLURM_ARRAY_TASK_ID)
                  [--project P] [--accelerator A800] [--min-mem GB] [--one-group]
                  [--checkpoint [--grace SECONDS]]   (it saves $SHUZHI_CHECKPOINT_DIR on SIGTERM: resumable)
shuzhi job list [--status STATUS] [--json]
shuzhi job get ID [--json]
shuzhi job tasks ID [--json]      an array's tasks, with their indices and states
shuzhi job logs ID [--task INDEX]
shuzhi job cancel ID
shuzhi job preempt ID [--reason operator|priority|cheaper-window|quota-reclaim]   (operators)

Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

const fen = (f: number) => `¥${(f / 100).toFixed(2)}`;

export async function jobCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, { switches: ['json', 'wait', 'one-group', 'checkpoint'], values: ['reason', 'grace', 'name', 'type', 'units', 'hours', 'command', 'priority', 'regions', 'sites', 'tenant', 'status', 'server', 'token', 'after', 'on-parent-failure', 'array', 'task', 'project', 'accelerator', 'min-mem'] });
  if (!sub || flags.help || sub === '--help') {
    console.log(jobHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  switch (sub) {
    case 'submit': {
      const body = {
        name: str(flags, 'name'),
        type: str(flags, 'type') as SubmitJob['type'],
        units: Number(str(flags, 'units', '1')),
        hours: Number(str(flags, 'hours', '1')),
        command: str(flags, 'command'),
        priority: Number(str(flags, 'priority', '50')),
        regions: typeof flags.regions === 'string' ? flags.regions.split(',').filter(Boolean) : [],
        sites: typeof flags.sites === 'string' ? flags.sites.split(',').filter(Boolean) : [],
        ...(typeof flags.tenant === 'string' ? { tenantId: flags.tenant } : {}),
        ...(typeof flags.after === 'string' ? { after: parseAfter(flags.after) } : {}),
        ...(typeof flags['on-parent-failure'] === 'string' ? { onParentFailure: flags['on-parent-failure'] as 'cancel' | 'hold' } : {}),
        ...(typeof flags.array === 'string' ? { array: flags.array } : {}),
        ...(typeof flags.project === 'string' ? { project: flags.project } : {}),
        ...(typeof flags.accelerator === 'string' ? { accelerator: flags.accelerator } : {}),
        ...(typeof flags['min-mem'] === 'string' ? { minMemGB: Number(flags['min-mem']) } : {}),
        ...(flags['one-group'] ? { oneGroup: true } : {}),
        ...(flags.checkpoint ? { checkpoint: true } : {}),
        ...(typeof flags.grace === 'string' ? { preemptGraceSeconds: Number(flags.grace) } : {}),
      };
      const job = await ok(api.http.POST('/api/jobs', { body }));
      console.log(flags.json ? JSON.stringify(job, null, 2) : `submitted ${job.id} (${job.status})${job.held ? ` — ${job.held}` : job.explanation ? ` — ${job.explanation}` : ''}`);
      if (flags.wait) return waitFor(api, job.id);
      return 0;
    }
    case 'list': {
      // The server names an unknown status in its 400.
      const query = typeof flags.status === 'string' ? { status: flags.status as JobStatus } : {};
      const res = await ok(api.http.GET('/api/jobs', { params: { query } }));
      if (flags.json) console.log(JSON.stringify(res, null, 2));
      else {
        console.log(`${'ID'.padEnd(28)} ${'STATUS'.padEnd(10)} ${'SITE'.padEnd(10)} ${'COST'.padStart(10)}  NAME`);
        for (const j of res.items) {
          const tail = j.array ? `  [array ${j.array.spec}: ${counted(j.array.counts)}]` : j.held ? `  (${j.held})` : '';
          console.log(`${j.id.padEnd(28)} ${j.status.padEnd(10)} ${(j.siteId ?? '-').padEnd(10)} ${(j.usage ? fen(j.usage.costFen) : '-').padStart(10)}  ${j.name}${tail}`);
        }
        console.log(`${res.items.length} of ${res.total}`);
      }
      return 0;
    }
    case 'get': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi job get ID');
      const j = await ok(api.http.GET('/api/jobs/{id}', { params: { path: { id } } }));
      if (flags.json) console.log(JSON.stringify(j, null, 2));
      else {
        console.log(`${j.id}  ${j.name}\n  status ${j.status}  site ${j.siteId ?? '-'}  ${j.units} ${j.type} × ${j.hours} h`);
        if (j.explanation) console.log(`  why: ${j.explanation}`);
        if (j.held) console.log(`  ${j.held}`);
        if (j.error) console.log(`  error: ${j.error}`);
        for (const d of j.dependencies ?? []) console.log(`  after${d.kind} ${d.jobId}: ${d.state}`);
        for (const d of j.dependants ?? []) console.log(`  ${d.jobId} waits for it (after${d.kind})`);
        if (j.array) console.log(`  array ${j.array.spec}: ${j.array.size} tasks${j.array.cap ? `, at most ${j.array.cap} at once` : ''} — ${counted(j.array.counts)}`);
        if (j.workflow) console.log(`  step ${j.workflow.step} of workflow ${j.workflow.id}`);
        for (const r of j.runs) {
          const u = r.usage;
          console.log(`  run #${r.attempt} ${r.status} on ${r.agentId ?? '-'}${u ? `: ${u.unitHours.toFixed(3)} unit-h, ${u.energyKWh.toFixed(2)} kWh (${u.greenKWh.toFixed(2)} green), ${(u.carbonG / 1000).toFixed(2)} kg CO2, ${fen(u.costFen)}` : ''}`);
          if (r.preemption) console.log(`    ${preemptionLine(r.preemption)}`);
          for (const x of r.suspensions ?? []) {
            console.log(`    suspended in place ${x.from} for a cheaper window (saves ¥${(x.saveFen / 100).toFixed(2)} / ${x.saveKg.toFixed(2)} kg CO2e): ${x.resumedAt ? (x.resumedAt === r.endedAt ? `until its run ended ${x.resumedAt}` : `resumed ${x.resumedAt}`) : `resumes at ${x.until}`}; not metered while suspended`);
          }
        }
      }
      return 0;
    }
    case 'tasks': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi job tasks ID');
      const res = await ok(api.http.GET('/api/jobs/{id}/tasks', { params: { path: { id }, query: { limit: 1000 } } }));
      if (flags.json) console.log(JSON.stringify(res, null, 2));
      else {
        console.log(`${'INDEX'.padStart(7)} ${'STATUS'.padEnd(10)} ${'SITE'.padEnd(10)} ATTEMPT`);
        for (const t of res.items) console.log(`${String(t.index ?? '-').padStart(7)} ${t.status.padEnd(10)} ${(t.siteId ?? '-').padEnd(10)} ${t.attempt}`);
        console.log(`${res.items.length} of ${res.total} made (tasks not yet made are counted as pending in shuzhi job get)`);
      }
      return 0;
    }
    case 'logs': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi job logs ID [--task INDEX]');
      const query = typeof flags.task === 'string' ? { task: Number(flags.task) } : {};
      const res = await ok(api.http.GET('/api/jobs/{id}/logs', { params: { path: { id }, query } }));
      for (const l of res.items) process.stdout.write(l.text.endsWith('\n') ? l.text : `${l.text}\n`);
      return 0;
    }
    case 'cancel': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi job cancel ID');
      const j = await ok(api.http.POST('/api/jobs/{id}/cancel', { params: { path: { id } } }));
      console.log(`${j.id} ${j.status}`);
      return 0;
    }
    case 'preempt': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi job preempt ID [--reason operator|priority|cheaper-window|quota-reclaim]');
      const reason = PreemptReason.safeParse(flags.reason ?? 'operator');
      if (!reason.success) throw new UsageError(`--reason must be one of ${PreemptReason.options.join(', ')}`);
      const res = await ok(api.http.POST('/api/jobs/{id}/preempt', { params: { path: { id } }, body: { reason: reason.data } }));
      for (const t of res.tasks) {
        console.log(`${t.taskId}: ${t.graceful ? 'SIGTERM sent; it saves its checkpoint and resumes from it' : 'stopped; it restarts from the beginning'}`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown job command "${sub}"\n${jobHelp}`);
  }
}

/** What a preempted run left: why, its checkpoint, and whether it is billed. */
const preemptionLine = (p: { reason: string; checkpointBytes: number | null; billed: boolean; window?: { resumeAt: string; saveFen: number; saveKg: number } | null }) =>
  `preempted for ${p.reason}; ${p.checkpointBytes !== null ? `checkpoint ${(p.checkpointBytes / 1024).toFixed(1)} KB saved, resumed from it` : 'no checkpoint: restarted from the beginning'}; ${p.billed ? 'billed' : 'not billed'}${
    p.window ? `; paused for a cheaper window: saves ¥${(p.window.saveFen / 100).toFixed(2)} / ${p.window.saveKg.toFixed(2)} kg CO2e, resumes at ${p.window.resumeAt}` : ''
  }`;

/** `{succeeded: 3, pending: 0}` → `3 succeeded` (states with none left out). */
export const counted = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'no tasks';

/** `ok:job_1,any:job_2` (a bare id is afterok), as Slurm's --dependency reads. */
export function parseAfter(v: string): { kind: 'ok' | 'any' | 'notok'; jobId: string }[] {
  return v
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const m = /^(?:(ok|any|notok|afterok|afterany|afternotok):)?(.+)$/.exec(part);
      if (!m) throw new UsageError(`--after: "${part}" is not ok:JOB, any:JOB or notok:JOB`);
      return { kind: (m[1] ?? 'ok').replace(/^after/, '') as 'ok' | 'any' | 'notok', jobId: m[2]! };
    });
}

export async function waitFor(api: ApiClient, id: string): Promise<number> {
  let last = '';
  for (;;) {
    const j = await ok(api.http.GET('/api/jobs/{id}', { params: { path: { id } } }));
    if (j.status !== last) {
      console.error(`${new Date().toISOString()} ${id} ${j.status}`);
      last = j.status;
    }
    if (j.status === 'succeeded') return 0;
    if (j.status === 'failed' || j.status === 'cancelled') return 1;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const siteHelp = `shuzhi site list [--json]    the network's sites with live utilisation and green share`;

export async function siteCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags } = parseArgs(rest, { switches: ['json'], values: ['server', 'token'] });
  if (sub !== 'list' || flags.help) {
    console.log(siteHelp);
    return sub === 'list' || flags.help ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const res = await ok(api.http.GET('/api/sites'));
  if (flags.json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  console.log(`${'SITE'.padEnd(11)} ${'REGION'.padEnd(10)} ${'KIND'.padEnd(14)} ${'PFLOPS'.padStart(8)} ${'UTIL'.padStart(6)} ${'GREEN'.padStart(6)} AGENTS  NAME`);
  for (const s of res.items) {
    const l = s.live;
    console.log(
      `${s.id.padEnd(11)} ${s.region.padEnd(10)} ${s.kind.padEnd(14)} ${(l?.pflopsOnline ?? 0).toFixed(0).padStart(8)} ${((l?.utilisation ?? 0) * 100).toFixed(1).padStart(5)}% ${((l?.greenShareNow ?? 0) * 100).toFixed(0).padStart(5)}% ${String(l?.agentsOnline ?? 0).padStart(6)}  ${s.nameEn}`,
    );
  }
  return 0;
}
