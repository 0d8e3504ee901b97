import { createInterface } from 'node:readline';
import createClient from 'openapi-fetch';
import type { paths } from '@shuzhi/schema/api';
import { parseArgs, str, UsageError } from './args.ts';

export const loginHelp = `shuzhi login --username NAME [--password P] [--server URL] [--name LABEL] [--days N]

Logs in and creates an API token for the CLI; prints the export line to use it:
  eval "$(npx shuzhi login --username tenant2)"
The token expires after --days (default 90, at most 365); see and revoke tokens with shuzhi tokens.
Without --password (or SHUZHI_PASSWORD) it asks for the password without echoing it.`;

/** Reads a line from the terminal without echoing it (or a plain line from a pipe). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
    const out = rl as unknown as { _writeToOutput?: (s: string) => void };
    process.stderr.write(question);
    if (process.stdin.isTTY) out._writeToOutput = () => undefined;
    rl.question('', (answer) => {
      rl.close();
      if (process.stdin.isTTY) process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function loginCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, { values: ['server', 'username', 'password', 'name', 'days'] });
  if (flags.help) {
    console.log(loginHelp);
    return 0;
  }
  const server = ((typeof flags.server === 'string' ? flags.server : process.env.SHUZHI_SERVER) ?? 'http://localhost:8080').replace(/\/$/, '');
  const username = str(flags, 'username');
  const password = typeof flags.password === 'string' ? flags.password : (process.env.SHUZHI_PASSWORD ?? (await askHidden(`password for ${username}: `)));
  if (!password) throw new UsageError('no password given');
  const http = createClient<paths>({ baseUrl: server });
  let res: Response;
  try {
    res = (await http.POST('/api/auth/login', { body: { username, password } })).response;
  } catch (err) {
    throw new Error(`cannot reach ${server}: ${(err as Error).message}. Is the server running (npm start)?`);
  }
  if (res.status === 429) {
    throw new Error(`login as ${username} refused for now: too many wrong passwords; try again in ${res.headers.get('retry-after') ?? 'a few'} s`);
  }
  if (res.status !== 200) throw new Error(`login as ${username} failed (${res.status}): check the username and password`);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error('the server sent no session cookie');
  const label = typeof flags.name === 'string' ? flags.name : `cli ${new Date().toISOString().slice(0, 10)}`;
  const days = typeof flags.days === 'string' ? Number(flags.days) : undefined;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 365)) throw new UsageError('--days must be a whole number from 1 to 365');
  // The session writes like the web app does: naming the server's origin, which it checks on cookie writes.
  const session = { cookie, origin: new URL(server).origin };
  const made = await http.POST('/api/tokens', { headers: session, body: { name: label, ...(days !== undefined ? { expiresInDays: days } : {}) } });
  // The session was only the way to the token: end it rather than leave it live for 12 hours.
  await http.POST('/api/auth/logout', { headers: session }).catch(() => undefined);
  const body = made.data;
  if (!body) throw new Error(`creating a token failed (${made.response.status}): ${made.error?.detail ?? 'no token returned'}`);
  process.stdout.write(`export SHUZHI_SERVER=${server}\nexport SHUZHI_TOKEN=${body.token}\n`);
  process.stderr.write(`token "${label}" created for ${username}, valid until ${body.expiresAt}; it is shown once — keep it secret\n`);
  return 0;
}
