import { createServer } from 'node:net';

/**
 * A TCP port on `host` (127.0.0.1) that was free a moment ago, for servers that cannot listen on port 0
 * themselves (node-opcua in some versions, PostgreSQL, Slurm, mosquitto). The kernel picks it (bind to port 0), so two
 * callers racing each other rarely collide; a server that then fails to bind should simply retry.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: the socket has no TCP address'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
