import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sbatchDirectives } from '@shuzhi/compute';
import type { SbatchResult } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, UsageError } from './args.ts';
import { waitFor } from './job.ts';

export const sbatchHelp = `shuzhi sbatch SCRIPT [--dry-run] [--tenant ID] [--wait] [--json]

Submits a Slurm batch script as a job on the network. Its #SBATCH directives become the job:
  --job-name, --time, --ntasks × --cpus-per-task (CPU units), --gres=gpu:N / --gpus (GPU units),
  --partition (a site of the network, or the gpu/cpu pool), --begin, --deadline (Beijing time),
  --export=NAME,NAME2=value (NAME's value is read from your environment; only named variables are sent).
Every directive is listed as honoured, or ignored with the reason. --array and --dependency are refused
(not supported yet). --dry-run only shows what the script becomes.

Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

/** The values of the variables `--export=NAME` names without a value: the only part of your environment sent. */
function exportedFromEnvironment(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of sbatchDirectives(script)) {
    if (d.name !== 'export' || !d.value) continue;
    for (const item of d.value.split(',')) {
      const v = /^[A-Za-z_][A-Za-z0-9_]*$/.test(item) ? process.env[item] : undefined;
      if (v !== undefined) out[item] = v;
    }
  }
  return out;
}

function print(r: SbatchResult): void {
  const line = (n: SbatchResult['honoured'][number]) => `  ${n.line ? `${String(n.line).padStart(3)}  ` : '     '}${n.directive.padEnd(32)} ${n.note}`;
  if (r.honoured.length) console.log(`honoured:\n${r.honoured.map(line).join('\n')}`);
  if (r.ignored.length) console.log(`ignored:\n${r.ignored.map(line).join('\n')}`);
  const q = r.request;
  console.log(
    `job: "${q.name}", ${q.units} ${q.type} unit${q.units === 1 ? '' : 's'} for ${q.hours.toFixed(3).replace(/\.?0+$/, '')} h` +
      `${q.sites.length ? ` at ${q.sites.join(' or ')}` : ''}${q.releaseAt ? `, not before ${q.releaseAt}` : ''}${q.deadlineAt ? `, deadline ${q.deadlineAt}` : ''}` +
      `${q.envNames.length ? `, env ${q.envNames.join(', ')}` : ''}`,
  );
}

export async function sbatchCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { switches: ['dry-run', 'wait', 'json'], values: ['tenant', 'server', 'token'] });
  if (flags.help) {
    console.log(sbatchHelp);
    return 0;
  }
  const file = positional[0];
  if (!file || positional.length > 1) throw new UsageError(`usage: shuzhi sbatch SCRIPT [--dry-run] [--wait]\n${sbatchHelp}`);
  let script: string;
  try {
    script = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const api = ApiClient.from(flags);
  const body = {
    script,
    fileName: basename(file),
    env: exportedFromEnvironment(script),
    dryRun: flags['dry-run'] === true,
    ...(typeof flags.tenant === 'string' ? { tenantId: flags.tenant } : {}),
  };
  const r = await ok(api.http.POST('/api/jobs/sbatch', { body }));
  if (flags.json) console.log(JSON.stringify(r, null, 2));
  else print(r);
  if (!r.job) return 0;
  if (!flags.json) console.log(`submitted ${r.job.id} (${r.job.status})${r.job.explanation ? ` — ${r.job.explanation}` : ''}`);
  return flags.wait ? waitFor(api, r.job.id) : 0;
}
