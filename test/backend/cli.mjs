#!/usr/bin/env node
// @ts-check
/**
 * Starts a backend from flags and prints its URLs; stops cleanly on
 * SIGINT/SIGTERM. Example:
 *   node test/backend/cli.mjs --endpoints us:main:20,eu:main,backup:backup --ports 9101,9102,9103
 * An endpoint is `name[:domain[:latencyMs]]`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startBackend } from './backend.mjs';

const USAGE = `usage: cli.mjs [--endpoints name[:domain[:latencyMs]],...] [--ports p1,p2,...] [--host 127.0.0.1]
               [--checkout-path /checkout] [--health-path /health|false] [--process-ms 0] [--no-require-key] [--json]`;

/**
 * Turns command-line flags into startBackend options.
 * @param {string[]} argv
 * @returns {{ options: import('./backend.mjs').BackendOptions, json: boolean }}
 */
export function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      endpoints: { type: 'string', default: 'us:main,eu:main,backup:backup' },
      ports: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'checkout-path': { type: 'string' },
      'health-path': { type: 'string' },
      'process-ms': { type: 'string' },
      'no-require-key': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const endpoints = String(values.endpoints)
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const [name, domain, latency] = spec.split(':');
      // An empty name is left for startBackend to reject with its own message.
      return { name: name ?? '', domain: domain || undefined, latencyMs: latency ? Number(latency) : undefined };
    });
  const health = values['health-path'];
  return {
    options: {
      endpoints,
      host: values.host,
      ports: values.ports ? values.ports.split(',').map(Number) : undefined,
      checkoutPath: values['checkout-path'],
      healthPath: health === 'false' ? false : health,
      processMs: values['process-ms'] ? Number(values['process-ms']) : undefined,
      requireKey: !values['no-require-key'],
    },
    json: Boolean(values.json),
  };
}

async function main() {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const be = await startBackend(parsed.options);
  if (parsed.json) console.log(JSON.stringify({ endpoints: be.endpoints }));
  else for (const e of be.endpoints) console.log(`${e.name}\t${e.domain}\t${e.url}`);
  const stop = async () => {
    await be.close();
    // Nothing else is left running: the process exits by itself.
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run only when executed, not when imported (parseCli is reusable).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
