// Migration 0001 (ticket counter, unique day+number) on a database whose tickets were numbered by
// count(*)+1: two windows could be given one number, and the upgrade must not fail on those.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const migration = (tag: string) =>
  readFileSync(fileURLToPath(new URL(`../drizzle/gov/${tag}.sql`, import.meta.url)), 'utf8')
    .split('--> statement-breakpoint')
    .filter((s) => s.trim());

test('an old database with duplicate ticket numbers upgrades (and its seeded catalogue learns the birth event); the earliest keeps the number, the counter continues after it', async () => {
  const db = new PGlite();
  try {
    for (const s of migration('0000_gov_init')) await db.exec(s);
    await db.exec(`insert into gov_tickets (id, number, status, created_at) values
      ('tkt_1', '2026-03-02-A001', 'done', '2026-03-02T01:00:00Z'),
      ('tkt_2', '2026-03-02-A002', 'done', '2026-03-02T01:01:00Z'),
      ('tkt_3', '2026-03-02-A002', 'waiting', '2026-03-02T01:01:01Z'),
      ('tkt_4', '2026-03-03-A001', 'waiting', '2026-03-03T01:00:00Z')`);
    await db.exec(`insert into gov_services (id, data, created_by) values
      ('svc_nb_household_registration', '{"id": "svc_nb_household_registration"}', 'seed'),
      ('svc_nb_vaccination', '{"id": "svc_nb_vaccination"}', 'seed')`);
    for (const s of migration('0001_gov_ticket_sequence')) await db.exec(s);
    const tickets = (await db.query<{ id: string; number: string; day: string | null; seq: number | null }>('select id, number, day, seq from gov_tickets order by id')).rows;
    assert.deepEqual(tickets, [
      { id: 'tkt_1', number: '2026-03-02-A001', day: '2026-03-02', seq: 1 },
      { id: 'tkt_2', number: '2026-03-02-A002', day: '2026-03-02', seq: 2 },
      { id: 'tkt_3', number: '2026-03-02-A002', day: null, seq: null },
      { id: 'tkt_4', number: '2026-03-03-A001', day: '2026-03-03', seq: 1 },
    ]);
    assert.deepEqual((await db.query('select day, last from gov_ticket_counters order by day')).rows, [
      { day: '2026-03-02', last: 2 },
      { day: '2026-03-03', last: 1 },
    ]);
    // The seeded 出生登记 now says in the catalogue that its approval records a birth; nothing else does.
    assert.deepEqual((await db.query(`select id, data->>'lifeEvent' as "lifeEvent" from gov_services order by id`)).rows, [
      { id: 'svc_nb_household_registration', lifeEvent: 'birth_registered' },
      { id: 'svc_nb_vaccination', lifeEvent: null },
    ]);
    await assert.rejects(db.exec(`insert into gov_tickets (id, number, day, seq, status, created_at) values ('tkt_5', '2026-03-02-A002', '2026-03-02', 2, 'waiting', now())`), /gov_tickets_day_seq/);
  } finally {
    await db.close();
  }
});
