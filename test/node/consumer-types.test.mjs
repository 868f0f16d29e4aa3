// The published types as a shop's project compiles them: the page entries
// (with window.SteadyCart from the script-tag bundle) under the DOM library,
// a service worker under no browser library at all (dist/sw.d.ts brings
// WebWorker's), steadycart/server under Node's types, and the browser entries
// imported by Node code (no DOM), all with skipLibCheck: false, resolving
// `steadycart` through package.json's exports to dist/*.d.ts; the page, the
// worker and the server with "exactOptionalPropertyTypes" too, giving options
// as `undefined`. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/node/fixtures/consumer';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** tsc's diagnostics for one of the fixture's projects (empty when it compiles). */
async function compile(project, cwd = ROOT) {
  assert.ok(existsSync(`${ROOT}dist/steadycart.d.ts`) && existsSync(`${ROOT}dist/sw.d.ts`), 'dist/ is built (npm run build)');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', project.includes('/') ? project : `${FIXTURE}/${project}`], { cwd, timeout: 120_000 });
    return '';
  } catch (error) {
    return String(error.stdout || error.message);
  }
}

describe("the published types in a shop's project (skipLibCheck: false)", { timeout: 300_000 }, () => {
  it('page code compiles against steadycart, steadycart/cart, steadycart/react and the script-tag global', async () => {
    assert.equal(await compile('tsconfig.page.json'), '');
  });

  it("a service worker compiles against steadycart/sw with no WebWorker library of its own", async () => {
    assert.equal(await compile('tsconfig.worker.json'), '');
  });

  it('a Node backend compiles against steadycart/server, its options given as undefined under exactOptionalPropertyTypes', async () => {
    assert.equal(await compile('tsconfig.server.json'), '');
  });

  it('Node code without the DOM library compiles against steadycart, steadycart/cart, steadycart/react and steadycart/otel', async () => {
    assert.equal(await compile('tsconfig.node.json'), '');
  });

  it('page code compiles with the older "moduleResolution": "node", which reads no exports map (typesVersions)', async (t) => {
    // A shop's project with steadycart installed: its node_modules/steadycart is this package (linked, and
    // kept as the path it is linked at, as an install's real folder would be), beside React's types.
    const shop = mkdtempSync(join(tmpdir(), 'steadycart-node10-'));
    t.after(() => rmSync(shop, { recursive: true, force: true }));
    mkdirSync(join(shop, 'node_modules'));
    symlinkSync(ROOT, join(shop, 'node_modules/steadycart'), 'dir');
    for (const dep of ['react', '@types', '@opentelemetry']) symlinkSync(join(ROOT, 'node_modules', dep), join(shop, 'node_modules', dep), 'dir');
    cpSync(join(ROOT, FIXTURE, 'page.ts'), join(shop, 'page.ts'));
    const options = { target: 'ES2020', module: 'ESNext', moduleResolution: 'Node', lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, skipLibCheck: false, noEmit: true, types: [], preserveSymlinks: true };
    writeFileSync(join(shop, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['page.ts'] }));
    assert.equal(await compile(join(shop, 'tsconfig.json'), shop), '');
  });
});
