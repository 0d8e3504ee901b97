import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { count, eq } from 'drizzle-orm';
import { jobs, tasks } from '../src/compute/db-schema.ts';
import { apiTokens, events, sessions, sites } from '../src/db/schema.ts';
import { sql } from 'drizzle-orm';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { drizzleModules } from './drizzle-modules.ts';
import { smallSite, startPlatform, type TestPlatform } from './helpers.ts';

/**
 * The storage suite: the same tests against every database the platform supports
 * (embedded PGlite in `npm test`, PostgreSQL 15 in `npm run test:system`).
 */
export function storageSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`storage on ${name}`, () => {
    let t: TestPlatform;
    before(async () => {
      const url = databaseUrl();
      t = await startPlatform(url ? { databaseUrl: url } : {});
    });
    after(async () => {
      await t.close();
    });

    const operator = async () => (await t.p.auth.byOperatorName())!;
    const tenant = async () => (await t.p.auth.login('tenant', 'tenant-demo'))!.principal;

    test('migrations are applied and the demo is seeded', async () => {
      assert.equal(t.p.database.kind, databaseUrl() ? 'postgres' : 'pglite');
      const [{ n } = { n: 0 }] = await t.p.database.db.select({ n: count() }).from(sites);
      assert.ok(Number(n) >= 8);
    });

    test('the tables the migrations built are the ones the Drizzle schemas describe: columns, keys, indexes', async () => {
      const schema = Object.assign({}, ...(await drizzleModules()).map((m) => m.schema));
      const create = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema));
      const lines = (rows: unknown) => new Set((rows as { rows: { d: string }[] }).rows.map((r) => r.d));
      // What the schemas describe is built beside the real tables in a schema of its own, in a transaction
      // that is rolled back (a second PGlite would cost an initdb).
      const { built, described } = await t.p.database.db
        .transaction(async (tx) => {
          await tx.execute(sql.raw(`create schema ${DESCRIBED}`));
          await tx.execute(sql.raw(`set local search_path to ${DESCRIBED}`));
          for (const s of create) await tx.execute(sql.raw(s.replaceAll('"public".', `"${DESCRIBED}".`)));
          const found = { built: lines(await tx.execute(catalog('public'))), described: lines(await tx.execute(catalog(DESCRIBED))) };
          throw new RolledBack(found);
        })
        .catch((e: unknown) => {
          if (e instanceof RolledBack) return e.found;
          throw e;
        });
      // The replicas' leadership table is raw SQL by design (see migrations-snapshots.test.ts).
      const onlyBuilt = [...built].filter((d) => !described.has(d) && !/__drizzle_migrations|leadership/.test(d));
      const onlyDescribed = [...described].filter((d) => !built.has(d));
      assert.deepEqual({ onlyBuilt, onlyDescribed }, { onlyBuilt: [], onlyDescribed: [] });
    });

    test('a site round-trips with its pools and power as written', async () => {
      const s = smallSite('store-rt');
      s.power.renewables = { solarKW: 12.5, windKW: 3, fenPerKWh: 20, model: 'test model' };
      s.power.storage = { kWh: 100, kW: 50, efficiency: 0.9 };
      await t.p.compute.network.createSite(s, 'test');
      const back = await t.p.compute.network.getSite('store-rt');
      assert.deepEqual(back, s);
    });

    test('a failed write leaves neither the row nor its event', async () => {
      const before = await t.p.database.db.select({ n: count() }).from(events);
      await assert.rejects(() => t.p.compute.network.createSite(smallSite('store-rt'), 'test'), /already exists/);
      await assert.rejects(() => t.p.compute.network.createSite({ ...smallSite('store-bad'), region: 'nowhere' }, 'test'));
      const rows = await t.p.database.db.select().from(sites).where(eq(sites.id, 'store-bad'));
      assert.equal(rows.length, 0);
      const after = await t.p.database.db.select({ n: count() }).from(events);
      assert.equal(Number(after[0]!.n), Number(before[0]!.n));
    });

    test('a job, its task and its event are written together; cancel updates all three', async () => {
      const p = await tenant();
      const job = await t.p.compute.jobs.submit(p, {
        name: 'storage job',
        type: 'cpu',
        units: 1,
        hours: 1,
        flex: 'malleable',
        dataGB: 0,
        regions: [],
        sites: [],
        priority: 50,
        command: 'true',
        env: { A: 'b' },
      });
      const [row] = await t.p.database.db.select().from(jobs).where(eq(jobs.id, job.id));
      assert.equal(row?.tenantId, 'tianshan-ai');
      // Sealed at rest (names readable, values not); the server's key opens it back.
      assert.equal(JSON.stringify(row?.env).includes('"b"'), false);
      assert.deepEqual(t.p.compute.secrets.open(job.id, row!.env), { A: 'b' });
      const taskRows = await t.p.database.db.select().from(tasks).where(eq(tasks.jobId, job.id));
      assert.equal(taskRows.length, 1);
      const ev = await t.p.database.db.select().from(events).where(eq(events.entityId, job.id));
      assert.ok(ev.some((e) => e.kind === 'job.status' && e.data.status === 'queued'));
      const cancelled = await t.p.compute.jobs.cancel(p, job.id);
      assert.equal(cancelled.status, 'cancelled');
      const [taskAfter] = await t.p.database.db.select().from(tasks).where(eq(tasks.jobId, job.id));
      assert.equal(taskAfter?.status, 'cancelled');
    });

    test('concurrent submissions all land, each once, listed newest first', async () => {
      const p = await tenant();
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.p.compute.jobs.submit(p, {
            name: `parallel ${i}`,
            type: 'cpu',
            units: 1,
            hours: 1,
            flex: 'malleable',
            dataGB: 0,
            regions: [],
            sites: [],
            priority: 50,
            command: 'true',
            env: {},
          }),
        ),
      );
      assert.equal(new Set(made.map((j) => j.id)).size, 20);
      const list = await t.p.compute.jobs.list(p, { limit: 500, offset: 0 });
      const ids = new Set(list.items.map((j) => j.id));
      for (const j of made) assert.ok(ids.has(j.id));
      const times = list.items.map((j) => j.createdAt);
      assert.deepEqual([...times], [...times].sort().reverse());
      const page = await t.p.compute.jobs.list(p, { limit: 5, offset: 5 });
      assert.deepEqual(
        page.items.map((j) => j.id),
        list.items.slice(5, 10).map((j) => j.id),
      );
    });

    test('sessions and API tokens are stored only as hashes', async () => {
      const res = await t.p.auth.login('viewer', 'viewer-demo');
      assert.ok(res);
      const op = await operator();
      const tok = await t.p.auth.createToken(op.userId, 'hash check');
      const sessionRows = await t.p.database.db.select().from(sessions);
      assert.ok(sessionRows.every((r) => r.tokenHash !== res.session));
      const tokenRows = await t.p.database.db.select().from(apiTokens);
      assert.ok(tokenRows.every((r) => r.tokenHash !== tok.token));
      assert.equal((await t.p.auth.byToken(tok.token))?.username, 'operator');
      assert.equal(await t.p.auth.bySession('forged'), null);
      await t.p.auth.logout(res.session);
      assert.equal(await t.p.auth.bySession(res.session), null);
    });
  });
}

const DESCRIBED = 'described_by_drizzle';

class RolledBack {
  constructor(readonly found: { built: Set<string>; described: Set<string> }) {}
}

/**
 * A schema's tables as comparable lines, its name left out: columns (type, nullability, default),
 * constraints by name and definition, indexes. NOT NULL constraints are left out: PostgreSQL 18 lists
 * them in pg_constraint, 15 does not.
 */
function catalog(schema: string) {
  const q = `
select 'column ' || table_name || '.' || column_name || ' ' || udt_name
       || case when is_nullable = 'NO' then ' not null' else '' end || coalesce(' default ' || replace(column_default, '${schema}.', ''), '') as d
  from information_schema.columns where table_schema = '${schema}'
union all
select 'constraint ' || c.relname || ' ' || k.conname || ' ' || replace(pg_get_constraintdef(k.oid), '${schema}.', '')
  from pg_constraint k join pg_class c on c.oid = k.conrelid
 where k.connamespace = '${schema}'::regnamespace and k.contype <> 'n'
union all
select 'index ' || replace(indexdef, ' ${schema}.', ' ') from pg_indexes where schemaname = '${schema}'`;
  return sql.raw(q);
}
