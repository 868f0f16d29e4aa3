import type { drillMode } from './drill';

/**
 * @internal Drill mode, loaded only by `drill: true`: a chunk of its own in
 * the ES module build. The script-tag build resolves this module to
 * `./unavailable` (rollup.config.mjs), where it fails without a dynamic
 * import to inline.
 */
export const loadDrill = async (): Promise<ReturnType<typeof drillMode>> => (await import('./drill')).drillMode();
