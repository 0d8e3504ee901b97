import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { SubmitWorkflow, Workflow } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, UsageError } from './args.ts';
import { counted } from './job.ts';

export const workflowHelp = `shuzhi workflow submit FILE.json|FILE.yaml [--tenant ID] [--json]
    a DAG of jobs: { name, steps: [{ name, after: [STEP | {step, kind: ok|any|notok}], job: {…} }] }
shuzhi workflow list [--json]
shuzhi workflow get ID [--json]     its steps, their states and edges
shuzhi workflow cancel ID           cancels every unfinished job of it

Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

function show(w: Workflow): string {
  const lines = [`${w.id}  ${w.name}  ${w.status}  (${counted(w.counts)})`];
  for (const s of w.steps) {
    const parents = w.edges.filter((e) => e.to === s.name).map((e) => (e.kind === 'ok' ? e.from : `${e.from}:${e.kind}`));
    lines.push(`  ${s.name.padEnd(16)} ${s.jobId.padEnd(28)} ${s.status.padEnd(10)} ${(s.siteId ?? '-').padEnd(10)}${parents.length ? ` after ${parents.join(', ')}` : ''}${s.held ? `  (${s.held})` : ''}`);
  }
  return lines.join('\n');
}

export async function workflowCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, { switches: ['json'], values: ['tenant', 'server', 'token'] });
  if (!sub || flags.help || sub === '--help') {
    console.log(workflowHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const out = (w: Workflow) => console.log(flags.json ? JSON.stringify(w, null, 2) : show(w));
  switch (sub) {
    case 'submit': {
      const file = positional[0];
      if (!file) throw new UsageError('usage: shuzhi workflow submit FILE.json|FILE.yaml');
      const text = readFileSync(file, 'utf8');
      // YAML is a superset of JSON: one parser reads both.
      const body = parseYaml(text) as SubmitWorkflow;
      if (typeof flags.tenant === 'string') body.tenantId = flags.tenant;
      out(await ok(api.http.POST('/api/workflows', { body })));
      return 0;
    }
    case 'list': {
      const res = await ok(api.http.GET('/api/workflows', { params: { query: {} } }));
      if (flags.json) console.log(JSON.stringify(res, null, 2));
      else {
        for (const w of res.items) console.log(`${w.id.padEnd(28)} ${w.status.padEnd(10)} ${w.name}  (${counted(w.counts)})`);
        console.log(`${res.items.length} of ${res.total}`);
      }
      return 0;
    }
    case 'get':
    case 'cancel': {
      const id = positional[0];
      if (!id) throw new UsageError(`usage: shuzhi workflow ${sub} ID`);
      const params = { params: { path: { id } } };
      out(await ok(sub === 'get' ? api.http.GET('/api/workflows/{id}', params) : api.http.POST('/api/workflows/{id}/cancel', params)));
      return 0;
    }
    default:
      throw new UsageError(`unknown workflow command "${sub}"\n${workflowHelp}`);
  }
}
