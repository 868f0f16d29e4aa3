// The files a merchant serves as they are (the script-tag bundles, the standalone worker) carry idb without its
// cursor iterators and ky without its progress streams, which steadycart never uses: rollup.config.mjs cuts them
// out (`idbWithoutIterators`, `kyWithoutProgress`), and fails the build when a library's file no longer has the
// shape it cuts. Needs `npm run build`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { idbWithoutIterators, kyWithoutProgress } from '../../rollup.config.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IDB = createRequire(import.meta.url).resolve('idb').replace(/index\.cjs$/, 'index.js');
const KY = `${ROOT}node_modules/ky/distribution/`;
const BUNDLES = ['steadycart-cart.iife.js', 'steadycart.iife.js', 'steadycart-sw.js'];

describe("idb's cursor iterators", () => {
  it('are not in the cart, page and worker bundles; idb is', () => {
    for (const file of BUNDLES) {
      const code = readFileSync(`${ROOT}dist/${file}`, 'utf8');
      // idb's `iterate` is the only code of these bundles that names Symbol.asyncIterator.
      assert.doesNotMatch(code, /asyncIterator/, `${file} carries idb's cursor iterators`);
      // What stays of idb: the wrapper that turns a cursor's advance into a promise.
      assert.match(code, /continuePrimaryKey/, `${file} carries idb`);
    }
  });

  it('are cut from idb as installed, and nothing else is; a file of another shape fails the build', () => {
    const code = readFileSync(IDB, 'utf8');
    const cut = idbWithoutIterators.transform(code, IDB).code;
    assert.match(code, /async function\* iterate/);
    assert.doesNotMatch(cut, /iterate|asyncIterator/);
    assert.match(cut, /function openDB[\s\S]*replaceTraps[\s\S]*\nexport \{ deleteDB, openDB, unwrap, wrap \};\n?$/);
    assert.equal(idbWithoutIterators.transform(code, `${ROOT}src/storage/base.ts`), null, 'other files pass through');
    assert.throws(() => idbWithoutIterators.transform('export const openDB = 1;', IDB), /cursor iterators not found/);
  });
});

describe("ky's progress streams", () => {
  it('are not in the page and worker bundles; ky is', () => {
    for (const file of BUNDLES.slice(1)) {
      const code = readFileSync(`${ROOT}dist/${file}`, 'utf8');
      // The streams count the bytes they pass on; nothing else of these bundles does.
      assert.doesNotMatch(code, /transferredBytes/, `${file} carries ky's progress streams`);
      // What stays of ky: its check of the option, and its own errors.
      assert.match(code, /onDownloadProgress/, `${file} carries ky`);
    }
  });

  it('are reached only through the progress options, which steadycart never sets', () => {
    const ky = readFileSync(`${KY}core/Ky.js`, 'utf8');
    // Each stream function is called at one place only, right after the check of its option.
    const callsOf = (name) => [...ky.matchAll(new RegExp(`${name}\\(`, 'g'))].map((m) => m.index);
    const after = (name, check) => {
      const calls = callsOf(name);
      assert.equal(calls.length, 1, `${name} is called once`);
      assert.ok(ky.slice(Math.max(0, calls[0] - 600), calls[0]).includes(check), `${name} is called after ${check}`);
    };
    after('streamResponse', 'if (ky.#options.onDownloadProgress) {');
    after('streamRequest', 'if (!this.#options.onUploadProgress || !request.body) {');
    const sources = (dir) => readdirSync(dir, { withFileTypes: true, recursive: true }).filter((f) => f.isFile() && f.name.endsWith('.ts'));
    for (const f of sources(`${ROOT}src`)) assert.doesNotMatch(readFileSync(`${f.parentPath ?? f.path}/${f.name}`, 'utf8'), /on(Upload|Download)Progress/, f.name);
  });

  it('are cut from ky as installed, and nothing else is; a file of another shape fails the build', () => {
    const body = `${KY}utils/body.js`;
    const code = readFileSync(body, 'utf8');
    const cut = kyWithoutProgress.transform(code, body).code;
    assert.match(code, /withProgress/);
    assert.doesNotMatch(cut, /withProgress|ReadableStream/);
    assert.equal(kyWithoutProgress.transform(code, `${KY}core/Ky.js`), null, 'other files pass through');
    assert.throws(() => kyWithoutProgress.transform('export const streamResponse = 1;', body), /progress streams not found/);
  });
});
