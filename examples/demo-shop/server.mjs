#!/usr/bin/env node
// @ts-check
/**
 * The steadycart demo: a shop on http://localhost:8080 that loads the SDK by
 * script tag (with its integrity value), the bundler example at /bundler/,
 * and three checkout endpoints on their own 127.0.0.1 ports: two regions of
 * the main API, "us" and "eu", and a "backup" backend. Each endpoint is a
 * fault-injecting front (test/backend) before `steadycart serve`, the real
 * steadycart/server: us and eu share one idempotency store (one embedded
 * PGlite by default; with STEADYCART_STORE=postgres://… or redis://…, two
 * serve processes on that store), backup has its own. The fronts' control
 * API is mounted at /__backend for the shop's fault panel and ledger.
 *
 *   node examples/demo-shop/server.mjs [--port 8080] [--endpoint-ports 8081,8082,8083] [--data DIR]
 *   (or PORT=… ENDPOINT_PORTS=… STEADYCART_STORE=…); `npm start` builds first.
 *
 * In tests: `const demo = await startDemo({ port: 0, endpointPorts: [0, 0, 0] })`.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createControlHandler, requestUrl } from '../../test/backend/index.mjs';
import { buildBundlerExample } from './lib/bundler.mjs';
import { startCheckoutBackend } from './lib/checkout-backend.mjs';
import { loadSdkFiles } from './lib/sdk-files.mjs';
import { contentSecurityPolicy, securityHeaders } from './lib/security.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const PUBLIC = join(HERE, 'public');

/** The three checkout endpoints: name, idempotency domain, added latency, label. */
export const ENDPOINTS = [
  { name: 'us', domain: 'main', latencyMs: 20, label: 'Main API · US region' },
  { name: 'eu', domain: 'main', latencyMs: 60, label: 'Main API · EU region' },
  { name: 'backup', domain: 'backup', latencyMs: 90, label: 'Backup processor' },
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** Pages and the file each is rendered from. */
const PAGES = {
  '/': join(PUBLIC, 'index.html'),
  '/checkout': join(PUBLIC, 'checkout.html'),
  '/bundler/': join(ROOT, 'examples/bundler/index.html'),
};

/**
 * @typedef {object} DemoOptions
 * @property {number} [port]              shop port on localhost; default 8080 (0: any free port)
 * @property {number[]} [endpointPorts]   us, eu, backup ports on 127.0.0.1; default 8081-8083 (0: free)
 * @property {string} [distDir]           the built SDK; default <repo>/dist
 * @property {string} [store]             the main domain's store: `postgres://…` or `redis://…`; or `memory`
 *                                        for every domain (nothing kept once stopped); default
 *                                        (and STEADYCART_STORE unset): one embedded PGlite
 * @property {string} [dataDir]           PGlite's folder; default: a temporary one, removed on close
 * @property {(line: string) => void} [log]  request errors and notes; default silent
 */

/**
 * @typedef {object} Demo
 * @property {string} url            the shop, e.g. http://localhost:8080/
 * @property {string} checkoutUrl
 * @property {string} bundlerUrl
 * @property {{ name: string, domain: string, url: string, port: number, label: string }[]} endpoints
 * @property {string} backendUrl     the control API of this demo's backend, e.g. http://localhost:8080/__backend/b1
 * @property {{ region: string, domain: string, fronts: string[], store: string, url: string }[]} servers  the serve processes
 * @property {number} port
 * @property {() => Promise<void>} close
 */

/**
 * Starts the shop server and the three checkout endpoints.
 * @param {DemoOptions} [options]
 * @returns {Promise<Demo>}
 */
export async function startDemo(options = {}) {
  const log = options.log ?? (() => {});
  const sdk = await loadWithRetry(options.distDir ?? join(ROOT, 'dist'));
  /** @type {{ js: Buffer, map: Buffer } | Error} */
  let bundle;
  try {
    bundle = await buildBundlerExample(ROOT);
  } catch (err) {
    // The shop works without it; the bundler page says why it is missing.
    bundle = /** @type {Error} */ (err);
    log(`bundler example not built: ${bundle.message}`);
  }

  const control = createControlHandler({ prefix: '/__backend', idleMs: 365 * 86_400_000 });
  /** Set once the demo's own backend exists; from then on nobody can create or delete backends. */
  let backendId = '';
  /** @type {string} */
  let csp = contentSecurityPolicy([]);
  /** @type {string} */
  let pageConfig = '{}';

  /** @type {http.RequestListener} */
  const handle = (req, res) => {
    const url = requestUrl(req);
    if (!url) return send(res, 400, 'text/plain', 'bad request');
    const path = url.pathname;
    if (path === '/__backend' || path.startsWith('/__backend/')) {
      const own = path.startsWith(`/__backend/${backendId}/`) || path === `/__backend/${backendId}`;
      if (backendId && (!own || req.method === 'DELETE')) return send(res, 403, 'application/json', '{"error":"the demo backend is fixed"}');
      return control(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed', { Allow: 'GET, HEAD' });
    const headers = securityHeaders(csp);

    if (path === '/bundler') return send(res, 308, 'text/plain', '', { Location: '/bundler/' });
    const page = PAGES[/** @type {keyof typeof PAGES} */ (path)];
    if (page) {
      renderPage(res, page, { integrity: sdk.integrity, config: pageConfig }, headers).catch((e) => fail(res, e));
      return;
    }

    const sdkFile = sdk.files.get(path.slice(1));
    if (sdkFile) {
      // The worker is re-checked by the browser on every visit; the rest may be cached briefly.
      return send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', sdkFile, { ...headers, 'Cache-Control': 'no-cache' }, req.method === 'HEAD');
    }
    if (path === '/bundler/main.js' || path === '/bundler/main.js.map') {
      if (bundle instanceof Error) return send(res, 503, 'text/plain', `bundler example not built: ${bundle.message}`, headers);
      return send(res, 200, TYPES[extname(path)], path.endsWith('.map') ? bundle.map : bundle.js, { ...headers, 'Cache-Control': 'no-cache' }, req.method === 'HEAD');
    }
    if (path.startsWith('/assets/') || path === '/favicon.ico') {
      serveStatic(req, res, path === '/favicon.ico' ? 'img/logo.svg' : path.slice('/assets/'.length), headers).catch((e) => fail(res, e));
      return;
    }
    return send(res, 404, 'text/html; charset=utf-8', notFoundPage(), headers);
  };

  /** @param {http.ServerResponse} res @param {unknown} err */
  const fail = (res, err) => {
    log(`error: ${/** @type {Error} */ (err)?.stack ?? err}`);
    if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
    else res.destroy();
  };

  const servers = [http.createServer(handle)];
  const port = await listen(servers[0], options.port ?? 8080, '127.0.0.1');
  // Browsers may try ::1 first for "localhost": answer there too when the system has IPv6. A port asked for
  // that another server holds there (a dev server on localhost:8080) would send the shopper's browser to it:
  // refused as on 127.0.0.1. (A system without IPv6 fails otherwise, and is fine.)
  const v6 = http.createServer(handle);
  try {
    await listen(v6, port, '::1');
    servers.push(v6);
  } catch (err) {
    if (options.port !== 0 && /** @type {NodeJS.ErrnoException} */ (err).code === 'EADDRINUSE') {
      await new Promise((r) => servers[0].close(r));
      throw err;
    }
  }
  for (const s of servers) s.keepAliveTimeout = 5_000;

  /** @type {Awaited<ReturnType<typeof startCheckoutBackend>> | null} */
  let checkout = null;
  const close = async () => {
    await control.closeAll();
    await checkout?.close();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise((r) => {
            s.close(() => r(undefined));
            s.closeAllConnections();
          }),
      ),
    );
  };

  try {
    const ports = options.endpointPorts ?? [8081, 8082, 8083];
    try {
      checkout = await startCheckoutBackend({
        endpoints: ENDPOINTS,
        ports,
        store: options.store ?? (process.env.STEADYCART_STORE || undefined),
        dataDir: options.dataDir,
        log,
      });
    } catch (err) {
      throw new Error(`could not start the checkout endpoints on ports ${ports.join(', ')}: ${/** @type {Error} */ (err).message}`);
    }
    backendId = control.adopt(checkout.backend);
    const endpoints = checkout.backend.endpoints.map((e, i) => ({ ...e, label: ENDPOINTS[i].label }));
    csp = contentSecurityPolicy(endpoints.map((/** @type {{ url: string }} */ e) => new URL(e.url).origin));
    pageConfig = JSON.stringify({
      endpoints: endpoints.map((/** @type {any} */ e) => ({ name: e.name, domain: e.domain, url: e.url, label: e.label })),
      backend: `/__backend/${backendId}`,
    });
    const base = `http://localhost:${port}`;
    return {
      url: `${base}/`,
      checkoutUrl: `${base}/checkout`,
      bundlerUrl: `${base}/bundler/`,
      endpoints,
      backendUrl: `${base}/__backend/${backendId}`,
      servers: checkout.servers,
      port,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * dist/ may be in the middle of a rebuild (another `npm run build`): try again for a few seconds.
 * @param {string} distDir
 */
async function loadWithRetry(distDir) {
  for (let i = 0; ; i++) {
    try {
      return loadSdkFiles(distDir);
    } catch (err) {
      if (i >= 20 || /not built/.test(/** @type {Error} */ (err).message)) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * @param {http.Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<number>}
 */
function listen(server, port, host) {
  return new Promise((resolvePort, reject) => {
    const onError = (/** @type {NodeJS.ErrnoException} */ err) => {
      reject(err.code === 'EADDRINUSE' ? Object.assign(new Error(`port ${port} on ${host} is already in use (set PORT or --port)`), { code: err.code }) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePort(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string | Buffer} body
 * @param {Record<string, string>} [headers]
 * @param {boolean} [head]
 */
function send(res, status, type, body, headers = {}, head = false) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(head ? undefined : body);
}

/** Escapes text for an HTML attribute value or text node. */
const escapeHtml = (/** @type {string} */ s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Renders an HTML page: the SDK's integrity value (from dist/sri.json) and the
 * demo's configuration (a <meta> tag: no inline script under this CSP).
 * @param {http.ServerResponse} res
 * @param {string} file
 * @param {{ integrity: string, config: string }} values
 * @param {Record<string, string>} headers
 */
async function renderPage(res, file, values, headers) {
  const html = (await readFile(file, 'utf8'))
    .replaceAll('%STEADYCART_INTEGRITY%', escapeHtml(values.integrity))
    .replaceAll('%DEMO_CONFIG%', escapeHtml(values.config));
  send(res, 200, TYPES['.html'], html, { ...headers, 'Cache-Control': 'no-cache' });
}

/**
 * Serves a file of public/, never outside it.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {string} rel
 * @param {Record<string, string>} headers
 */
async function serveStatic(req, res, rel, headers) {
  let file;
  try {
    file = normalize(join(PUBLIC, decodeURIComponent(rel)));
  } catch {
    return send(res, 400, 'text/plain', 'bad path', headers);
  }
  const type = TYPES[/** @type {keyof typeof TYPES} */ (extname(file))];
  if (!file.startsWith(PUBLIC + sep) || !type) return send(res, 404, 'text/plain', 'not found', headers);
  let body;
  try {
    body = await readFile(file);
  } catch {
    return send(res, 404, 'text/plain', 'not found', headers);
  }
  send(res, 200, type, body, { ...headers, 'Cache-Control': 'no-cache' }, req.method === 'HEAD');
}

function notFoundPage() {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found · Hearth &amp; Harbor</title><link rel="stylesheet" href="/assets/css/shop.css"></head>
<body class="plain"><main class="narrow"><h1>We could not find that page</h1><p><a href="/">Back to the shop</a></p></main></body></html>`;
}

// ---------------------------------------------------------------- command line

/** @param {string[]} argv */
function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, 'endpoint-ports': { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'usage: node examples/demo-shop/server.mjs [--port 8080] [--endpoint-ports 8081,8082,8083] [--data DIR]\n' +
        '(env: PORT, ENDPOINT_PORTS; STEADYCART_STORE=postgres://… or redis://… runs us and eu as two serve processes on that store; STEADYCART_STORE=memory keeps every store in memory)',
    );
    process.exit(0);
  }
  const num = (/** @type {string} */ s, /** @type {string} */ what) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${what} must be a port number, got ${JSON.stringify(s)}`);
    return n;
  };
  const portText = values.port ?? process.env.PORT;
  const endpointText = values['endpoint-ports'] ?? process.env.ENDPOINT_PORTS;
  const endpointPorts = endpointText ? endpointText.split(',').map((p) => num(p.trim(), 'endpoint ports')) : undefined;
  if (endpointPorts && endpointPorts.length !== 3) throw new Error('give three endpoint ports: us,eu,backup');
  return { port: portText ? num(portText, 'port') : undefined, endpointPorts, dataDir: values.data };
}

async function main() {
  let demo;
  try {
    demo = await startDemo({ ...parseCli(process.argv.slice(2)), log: (line) => console.error(line) });
  } catch (err) {
    console.error(`steadycart demo: ${/** @type {Error} */ (err).message}`);
    process.exit(1);
  }
  const w = 9;
  console.log(`\n  steadycart demo shop\n`);
  console.log(`  ${'Shop'.padEnd(w)} ${demo.url}`);
  console.log(`  ${'Checkout'.padEnd(w)} ${demo.checkoutUrl}`);
  console.log(`  ${'Bundler'.padEnd(w)} ${demo.bundlerUrl}`);
  console.log(`\n  Checkout endpoints (fault-injecting fronts):`);
  for (const e of demo.endpoints) console.log(`  ${e.name.padEnd(w)} ${e.url}  domain ${e.domain}  ${e.label}`);
  console.log(`  ${'Control'.padEnd(w)} ${demo.backendUrl}`);
  console.log(`\n  Behind them, steadycart serve:`);
  for (const s of demo.servers) console.log(`  ${s.region.padEnd(w)} ${s.url}  for ${s.fronts.join(', ')}  store ${s.store}`);
  console.log(`\n  Break things with the fault panel beside the shop. Ctrl-C stops everything.\n`);

  let stopping = false;
  const stop = async (/** @type {string} */ signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal}: stopping the shop and the endpoints…`);
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    await demo.close();
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
