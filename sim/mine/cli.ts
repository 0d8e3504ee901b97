/**
 * `shuzhi sim mine --port P [--pki DIR] [--trust FILE…] [--security None] [--tick-ms N] [--ramp-ms N] [--watchdog-ms N]`:
 * runs the face simulator until SIGINT/SIGTERM and prints the event log as it grows.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMineSimulator } from './server.ts';

const USAGE = `usage: shuzhi sim mine --port P [--pki DIR] [--trust CERT.pem ...] [--security SignAndEncrypt|None]
                      [--tick-ms 20] [--ramp-ms 3000] [--watchdog-ms 3000]
  A node-opcua server for one longwall face. Secure by default: SignAndEncrypt (Basic256Sha256 or
  Aes128_Sha256_RsaOaep) with a trust list — a client certificate not in DIR/trusted/certs is refused
  and filed under DIR/rejected (move it to DIR/trusted/certs to trust it, as at a real PLC).
  --pki DIR    the PLC's certificate store (default: a temp folder, new certificate each run)
  --trust F    trust this client certificate from the start (PEM or DER; e.g. the output of
               \`shuzhi mine certs own\`); repeatable
  --security None   an old, unsecured PLC (tests only; the server connects only if the face is set to None)
  Commands are OPC UA methods <machine>.RunCmd / <machine>.StopCmd returning [Accepted, Reason];
  Face.EmergencyStop, Face.ResetEStop, Face.InjectFault(target, kind), Face.ClearFault(target),
  Face.SetMethane(sensorId, percent).`;

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}

export async function simMineCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'tick-ms': { type: 'string' },
        'ramp-ms': { type: 'string' },
        'watchdog-ms': { type: 'string' },
        pki: { type: 'string' },
        trust: { type: 'string', multiple: true },
        security: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let port: number, tickMs: number, rampMs: number, watchdogMs: number;
  try {
    port = positiveInt('port', values.port, 4840);
    tickMs = positiveInt('tick-ms', values['tick-ms'], 20);
    rampMs = positiveInt('ramp-ms', values['ramp-ms'], 3000);
    watchdogMs = positiveInt('watchdog-ms', values['watchdog-ms'], 3000);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const security = values.security ?? 'SignAndEncrypt';
  if (security !== 'SignAndEncrypt' && security !== 'None') {
    console.error(`--security must be SignAndEncrypt or None, got "${security}"\n${USAGE}`);
    return 2;
  }
  let trusted: Buffer[];
  try {
    trusted = (values.trust ?? []).map((f) => {
      const data = readFileSync(f);
      const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(data.toString('latin1'));
      return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : data;
    });
  } catch (e) {
    console.error(`--trust: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const sim = await startMineSimulator({
    port, tickMs, physics: { rampMs, inrushMs: Math.round(rampMs / 3), watchdogMs }, security, trustedClientCertificates: trusted,
    ...(values.pki ? { pkiFolder: values.pki } : {}),
  });
  console.log(`mine face simulator listening on ${sim.endpoint} (security ${sim.security})`);
  console.log(`PLC certificate thumbprint ${sim.thumbprint}; PKI ${sim.pkiFolder}`);
  let printed = 0;
  const printer = setInterval(() => {
    for (; printed < sim.events.length; printed++) {
      const e = sim.events[printed]!;
      console.log(`${new Date(e.at).toISOString()} ${e.kind.padEnd(14)} ${e.source}${e.by ? ` by ${e.by}` : ''}${e.detail ? ` (${e.detail})` : ''}`);
    }
  }, 200);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(printer);
  await sim.stop();
  return 0;
}
