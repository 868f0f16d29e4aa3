#!/usr/bin/env node
// @ts-check
/**
 * The React shop in one command (`npm run example:react` from the repository
 * root, which builds the SDK first): installs this folder's dependencies when
 * they are missing, starts the fault-injecting test backend in this process
 * (test/backend: regions `us` and `eu` of the `main` API, and a `backup`
 * backend, on 127.0.0.1) and
 * the Vite dev server, and prints the shop's URL.
 *
 *   node examples/react-shop/start.mjs [--port 5173]
 *
 * In tests: `const shop = await startReactShop({ port: 0 })`, then `shop.close()`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');

/** The checkout endpoints: two regions of one API, and another backend. */
const ENDPOINTS = [
  { name: 'us', domain: 'main', latencyMs: 20 },
  { name: 'eu', domain: 'main', latencyMs: 60 },
  { name: 'backup', domain: 'backup', latencyMs: 90 },
];
/** Where the app's "Simulate an outage" button posts, and reads the switch's state (development only). */
const OUTAGE_SWITCH = '/__outage';

/**
 * Installs this folder's dependencies unless they are there: the versions of
 * its lockfile, which stays as it is (`--no-save`; `npm ci` would refuse a
 * lockfile whose copy of the linked steadycart's manifest is not current).
 */
export function ensureInstalled(log = console.log) {
  if (existsSync(join(HERE, 'node_modules/vite/package.json')) && existsSync(join(HERE, 'node_modules/react-dom/package.json'))) return;
  if (!existsSync(join(ROOT, 'dist/react.mjs'))) throw new Error('build the SDK first: npm run build (in the repository root)');
  log('react-shop: installing its dependencies (npm install)…');
  const npm = process.platform == 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--no-save', '--no-audit', '--no-fund'];
  const run = spawnSync(npm, args, { cwd: HERE, stdio: 'inherit', timeout: 10 * 60_000, env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} in ${HERE} failed (exit ${run.status ?? run.signal})`);
}

/**
 * Starts the backend and the Vite dev server.
 * @param {{ port?: number, log?: (line: string) => void }} [options]
 */
export async function startReactShop(options = {}) {
  const log = options.log ?? console.log;
  ensureInstalled(log);
  const { startBackend } = await import(pathToFileURL(join(ROOT, 'test/backend/index.mjs')).href);
  const backend = await startBackend({ endpoints: ENDPOINTS, host: '127.0.0.1' });
  // Vite is this folder's dependency: resolve it from here, whoever runs this script.
  const { createServer } = await import(pathToFileURL(join(HERE, 'node_modules/vite/dist/node/index.js')).href);
  process.env.VITE_STEADYCART_ENDPOINTS = JSON.stringify(backend.endpoints.map(({ url, domain }) => ({ url, domain })));
  process.env.VITE_OUTAGE_SWITCH = OUTAGE_SWITCH;
  /** Whether the switch has every endpoint down: what GET answers, so that a reloaded page shows it. */
  let down = false;
  /** @type {import('vite').Plugin} */
  const outageSwitch = {
    name: 'react-shop-outage-switch',
    configureServer(server) {
      server.middlewares.use(OUTAGE_SWITCH, (req, res) => {
        const answer = () => {
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.end(JSON.stringify({ down }));
        };
        if (req.method == 'GET') return answer();
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', async () => {
          down = JSON.parse(body || '{}').down === true;
          // Every endpoint answers 503: orders wait in the outbox, pending, and are placed once it ends.
          for (const { name } of ENDPOINTS) await backend.setFault(name, down ? { kind: 'status', status: 503 } : 'healthy');
          answer();
        });
      });
    },
  };
  const vite = await createServer({
    root: HERE,
    configFile: join(HERE, 'vite.config.mjs'),
    plugins: [outageSwitch],
    server: { port: options.port ?? 5173, strictPort: options.port !== 0 && options.port !== undefined, host: 'localhost' },
    logLevel: 'warn',
  });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://localhost:${vite.config.server.port}/`;
  return {
    url,
    backend,
    async close() {
      await vite.close();
      await backend.close();
    },
  };
}

if (import.meta.url == pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '5173' } } });
  const shop = await startReactShop({ port: Number(values.port) });
  console.log(`React shop: ${shop.url}  (checkout endpoints: ${shop.backend.endpoints.map((/** @type {{ url: string }} */ e) => e.url).join(', ')})`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => shop.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
