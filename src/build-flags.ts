/**
 * @internal True only in the standalone service worker's bundle
 * (dist/steadycart-sw.js), where rollup.config.mjs sets it. That worker
 * replays the configuration the pages stored, which is plain data: it has no
 * `headers` functions, no custom `fetch`, and no listener hears its events.
 * Code that only those need sits under `!STANDALONE_WORKER`, so that bundle
 * leaves it out. Everywhere else (every other bundle, and the tests, which
 * load src/) it is false.
 */
export const STANDALONE_WORKER: boolean = false;
