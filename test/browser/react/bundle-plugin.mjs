// @ts-check
/**
 * A @web/test-runner plugin that serves test/browser/react/app.ts bundled
 * with React by esbuild (React ships CommonJS, which the dev server does not
 * serve as modules) at /test/browser/react/app.bundle.js, built afresh on
 * every request. Development React, so that its warnings (an uncached
 * getSnapshot, a hydration mismatch) reach the tests.
 */
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const PATH = '/test/browser/react/app.bundle.js';
const ENTRY = fileURLToPath(new URL('./app.ts', import.meta.url));

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function reactAppBundle() {
  return {
    name: 'steadycart-react-app',
    async serve(context) {
      if (context.path != PATH) return undefined;
      const { outputFiles } = await esbuild.build({
        entryPoints: [ENTRY],
        bundle: true,
        format: 'esm',
        target: 'es2020',
        write: false,
        sourcemap: 'inline',
        define: { 'process.env.NODE_ENV': '"development"' },
        logLevel: 'error',
      });
      return { body: outputFiles[0].text, type: 'js' };
    },
  };
}
