import { ApiClient, ok } from './api-client.ts';
import { parseArgs, UsageError } from './args.ts';

export const tokensHelp = `shuzhi tokens list [--all] [--json]   your API tokens (never their secrets); --all: everyone's (operators)
shuzhi tokens revoke ID               revoke a token at once (yours; operators: anyone's)

A new token: shuzhi login. Talks to $SHUZHI_SERVER (or --server) with the token in $SHUZHI_TOKEN (or --token).`;

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

export async function tokensCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, { switches: ['json', 'all'], values: ['server', 'token'] });
  if (!sub || flags.help || sub === '--help') {
    console.log(tokensHelp);
    return sub ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  switch (sub) {
    case 'list': {
      const res = await ok(api.http.GET('/api/tokens', { params: { query: flags.all ? { all: '1' } : {} } }));
      if (flags.json) console.log(JSON.stringify(res, null, 2));
      else {
        console.log(`${'ID'.padEnd(26)} ${'USER'.padEnd(14)} ${'CREATED'.padEnd(16)} ${'EXPIRES'.padEnd(16)} ${'LAST USED'.padEnd(16)}  NAME`);
        for (const t of res.items) {
          console.log(`${t.id.padEnd(26)} ${t.username.padEnd(14)} ${day(t.createdAt).padEnd(16)} ${day(t.expiresAt).padEnd(16)} ${day(t.lastUsedAt).padEnd(16)}  ${t.name}`);
        }
        console.log(`${res.items.length} token${res.items.length === 1 ? '' : 's'}`);
      }
      return 0;
    }
    case 'revoke': {
      const id = positional[0];
      if (!id) throw new UsageError('usage: shuzhi tokens revoke ID (shuzhi tokens list shows the ids)');
      const t = await ok(api.http.DELETE('/api/tokens/{id}', { params: { path: { id } } }));
      console.log(flags.json ? JSON.stringify(t, null, 2) : `revoked ${t.id} (${t.name}) of ${t.username}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown tokens command "${sub}"\n${tokensHelp}`);
  }
}
