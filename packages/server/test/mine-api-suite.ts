/**
 * The mine module end to end over HTTP and real OPC UA: a simulated face PLC, the platform with its
 * database (PGlite here, PostgreSQL 15 from test/system), users of each role. One function so both
 * databases run the same checks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildFace } from '@shuzhi/mine';
import type { Face } from '@shuzhi/mine';
import type { MineSimulator } from '../../../sim/mine/server.ts';
import { freePort } from '../../../sim/free-port.ts';
import type { MineService } from '../src/mine/service.ts';
import { client, login, startPlatform, waitUntil } from './helpers.ts';
import type { TestPlatform } from './helpers.ts';
import { startTrustedSim, testFace } from './mine-harness.ts';

type Client = ReturnType<typeof client>;
type Ev = { event: string; data: any };

/** Reads a server-sent event stream into `into` until aborted. */
export async function readSse(url: string, cookie: string, into: Ev[], signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, '')).join('\n');
        if (data) into.push({ event, data: JSON.parse(data) });
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

export interface SuiteDatabase {
  url: string;
  stop(): Promise<void>;
}

/** `database` starts the database the suite runs on (PostgreSQL); without it, PGlite. */
export function mineApiSuite(opts: { database?: () => Promise<SuiteDatabase> } = {}) {
  let db: SuiteDatabase | null = null;
  let t: TestPlatform;
  let sim: MineSimulator;
  let pki: string;
  let face: Face;
  let svc: MineService;
  let op: Client;
  let eng: Client;
  let viewer: Client;
  let opCookie: string;
  let viewerCookie: string;
  const FACE = 'face-1';

  const state = async () => (await viewer.req('GET', `/api/mine/faces/${FACE}`)).body;
  const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>) => waitUntil(what, fn, 10_000);
  const allStopped = () => face.startOrder.every((id) => !sim.plant.machines.get(id)!.running);
  const audit = async (q = '') => (await viewer.req('GET', `/api/mine/audit?limit=500${q}`)).body.items as any[];
  const alarms = async (q = '') => (await viewer.req('GET', `/api/mine/alarms?limit=500${q}`)).body;

  before(async () => {
    db = opts.database ? await opts.database() : null;
    t = await startPlatform(db ? { databaseUrl: db.url } : {});
    svc = (t.p.modules.find((m) => m.name === 'mine') as unknown as { service: MineService }).service;
    pki = mkdtempSync(join(tmpdir(), 'shuzhi-mine-api-pki-'));
    // the rear AFC warns longer than the rest: a margin for the fault test (the crusher faults as the
    // stage loader starts, and the controller must see it before the rear AFC is commanded)
    const config = testFace((c) => ({ ...c, id: FACE, machines: c.machines.map((m) => (m.id === 'rearAfc' ? { ...m, warningMs: 500 } : m)) }));
    face = buildFace(config);
    sim = await startTrustedSim(svc, { port: await freePort(), tickMs: 10, face: config, physics: { rampMs: 80, inrushMs: 30 }, pkiFolder: join(pki, 'server') });
    opCookie = await login(t.url, 'mine-operator');
    viewerCookie = await login(t.url, 'viewer');
    op = client(t.url, { cookie: opCookie });
    eng = client(t.url, { cookie: await login(t.url, 'mine-engineer') });
    viewer = client(t.url, { cookie: viewerCookie });
    const reg = await eng.req('POST', '/api/mine/faces', {
      id: FACE, name: 'Test face', mineId: 'mine-01', endpoint: sim.endpoint,
      config: { machines: config.machines, sensors: config.sensors },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    await until('face connected with every machine known', async () => {
      const s = await state();
      return s.connected && s.machines.every((m: any) => m.running !== null);
    });
  });
  after(async () => {
    await t?.close();
    await sim?.stop();
    await db?.stop();
    if (pki) rmSync(pki, { recursive: true, force: true });
  });

  describe('mine: roles are checked on the server and every attempt is audited', () => {
    test('a viewer calling start gets 403, nothing moves, and the attempt is in the audit log', async () => {
      const r = await viewer.req('POST', `/api/mine/faces/${FACE}/commands/start`);
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'FORBIDDEN');
      assert.ok(allStopped());
      assert.ok(!sim.events.some((e) => e.kind === 'started'));
      const rows = await audit('&user=viewer');
      const row = rows.find((a) => a.action === 'command.start');
      assert.ok(row, JSON.stringify(rows));
      assert.equal(row.result, 'forbidden');
      assert.equal(row.role, 'viewer');
      assert.equal(row.faceId, FACE);
    });

    test('an engineer or the platform operator may not command either; an operator may not change settings', async () => {
      const opPlatform = client(t.url, { cookie: await login(t.url, 'operator') });
      for (const c of [eng, opPlatform]) assert.equal((await c.req('POST', `/api/mine/faces/${FACE}/commands/start`)).status, 403);
      const s = await op.req('PATCH', `/api/mine/faces/${FACE}/settings`, { machines: [{ id: 'belt', warningMs: 10 }] });
      assert.equal(s.status, 403);
      const rows = await audit('&user=mine-operator&action=settings-change');
      assert.equal(rows[0]?.result, 'forbidden');
      assert.ok(allStopped());
    });

    test('logins appear in the audit view; the audit table refuses UPDATE and DELETE in the database', async () => {
      const rows = await audit('&user=mine-operator');
      assert.ok(rows.some((r) => r.action === 'login' && r.result === 'accepted'), 'login of mine-operator listed');
      const db = t.p.database.db;
      const refusedByDb = (e: Error & { cause?: Error }) => /append-only/.test(`${e.message} ${e.cause?.message ?? ''}`);
      await assert.rejects(db.execute(sql`update mine_audit set result = 'accepted'`), refusedByDb);
      await assert.rejects(db.execute(sql`delete from mine_audit`), refusedByDb);
      await assert.rejects(db.execute(sql`truncate mine_audit`), refusedByDb);
      const again = await audit('&user=viewer');
      assert.equal(again.find((a) => a.action === 'command.start')?.result, 'forbidden');
    });
  });

  describe('mine: sequences, faults, methane and e-stop through the API', () => {
    test('an operator starts the face: the stream shows each machine running in start order, and the PLC got the starts in that order', async () => {
      const events: Ev[] = [];
      const ac = new AbortController();
      const reading = readSse(`${t.url}/api/mine/faces/${FACE}/stream`, viewerCookie, events, ac.signal);
      await until('first state on the stream', async () => events.some((e) => e.event === 'state'));
      const r = await op.req('POST', `/api/mine/faces/${FACE}/commands/start`, { comment: 'shift start' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await until('face running', async () => (await state()).mode === 'running');
      await until('stream saw the last machine run', async () => events.some((e) => e.event === 'telemetry' && e.data.machines[face.startOrder.at(-1)!]?.running === true));
      ac.abort();
      await reading;
      const order: string[] = [];
      for (const e of events) {
        if (e.event !== 'telemetry') continue;
        for (const [id, m] of Object.entries(e.data.machines as Record<string, { running?: boolean }>)) if (m.running === true && !order.includes(id)) order.push(id);
      }
      assert.deepEqual(order, face.startOrder);
      assert.deepEqual(sim.events.filter((e) => e.kind === 'started').map((e) => e.source), face.startOrder);
      const rows = await audit(`&faceId=${FACE}`);
      const start = rows.find((a) => a.action === 'command.start' && a.result === 'accepted');
      assert.equal(start?.user, 'mine-operator');
      assert.equal(start?.comment, 'shift start');
      assert.deepEqual(start?.newValue, { mode: 'starting' });
      const plc = rows.filter((a) => a.action === 'plc-command' && a.newValue === 'start').reverse().map((a) => a.target);
      assert.deepEqual(plc, face.startOrder);
    });

    test('settings cannot change while the face runs; the refusal is audited', async () => {
      const r = await eng.req('PATCH', `/api/mine/faces/${FACE}/settings`, { machines: [{ id: 'belt', warningMs: 50 }] });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'MINE_FACE_RUNNING');
      assert.equal((await audit('&action=settings-change'))[0]?.result, 'rejected');
    });

    test('stop: the face stops in flow order', async () => {
      const from = sim.events.length;
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/stop`)).status, 200);
      await until('face idle', async () => (await state()).mode === 'idle' && allStopped());
      assert.deepEqual(sim.events.slice(from).filter((e) => e.kind === 'stopped').map((e) => e.source), face.stopOrder);
    });

    test('a fault mid-sequence stops upstream first and raises alarms; acknowledgement needs a cleared cause, a user and a comment', async () => {
      const from = sim.events.length;
      // The crusher faults the moment the PLC starts the stage loader: the sequence is then in its middle
      // whatever the load on this machine (a fault injected after polling the API could come too late,
      // once the rear AFC's warning had run out).
      const off = sim.onEvent((e) => {
        if (e.kind === 'started' && e.source === 'stageLoader') {
          off();
          queueMicrotask(() => sim.injectFault('crusher', 'overcurrent'));
        }
      });
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/start`)).status, 200);
      await until('face tripped and stopped', async () => (await state()).mode === 'tripped' && allStopped());
      assert.ok(sim.events.slice(from).some((e) => e.kind === 'started' && e.source === 'stageLoader'), 'the stage loader had started');
      const log = sim.events.slice(from);
      const stopIdx = (id: string) => log.findIndex((e) => e.kind === 'stopped' && e.source === id);
      assert.ok(stopIdx('stageLoader') < stopIdx('pump1') && stopIdx('pump1') < stopIdx('belt'), 'upstream stopped before downstream');
      assert.ok(!log.some((e) => e.kind === 'started' && ['rearAfc', 'frontAfc', 'shearer'].includes(e.source)), 'nothing upstream started');

      const open = (await alarms(`&faceId=${FACE}`)).items as any[];
      const aborted = open.find((a) => a.code === 'SEQUENCE_ABORTED');
      const fault = open.find((a) => a.code === 'MACHINE_FAULT' && a.source === 'crusher');
      assert.ok(aborted && fault, open.map((a) => a.code).join(','));
      assert.equal(aborted.state, 'cleared-unacknowledged');
      assert.equal(fault.state, 'active');
      assert.match(aborted.message, /overcurrent/);

      const refused = await op.req('POST', `/api/mine/faces/${FACE}/commands/start`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'MINE_START_BLOCKED_INTERLOCK');
      assert.match(refused.body.detail, /crusher.*overcurrent/i);

      const early = await op.req('POST', `/api/mine/alarms/${fault.id}/acknowledge`, { comment: 'too early' });
      assert.equal(early.status, 409);
      assert.equal(early.body.code, 'MINE_ALARM_STILL_ACTIVE');
      assert.equal((await op.req('POST', `/api/mine/alarms/${aborted.id}/acknowledge`, { comment: '' })).status, 400);
      assert.equal((await viewer.req('POST', `/api/mine/alarms/${aborted.id}/acknowledge`, { comment: 'x' })).status, 403);
      const ack = await op.req('POST', `/api/mine/alarms/${aborted.id}/acknowledge`, { comment: 'crusher motor checked' });
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      assert.equal(ack.body.state, 'history');
      assert.equal(ack.body.acknowledgedBy, 'mine-operator');
      assert.equal(ack.body.comment, 'crusher motor checked');
      assert.equal((await op.req('POST', `/api/mine/alarms/${aborted.id}/acknowledge`, { comment: 'again' })).body.code, 'MINE_ALARM_ALREADY_ACKNOWLEDGED');

      // history is searchable by who acknowledged and by text
      const byUser = (await alarms('&state=history&acknowledgedBy=mine-operator')).items as any[];
      assert.ok(byUser.some((a) => a.id === aborted.id));
      assert.ok(((await alarms('&state=history&q=motor checked')).items as any[]).some((a) => a.id === aborted.id));
      assert.equal(((await alarms('&state=history&acknowledgedBy=somebody-else')).items as any[]).length, 0);
      assert.ok(!((await alarms(`&faceId=${FACE}`)).items as any[]).some((a) => a.id === aborted.id), 'no longer in the open list');

      sim.clearFault('crusher');
      await until('fault alarm cleared', async () => ((await alarms(`&state=unacknowledged`)).items as any[]).some((a) => a.id === fault.id));
      assert.equal((await op.req('POST', `/api/mine/alarms/${fault.id}/acknowledge`, { comment: 'fuse replaced' })).status, 200);
      const acks = (await audit('&action=alarm.acknowledge&user=mine-operator')).map((a) => [a.target, a.result, a.comment]);
      assert.deepEqual(acks.slice(0, 4).reverse(), [
        [fault.id, 'rejected', 'too early'],
        [aborted.id, 'accepted', 'crusher motor checked'],
        [aborted.id, 'rejected', 'again'],
        [fault.id, 'accepted', 'fuse replaced'],
      ]);
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/reset`)).status, 200);
    });

    test('CH4 1.6 % cuts power; start is refused with the reason until CH4 is below 1.0 %', async () => {
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/start`)).status, 200);
      await until('face running', async () => (await state()).mode === 'running');
      sim.setMethane('ch4T1', 1.6);
      await until('cut seen and face machines stopped', async () => {
        const s = await state();
        return s.cuts.some((c: any) => c.sensorId === 'ch4T1') && s.machines.filter((m: any) => m.zone === 'face').every((m: any) => m.running === false);
      });
      const refused = async () => {
        const r = await op.req('POST', `/api/mine/faces/${FACE}/commands/start`);
        assert.equal(r.status, 409);
        assert.equal(r.body.code, 'MINE_START_BLOCKED_METHANE');
        assert.match(r.body.detail, /CH₄ power cut/);
        assert.match(r.body.detail, /1\.60 %/);
        assert.match(r.body.detail, /below 1\.0 %/);
      };
      await refused();
      const open = (await alarms(`&faceId=${FACE}&state=active`)).items as any[];
      assert.ok(open.some((a) => a.code === 'CH4_POWER_CUT' && a.source === 'ch4T1'));
      sim.setMethane('ch4T1', 1.2);
      await until('reading 1.2 %', async () => (await state()).sensors.find((s: any) => s.id === 'ch4T1').pct === 1.2);
      await refused();
      sim.setMethane('ch4T1', 0.8);
      await until('cut restored', async () => (await state()).cuts.length === 0);
      const ok = await op.req('POST', `/api/mine/faces/${FACE}/commands/start`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      await until('face running again', async () => (await state()).mode === 'running');
      const rejected = (await audit('&action=command.start')).filter((a) => a.result === 'rejected');
      assert.ok(rejected.length >= 2 && rejected.every((a) => a.code === 'MINE_START_BLOCKED_METHANE' || a.code === 'MINE_START_BLOCKED_INTERLOCK'));
    });

    test('e-stop during a start sequence stops everything at once and latches until reset', async () => {
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/stop`)).status, 200);
      await until('face idle', async () => (await state()).mode === 'idle' && allStopped());
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/start`)).status, 200);
      await until('three machines running', async () => ((await state()).sequence?.started.length ?? 0) >= 3);
      const from = sim.events.length;
      const r = await op.req('POST', `/api/mine/faces/${FACE}/commands/estop`);
      assert.equal(r.status, 200);
      assert.equal(r.body.mode, 'estopped');
      const log = sim.events.slice(from);
      const estopAt = log.findIndex((e) => e.kind === 'estop');
      assert.ok(estopAt >= 0);
      const stops = log.slice(estopAt + 1).filter((e) => e.kind === 'stopped');
      assert.ok(stops.length >= 3 && stops.every((e) => e.by === 'estop' && e.at === log[estopAt]!.at), JSON.stringify(stops));
      assert.ok(allStopped());
      const blocked = await op.req('POST', `/api/mine/faces/${FACE}/commands/start`);
      assert.equal(blocked.body.code, 'MINE_START_BLOCKED_ESTOP');
      await new Promise((res) => setTimeout(res, 200));
      // A machine may have started between the snapshot and the e-stop (the sequence was running); none after it.
      const after = sim.events.slice(from);
      assert.ok(!after.slice(after.findIndex((e) => e.kind === 'estop') + 1).some((e) => e.kind === 'started'), 'nothing started after the e-stop');
      assert.equal((await op.req('POST', `/api/mine/faces/${FACE}/commands/reset`)).status, 200);
      await until('latch reset', async () => !sim.plant.estopLatched && (await state()).estopLatched === false);
      assert.ok((await audit('&action=command.estop')).some((a) => a.user === 'mine-operator' && a.result === 'accepted'));
    });
  });

  describe('mine: engineering and history', () => {
    test('an engineer changes a warning time while the face is stopped; old and new values are audited', async () => {
      await until('face stopped', async () => allStopped() && !(await state()).sequence);
      const r = await eng.req('PATCH', `/api/mine/faces/${FACE}/settings`, { machines: [{ id: 'belt', warningMs: 60 }], sensors: [{ id: 'ch4T1', limits: { alarmPct: 1.2 } }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.machines.find((m: any) => m.id === 'belt').warningMs, 60);
      assert.equal(r.body.sensors.find((s: any) => s.id === 'ch4T1').alarmPct, 1.2);
      const row = (await audit('&action=settings-change')).find((a) => a.result === 'accepted');
      assert.equal(row.user, 'mine-engineer');
      assert.equal(row.oldValue.config.machines.find((m: any) => m.id === 'belt').warningMs, 40);
      assert.equal(row.newValue.config.machines.find((m: any) => m.id === 'belt').warningMs, 60);
      const bad = await eng.req('PATCH', `/api/mine/faces/${FACE}/settings`, { sensors: [{ id: 'ch4T1', limits: { cutPct: 0.5 } }] });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'MINE_FACE_INVALID');
      await until('reconnected after the change', async () => {
        const s = await state();
        return s.connected && s.machines.every((m: any) => m.running !== null);
      });
    });

    test('the historian stores tag values and serves them as trends', async () => {
      await until('telemetry observed', async () => (await svc.historian.sample(Date.now())) >= 0 && svc.historian.rowsWritten > 0);
      const r = await viewer.req('GET', `/api/mine/faces/${FACE}/trends?tags=belt.MotorCurrent,ch4T1.CH4&minutes=10`);
      assert.equal(r.status, 200);
      const ch4 = r.body.items.find((i: any) => i.tag === 'ch4T1.CH4');
      const values = ch4.points.map((p: [number, number]) => p[1]);
      assert.ok(values.includes(1.6) && values.includes(0.8), JSON.stringify(values));
      assert.ok(r.body.items.find((i: any) => i.tag === 'belt.MotorCurrent').points.length > 0);
    });

    test('the fleet view carries 66 mines, 29 intelligent, marked unverified, with the live face', async () => {
      const f = (await viewer.req('GET', '/api/mine/fleet')).body;
      assert.equal(f.mines.length, 66);
      assert.equal(f.mines.filter((m: any) => m.intelligent).length, 29);
      assert.equal(f.unverified, true);
      assert.equal(f.mines.find((m: any) => m.id === 'mine-01').faceId, FACE);
    });
  });
}
