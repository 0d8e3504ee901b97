// The leader lease, renewed from a thread of its own (see leadership.ts): a busy or briefly stalled
// main event loop (20,000 render nodes syncing) must not cost a healthy leader its lease. The thread
// renews only while the main thread's heartbeat is fresh, so a wedged server still loses the lease.
// Plain JavaScript: worker threads do not get the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

const { databaseUrl, ttlMs, holder, maxStallMs, shared, name } = workerData;
/** [0] lease valid until (process.hrtime ns), [1] main thread heartbeat (hrtime ns), [2] epoch. */
const slots = new BigInt64Array(shared);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
pool.on('error', (err) => parentPort.postMessage({ type: 'error', message: err.message }));

let url = workerData.url ?? null;
let epoch = null;
let stopped = false;
let suspended = false;
let running = null;

const ACQUIRE = `
  insert into leadership (name, holder, url, epoch, expires_at, acquired_at)
  values ($1, $2, $3, 1, now() + $4::interval, now())
  on conflict (name) do update set
    holder = excluded.holder,
    url = excluded.url,
    epoch = case when leadership.holder = excluded.holder then leadership.epoch else leadership.epoch + 1 end,
    acquired_at = case when leadership.holder = excluded.holder then leadership.acquired_at else now() end,
    expires_at = excluded.expires_at
  where leadership.holder = excluded.holder or leadership.expires_at < now()
  returning epoch`;

function lose(why) {
  epoch = null;
  Atomics.store(slots, 0, 0n);
  Atomics.store(slots, 2, 0n);
  stopped = true;
  parentPort.postMessage({ type: 'lost', why });
}

async function round() {
  if (stopped || suspended) return;
  const t0 = process.hrtime.bigint();
  if (epoch !== null && t0 - Atomics.load(slots, 1) > BigInt(maxStallMs) * 1_000_000n) {
    lose(`the server's event loop has not run for more than ${maxStallMs} ms`);
    return;
  }
  let client = null;
  let inTx = false;
  try {
    client = await pool.connect();
    const [seen] = (await client.query('select holder, expires_at < now() as expired from leadership where name = $1', [name])).rows;
    if (seen && seen.holder !== holder) {
      if (!seen.expired) {
        const r = await client.query('select holder, url, epoch, expires_at > now() as live from leadership where name = $1', [name]);
        const row = r.rows[0];
        parentPort.postMessage({ type: 'round', current: row && row.live ? { holder: row.holder, url: row.url, epoch: Number(row.epoch) } : null });
        return;
      }
      // A takeover waits for the old leader's fenced transactions (FOR KEY SHARE) to end; the holder's
      // own renewals (no key change) never wait for them.
      await client.query('begin');
      inTx = true;
      await client.query('select 1 from leadership where name = $1 for update', [name]);
    }
    const won = await client.query(ACQUIRE, [name, holder, url, `${ttlMs} milliseconds`]);
    if (inTx) {
      await client.query('commit');
      inTx = false;
    }
    if (stopped) return;
    if (won.rows.length) {
      const e = Number(won.rows[0].epoch);
      if (epoch !== null && e !== epoch) {
        lose(`the lease epoch moved from ${epoch} to ${e}`);
        return;
      }
      Atomics.store(slots, 0, t0 + BigInt(Math.floor(ttlMs * 0.8)) * 1_000_000n);
      if (epoch === null) {
        epoch = e;
        Atomics.store(slots, 2, BigInt(e));
        parentPort.postMessage({ type: 'won', epoch: e, url });
      }
      parentPort.postMessage({ type: 'round', current: { holder, url, epoch: e } });
      return;
    }
    if (epoch !== null) {
      lose('another replica holds the lease');
      return;
    }
    const r = await client.query('select holder, url, epoch, expires_at > now() as live from leadership where name = $1', [name]);
    const row = r.rows[0];
    parentPort.postMessage({ type: 'round', current: row && row.live ? { holder: row.holder, url: row.url, epoch: Number(row.epoch) } : null });
  } catch (err) {
    if (inTx) await client.query('rollback').catch(() => undefined);
    parentPort.postMessage({ type: 'error', message: err.message });
    parentPort.postMessage({ type: 'round', current: undefined });
  } finally {
    client?.release();
  }
}

function tick() {
  if (running) return running;
  running = round().finally(() => {
    running = null;
  });
  return running;
}

parentPort.on('message', async (m) => {
  if (m.type === 'url') url = m.url;
  if (m.type === 'refresh') void tick();
  if (m.type === 'suspend') suspended = true;
  if (m.type === 'stop') {
    clearInterval(timer);
    await running;
    const held = epoch;
    stopped = true;
    epoch = null;
    Atomics.store(slots, 0, 0n);
    if (held !== null && m.release) {
      await pool
        .query(`update leadership set expires_at = now() - interval '1 second' where name = $1 and holder = $2 and epoch = $3`, [name, holder, held])
        .catch((err) => parentPort.postMessage({ type: 'error', message: `could not release the lease: ${err.message}` }));
    }
    await pool.end().catch(() => undefined);
    parentPort.postMessage({ type: 'stopped' });
  }
});

const timer = setInterval(() => void tick(), Math.max(200, Math.floor(ttlMs / 3)));
void tick();
