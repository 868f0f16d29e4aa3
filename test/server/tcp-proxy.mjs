// @ts-check
/**
 * A TCP proxy on 127.0.0.1 in front of a test database, that cuts its
 * connections on request: `cut('reply')` drops the next answer the database
 * sends (after it committed) and closes both sides, `cut('request')` drops the
 * next request before the database sees it. Everything else passes through.
 */
import { createConnection, createServer } from 'node:net';

/**
 * @param {number} targetPort
 * @returns {Promise<{ port: number, cut: (direction: 'reply' | 'request') => Promise<void>, close: () => Promise<void> }>}
 */
export async function tcpProxy(targetPort) {
  /** @type {{ direction: 'reply' | 'request', done: () => void } | null} */
  let armed = null;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    const pipe = (/** @type {import('node:net').Socket} */ from, /** @type {import('node:net').Socket} */ to, /** @type {'reply' | 'request'} */ direction) => {
      from.on('data', (chunk) => {
        if (armed?.direction == direction) {
          const { done } = armed;
          armed = null;
          client.destroy();
          upstream.destroy();
          done();
          return;
        }
        to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    pipe(client, upstream, 'request');
    pipe(upstream, client, 'reply');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    port,
    cut: (direction) => new Promise((done) => (armed = { direction, done })),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
