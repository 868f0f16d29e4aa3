// The test command's check of the engines: a Firefox too old for the test
// runner is reported (and, as root on Debian, upgraded) instead of failing
// every browser test file with a protocol error.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { firefoxRequirement, minFirefoxMajor, wtrParts } from '../runner/browsers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'steadycart-firefox-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in binary at FIREFOX_PATH that prints `out` for `--version` and exits with `code`. */
function fakeFirefox(name, out, code = 0) {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '${out}'\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return { FIREFOX_PATH: path };
}

describe('the Firefox the browser tests drive', () => {
  it('must be at least the major version the tree\'s puppeteer-core targets', async () => {
    const min = await minFirefoxMajor();
    assert.ok(Number.isInteger(min) && min >= 100, `read ${min}`);
  });

  it('is refused, with the reason, when older; used when as new or newer', () => {
    const old = firefoxRequirement(150, fakeFirefox('old', 'Mozilla Firefox 140.12.0esr'));
    assert.equal(old.ok, false);
    assert.match(old.problem ?? '', /is Firefox 140; the browser tests drive Firefox 150 or newer/);
    assert.equal(old.overridden, true);
    assert.equal(firefoxRequirement(150, fakeFirefox('same', 'Mozilla Firefox 150.0.2')).ok, true);
    assert.equal(firefoxRequirement(150, fakeFirefox('esr', 'Mozilla Firefox 153.8.0esr')).ok, true);
  });

  it('is tried as it is when it does not say its version, or when no minimum is known', () => {
    assert.equal(firefoxRequirement(150, fakeFirefox('mute', '', 3)).ok, true);
    assert.equal(firefoxRequirement(150, fakeFirefox('odd', 'Firefox Nightly')).ok, true);
    assert.equal(firefoxRequirement(null, fakeFirefox('old2', 'Mozilla Firefox 140.0')).ok, true);
  });

  it('is reported missing, not old, when there is no binary', () => {
    const gone = firefoxRequirement(150, { FIREFOX_PATH: join(dir, 'nowhere') });
    assert.equal(gone.ok, false);
    assert.equal(gone.problem, undefined);
  });
});

describe('the parts the browser suite runs in (WTR_PARTS)', () => {
  it('are 2 by default, any whole number from 1 as given, and 1 for what is not one', () => {
    assert.equal(wtrParts({}), 2);
    assert.equal(wtrParts({ WTR_PARTS: '1' }), 1);
    assert.equal(wtrParts({ WTR_PARTS: '3' }), 3);
    for (const bad of ['0', '-2', 'two', '']) assert.equal(wtrParts({ WTR_PARTS: bad }), 1, JSON.stringify(bad));
  });
});
