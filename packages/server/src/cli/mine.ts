import type { MineCertificate } from '@shuzhi/schema';
import { ApiClient, ok } from './api-client.ts';
import { parseArgs, UsageError } from './args.ts';

export const mineHelp = `shuzhi mine certs list|trust|reject|own — the OPC UA certificates of the mine link (mine-engineer or operator)

  shuzhi mine certs list [--face ID]     this server's certificate, and the trusted and rejected PLC certificates
                                         (a PLC's certificate lands under rejected after its first refused connection);
                                         --face: also the face's link security and why it is down, its certificate marked *
  shuzhi mine certs trust THUMBPRINT     trust a PLC's certificate (check its thumbprint with the PLC first); faces waiting on it connect
  shuzhi mine certs reject THUMBPRINT    take trust away; the next connection with it is refused
  shuzhi mine certs own                  this server's certificate as PEM, to import into a PLC's trust list
Options: --server URL --token T (or SHUZHI_SERVER / SHUZHI_TOKEN), --json`;

const row = (c: MineCertificate) =>
  `${c.status.padEnd(9)} ${c.thumbprint}  ${c.validTo.slice(0, 10)}  ${c.subject}${c.applicationUri ? `  ${c.applicationUri}` : ''}`;

export async function mineCommand(argv: string[]): Promise<number> {
  const [group, sub, ...rest] = argv;
  const { flags, positional } = parseArgs(rest, { switches: ['json'], values: ['face', 'server', 'token'] });
  if (group !== 'certs' || !sub || flags.help || sub === '--help') {
    console.log(mineHelp);
    return group === '--help' || flags.help || sub === '--help' ? 0 : 2;
  }
  const api = ApiClient.from(flags);
  const out = (v: unknown) => console.log(JSON.stringify(v, null, 2));
  switch (sub) {
    case 'list': {
      const pki = await ok(api.http.GET('/api/mine/certificates'));
      const face = typeof flags.face === 'string' ? await ok(api.http.GET('/api/mine/faces/{id}', { params: { path: { id: flags.face } } })) : null;
      if (flags.json) return out(face ? { ...pki, face: { id: face.id, connected: face.connected, security: face.security, linkError: face.linkError } } : pki), 0;
      if (face) {
        console.log(`face ${face.id}: ${face.endpoint}, security ${face.security.mode}/${face.security.policy}, ${face.connected ? 'connected' : 'NOT connected'}`);
        if (face.security.mode === 'None') console.log('WARNING: security None — commands and telemetry travel unsigned and unencrypted');
        if (face.linkError) console.log(`why: ${face.linkError.message}`);
      }
      console.log(`PKI folder: ${pki.folder}`);
      console.log(`  ${'STATUS'.padEnd(9)} ${'THUMBPRINT (SHA-1)'.padEnd(40)}  VALID TO    SUBJECT`);
      const mark = face?.linkError?.thumbprint ?? null;
      for (const c of [pki.own, ...pki.rejected, ...pki.trusted]) console.log(`${c.thumbprint === mark ? '*' : ' '} ${row(c)}`);
      if (pki.rejected.length) console.log(`\nto trust a PLC: shuzhi mine certs trust <thumbprint> (after checking the thumbprint at the PLC)`);
      return 0;
    }
    case 'own': {
      const pki = await ok(api.http.GET('/api/mine/certificates'));
      if (flags.json) return out(pki.own), 0;
      console.error(`# ${pki.own.subject}, thumbprint ${pki.own.thumbprint}, valid to ${pki.own.validTo}`);
      process.stdout.write(pki.own.pem);
      return 0;
    }
    case 'trust':
    case 'reject': {
      const thumbprint = positional[0]?.replace(/:/g, '');
      if (!thumbprint) throw new UsageError(`${sub} needs a certificate thumbprint (shuzhi mine certs list)`);
      const c = await ok(api.http.POST(`/api/mine/certificates/{thumbprint}/${sub}`, { params: { path: { thumbprint } } }));
      if (flags.json) return out(c), 0;
      console.log(`${sub === 'trust' ? 'trusted' : 'rejected'}: ${row(c)}`);
      return 0;
    }
    default:
      console.error(`unknown subcommand "${sub}"\n\n${mineHelp}`);
      return 2;
  }
}
