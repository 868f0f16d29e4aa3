// @ts-check
/**
 * Checkout endpoints backed by the real server, for browser tests: `POST
 * /__serve` starts fault-injecting fronts (test/backend) named us, eu and
 * backup before `steadycart serve` processes (us and eu on one real
 * PostgreSQL: domain `main`; backup on its own memory store: domain
 * `backup`), puts them under the fault backend's control API and answers
 * `{ id, endpoints }` like `POST /__backend`. Faults, the request log and
 * the ledger (built from the serve processes' `--ledger` files) are then
 * reached at `/__backend/:id/...` as for any test backend.
 *
 * The serve processes start on the first request and are shared by every
 * backend of the run (keys are random; each backend's ledger holds only the
 * orders that came through its own fronts); they stop with the runner.
 * PostgreSQL: `STEADYCART_TEST_POSTGRES_URL`, or a throwaway instance
 * (test/runner/services.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLedger, startServe } from '../../examples/demo-shop/lib/serve-process.mjs';
import { startBackend } from '../backend/index.mjs';

export const SERVE_PREFIX = '/__serve';

/** @typedef {import('koa').Context} Context */
/** @typedef {import('../backend/control.mjs').ControlHandler} ControlHandler */

const REGIONS = [
  { name: 'us', domain: 'main' },
  { name: 'eu', domain: 'main' },
  { name: 'backup', domain: 'backup' },
];

/**
 * @param {() => ControlHandler | null} control  the fault backend's control handler, once loaded
 */
export function serveBackends(control) {
  /** @type {Promise<{ urls: Map<string, string>, ledgers: { file: string, domain: string }[], stop: () => Promise<void> }> | null} */
  let running = null;

  const start = async () => {
    /** @type {(() => Promise<unknown>)[]} */
    const stops = [];
    const dir = mkdtempSync(join(tmpdir(), 'steadycart-wtr-serve-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const stop = async () => {
      for (const s of stops.reverse()) await s().catch(() => {});
    };
    try {
      let pg = process.env.STEADYCART_TEST_POSTGRES_URL;
      if (!pg) {
        const services = await import('./services.mjs');
        const s = await services.startPostgres();
        stops.push(() => s.stop());
        pg = s.url;
      }
      const store = /** @type {string} */ (pg);
      const processes = await Promise.all(
        REGIONS.map((r) =>
          startServe({
            store: r.domain === 'main' ? store : 'memory',
            region: r.name,
            ledger: join(dir, `${r.name}.jsonl`),
            log: (line) => console.error(`[serve ${r.name}] ${line}`),
          }),
        ),
      );
      stops.push(() => Promise.all(processes.map((p) => p.stop())));
      return {
        urls: new Map(REGIONS.map((r, i) => [r.name, processes[i].url])),
        ledgers: REGIONS.map((r) => ({ file: join(dir, `${r.name}.jsonl`), domain: r.domain })),
        stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  };

  /** @param {Context} ctx @param {() => Promise<unknown>} next */
  const middleware = async (ctx, next) => {
    if (ctx.path !== SERVE_PREFIX) return next();
    const handler = control();
    if (ctx.method !== 'POST' || !handler) {
      ctx.status = handler ? 405 : 503;
      ctx.body = { error: handler ? 'POST to start serve-backed endpoints' : 'fault backend unavailable' };
      return;
    }
    try {
      running ??= start();
      const { urls, ledgers } = await running;
      const be = await startBackend({
        endpoints: REGIONS.map((r) => ({ ...r, upstream: urls.get(r.name) })),
        host: '127.0.0.1',
        executions: () => ledgers.flatMap(({ file, domain }) => readLedger(file).map((l) => ({ ...l, domain }))),
      });
      ctx.body = { id: handler.adopt(be), endpoints: be.endpoints };
    } catch (err) {
      running = null;
      ctx.status = 500;
      ctx.body = { error: String(/** @type {Error} */ (err)?.message ?? err) };
    }
  };

  return {
    middleware,
    plugin: {
      name: 'steadycart-serve-backends',
      async serverStop() {
        const r = await running?.catch(() => null);
        await r?.stop();
      },
    },
  };
}
