/**
 * Child process of the bench: the browser side. Opens SSE streams to each face, decodes the change
 * time carried by every tag value and reports latency percentiles for the measurement window.
 * argv: JSON { url, cookie, faces: string[], perFace, from, to } (from/to: epoch ms).
 */
import { latencyOfAnalog, latencyOfCh4, percentile } from './encoding.ts';

const o = JSON.parse(process.argv[2]!) as { url: string; cookie: string; faces: string[]; perFace: number; from: number; to: number };
const samples: number[] = [];
let events = 0;
let values = 0;
const ac = new AbortController();

async function stream(faceId: string): Promise<void> {
  const res = await fetch(`${o.url}/api/mine/faces/${faceId}/stream`, { headers: { cookie: o.cookie, accept: 'text/event-stream' }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`stream ${faceId}: ${res.status}`);
  const dec = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const now = Date.now();
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.startsWith('event: telemetry')) continue;
        const data = JSON.parse(block.slice(block.indexOf('data:') + 5)) as {
          machines: Record<string, Record<string, unknown>>;
          sensors: Record<string, { pct: number | null }>;
        };
        if (now < o.from || now > o.to) continue;
        events++;
        for (const m of Object.values(data.machines)) {
          for (const k of ['motorCurrentA', 'windingTempC', 'chainSpeed']) {
            const v = m[k];
            if (typeof v === 'number') {
              samples.push(latencyOfAnalog(v, now));
              values++;
            }
          }
        }
        for (const s of Object.values(data.sensors)) {
          if (typeof s.pct === 'number') {
            samples.push(latencyOfCh4(s.pct, now));
            values++;
          }
        }
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  }
}

const all = o.faces.flatMap((f) => Array.from({ length: o.perFace }, () => stream(f)));
setTimeout(() => ac.abort(), Math.max(0, o.to - Date.now()) + 200);
await Promise.all(all);
samples.sort((a, b) => a - b);
process.stdout.write(`@@bench-mine ${JSON.stringify({ streams: all.length, events, values, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), maxMs: samples.at(-1) ?? NaN })}\n`);
