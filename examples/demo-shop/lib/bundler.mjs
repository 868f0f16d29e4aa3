// @ts-check
/**
 * Builds examples/bundler/main.js the way a storefront's own build would:
 * esbuild resolves `import { createSteadyCart } from 'steadycart'` through
 * the package's `exports` (the repository root is the `steadycart` package,
 * and a package may import itself by name), bundling ky, idb and
 * workbox-window from node_modules. The result is kept in memory.
 */
import { join } from 'node:path';

/**
 * @param {string} root  the repository root
 * @returns {Promise<{ js: Buffer, map: Buffer, inputs: string[] }>}
 */
export async function buildBundlerExample(root) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'examples/bundler/main.js')],
    outfile: join(root, 'examples/bundler/out/main.js'), // names the output; nothing is written
    write: false,
    bundle: true,
    format: 'esm',
    target: 'es2022', // top-level await
    platform: 'browser',
    minify: true,
    sourcemap: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!js || !map) throw new Error('esbuild produced no output for examples/bundler/main.js');
  return { js: Buffer.from(js.contents), map: Buffer.from(map.contents), inputs: Object.keys(result.metafile.inputs) };
}
