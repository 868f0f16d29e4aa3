// The files a merchant serves as they are (the script-tag bundles, the standalone worker) carry idb without its
// cursor iterators, which steadycart never uses: rollup.config.mjs cuts them out (`idbWithoutIterators`), and
// fails the build when idb's file no longer has the shape it cuts. Needs `npm run build`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { idbWithoutIterators } from '../../rollup.config.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IDB = createRequire(import.meta.url).resolve('idb').replace(/index\.cjs$/, 'index.js');

describe("idb's cursor iterators", () => {
  it('are not in the cart, page and worker bundles; idb is', () => {
    for (const file of ['steadycart-cart.iife.js', 'steadycart.iife.js', 'steadycart-sw.js']) {
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
