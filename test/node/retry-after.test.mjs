// Retry-After as an HTTP date in every form HTTP readers must accept, read in
// several time zones: a date that names no zone (asctime) is GMT, never the
// reader's local time. Browsers cannot be given another zone from a test, so
// the SDK's own parser (src/transport/backoff.ts, bundled by esbuild) runs
// here under TZ.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const SOURCE = fileURLToPath(new URL('../../src/transport/backoff.ts', import.meta.url));

async function load() {
  const { outputFiles } = await esbuild.build({ entryPoints: [SOURCE], bundle: true, format: 'esm', write: false, logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
}

describe('Retry-After dates in any time zone', () => {
  it('reads IMF-fixdate, RFC 850 and asctime (and a numeric zone) as the same instant in UTC, Berlin, New York and Tokyo', async () => {
    const { retryAfterMs } = await load();
    const now = Date.parse('1994-11-06T08:49:27Z');
    const zone = process.env.TZ;
    try {
      for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo']) {
        // Node reads TZ again whenever it is set.
        process.env.TZ = tz;
        // (The last is no HTTP date, but servers send it: its zone is its own.)
        for (const form of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994', 'Sun, 06 Nov 1994 08:49:37 +0000']) {
          assert.equal(retryAfterMs(form, now), 10_000, `${form} in ${tz}`);
        }
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
