// The published types as a shop's project compiles them: the page entries
// (with window.SteadyCart from the script-tag bundle) under the DOM library,
// and a service worker under no browser library at all (dist/sw.d.ts brings
// WebWorker's), both with skipLibCheck: false, resolving `steadycart` through
// package.json's exports to dist/*.d.ts. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/node/fixtures/consumer';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** tsc's diagnostics for one of the fixture's projects (empty when it compiles). */
async function compile(project) {
  assert.ok(existsSync(`${ROOT}dist/steadycart.d.ts`) && existsSync(`${ROOT}dist/sw.d.ts`), 'dist/ is built (npm run build)');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', `${FIXTURE}/${project}`], { cwd: ROOT, timeout: 120_000 });
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
});
