// The bench's connection counter names the side that closed: an idle socket the server times out, and
// one the client closes, on a real loopback server.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ConnWatch } from './conn-watch.ts';

test('a connection the server times out idle, and one the client closes, are told apart', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 100;
  const watch = new ConnWatch(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  /** One keep-alive request on a raw socket; resolves with the socket once the answer is in. */
  const asked = async () => {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await once(s, 'data');
    return s;
  };
  const idle = await asked();
  // The server ends it after its keep-alive timeout: the client sees the end.
  await once(idle, 'end');
  idle.destroy();
  const closing = await asked();
  closing.end();
  await once(closing, 'close');
  // The server's side of the second one closes after the client's FIN reaches it.
  while (Object.values(watch.peek().closed).reduce((a: number, b) => a + (b ?? 0), 0) < 2) await new Promise((r) => setImmediate(r));
  const r = watch.report();
  assert.equal(r.opened, 2);
  assert.deepEqual(r.closed, { 'server keep-alive timeout': 1, 'client closed (FIN)': 1 });
  assert.equal(r.open, 0);
  server.close();
});
