// @ts-check
/**
 * The built SDK files the shop serves (dist/), read once at start so that the
 * bytes served and the integrity value injected into the pages always match,
 * even if `npm run build` rewrites dist/ while the demo runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Served at the site root: the worker's scope must cover the whole shop. */
const FILES = ['steadycart.iife.js', 'steadycart.iife.js.map', 'steadycart-sw.js', 'steadycart-sw.js.map', 'steadycart-sw-shell.js', 'steadycart-sw-shell.js.map'];

/**
 * @typedef {object} SdkFiles
 * @property {Map<string, Buffer>} files  by file name
 * @property {string} integrity           sha384-… of steadycart.iife.js, from dist/sri.json
 */

/**
 * @param {string} distDir
 * @returns {SdkFiles}
 */
export function loadSdkFiles(distDir) {
  const missing = [...FILES, 'sri.json'].filter((f) => !f.endsWith('.map') && !existsSync(join(distDir, f)));
  if (missing.length) {
    throw new Error(`the SDK is not built (${missing.join(', ')} missing in ${distDir}): run \`npm run build\` first`);
  }
  /** @type {Map<string, Buffer>} */
  const files = new Map();
  for (const f of FILES) if (existsSync(join(distDir, f))) files.set(f, readFileSync(join(distDir, f)));
  const sri = JSON.parse(readFileSync(join(distDir, 'sri.json'), 'utf8'));
  const integrity = sri['steadycart.iife.js'];
  if (typeof integrity != 'string' || !integrity.startsWith('sha384-')) {
    throw new Error(`${distDir}/sri.json has no sha384 value for steadycart.iife.js: run \`npm run build\``);
  }
  // A build running at the same moment could leave the two out of step; the
  // browser would then refuse the script. Say so instead of serving a broken shop.
  const actual = 'sha384-' + createHash('sha384').update(/** @type {Buffer} */ (files.get('steadycart.iife.js'))).digest('base64');
  if (actual !== integrity) {
    throw new Error(`dist/sri.json does not match dist/steadycart.iife.js (a build in progress?): run \`npm run build\` again`);
  }
  return { files, integrity };
}
