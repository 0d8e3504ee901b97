// Smoke test of the system-test harness: a real PostgreSQL 15 cluster and a real headless Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { startPostgres } from '../support/postgres.ts';
import type { PostgresHandle } from '../support/postgres.ts';
import { launchBrowser } from '../support/browser.ts';
import { freePort } from '../../sim/free-port.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// The temp cluster is what CI exercises; a DATABASE_URL set by a developer must not hide it here.
async function withoutDatabaseUrl<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env['DATABASE_URL'];
  delete process.env['DATABASE_URL'];
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env['DATABASE_URL'] = saved;
  }
}

describe('freePort', () => {
  test('gives a port that a server can then bind on 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536, `port ${port}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    assert.equal((server.address() as AddressInfo).port, port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('startPostgres', () => {
  let db: PostgresHandle;
  before(async () => {
    db = await withoutDatabaseUrl(() => startPostgres());
  });
  after(async () => {
    await db?.stop();
  });

  test('serves PostgreSQL 15 on loopback with a fresh database', async () => {
    const url = new URL(db.url);
    assert.equal(url.protocol, 'postgres:');
    assert.equal(url.hostname, '127.0.0.1');
    const [row] = await query<{ version: string; num: string; db: string }>(
      db.url,
      "select version(), current_setting('server_version_num') as num, current_database() as db",
    );
    assert.ok(row);
    assert.match(row.version, /^PostgreSQL 15\./);
    const num = Number(row.num);
    assert.ok(num >= 150000 && num < 160000, `server_version_num ${row.num}`);
    assert.equal(row.db, url.pathname.slice(1));
  });

  test('the database takes writes and reads them back', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('create table harness_probe (id int primary key, label text not null)');
      await client.query(
        'insert into harness_probe select * from unnest($1::int[], $2::text[])',
        [[1, 2, 3], ['甲', 'b', 'c']],
      );
      const { rows } = await client.query<{ id: number; label: string }>('select id, label from harness_probe order by id');
      assert.deepEqual(rows, [
        { id: 1, label: '甲' },
        { id: 2, label: 'b' },
        { id: 3, label: 'c' },
      ]);
    } finally {
      await client.end();
    }
  });

  test('DATABASE_URL is used as given and left running by stop()', async () => {
    const saved = process.env['DATABASE_URL'];
    process.env['DATABASE_URL'] = db.url;
    try {
      const passthrough = await startPostgres();
      assert.equal(passthrough.url, db.url);
      await passthrough.stop();
      const [row] = await query<{ one: number }>(db.url, 'select 1 as one');
      assert.equal(row?.one, 1);
    } finally {
      if (saved === undefined) delete process.env['DATABASE_URL'];
      else process.env['DATABASE_URL'] = saved;
    }
  });
});

test('stop() shuts the temporary cluster down', async () => {
  const db = await withoutDatabaseUrl(() => startPostgres({ database: 'harness_stop' }));
  const [row] = await query<{ db: string }>(db.url, 'select current_database() as db');
  assert.equal(row?.db, 'harness_stop');
  await db.stop();
  await assert.rejects(query(db.url, 'select 1'), /ECONNREFUSED/);
  await db.stop(); // a second stop is a no-op, so after() hooks may always call it
});

describe('launchBrowser', () => {
  test('headless Chromium renders a page served on localhost', async () => {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>数智 harness</title></head>
      <body><p id="out">static</p><button id="go">go</button>
      <script>document.getElementById('go').addEventListener('click', () => {
        document.getElementById('out').textContent = 'clicked ' + (6 * 7);
      });</script></body></html>`;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      assert.equal(await page.title(), '数智 harness');
      await page.click('#go');
      assert.equal(await page.textContent('#out'), 'clicked 42');
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('reads the title of a data: URL page', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto('data:text/html;charset=utf-8,' + encodeURIComponent('<title>data page</title><p>x</p>'));
      assert.equal(await page.title(), 'data page');
    } finally {
      await browser.close();
    }
  });
});
