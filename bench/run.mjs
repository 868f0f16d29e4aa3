// npm run bench: builds the SDK, runs every benchmark (or `--only=a,b`), and writes
// bench/results.json and bench/RESULTS.md. Benchmarks assert nothing: see check.mjs.
//   npm run bench                      everything (about 7 minutes on 2 cores)
//   npm run bench -- --only=failover   one benchmark; the others' results are kept
//   npm run bench -- --no-build        use dist/ as it is
//   npm run bench -- --report          only rewrite RESULTS.md from results.json
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, format } from './check.mjs';
import * as drain from './drain.mjs';
import * as failover from './failover.mjs';
import * as healthy from './healthy.mjs';
import * as herd from './herd.mjs';
import * as server from './server.mjs';
import { ROOT, buildPageScript, launchBrowser, machine, progress, snapshotDist, srcFingerprint } from './lib.mjs';
import * as size from './size.mjs';
import * as startup from './startup.mjs';

const BENCHMARKS = {
  size: { title: '1. Size', module: size },
  healthy: { title: '2. Healthy path', module: healthy },
  failover: { title: '3. Failover', module: failover },
  drain: { title: '4. Outbox drain', module: drain },
  herd: { title: '5. Herd', module: herd },
  startup: { title: '6. Start-up', module: startup },
  server: { title: '7. Server', module: server },
};
const RESULTS_JSON = join(ROOT, 'bench/results.json');
const RESULTS_MD = join(ROOT, 'bench/RESULTS.md');

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? Object.keys(BENCHMARKS);
for (const name of only) if (!BENCHMARKS[name]) throw new Error(`unknown benchmark ${name}; have ${Object.keys(BENCHMARKS).join(', ')}`);
const command = process.env.npm_lifecycle_event == 'bench' ? `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` : `node bench/run.mjs${args.length ? ` ${args.join(' ')}` : ''}`;

if (args.includes('--report')) {
  writeFileSync(RESULTS_MD, markdown(JSON.parse(readFileSync(RESULTS_JSON, 'utf8'))));
  progress('rewrote bench/RESULTS.md from bench/results.json');
  process.exit(0);
}

const started = Date.now();
// Every wait below is bounded; this bounds the whole run too, whatever hangs.
setTimeout(() => {
  console.error('bench: still running after 20 minutes; giving up');
  process.exit(2);
}, 20 * 60_000).unref();
// Everything measured is built now, once: dist/ is copied and src/ bundled before any benchmark
// runs, so that edits to src/ or a rebuild of dist/ during the run cannot mix builds.
let source = srcFingerprint();
for (let attempt = 1; !args.includes('--no-build'); attempt++) {
  progress('building the SDK (npm run build)');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error('npm run build failed');
  }
  const after = srcFingerprint();
  if (after == source) break;
  source = after;
  if (attempt == 2) {
    progress('warning: src/ keeps changing; measuring the last build');
    break;
  }
}
if (!existsSync(join(ROOT, 'dist/steadycart.iife.js'))) throw new Error('dist/ is missing: run npm run build');
const bundles = snapshotDist();
// What the chosen benchmarks load besides dist/: the baselines' page script, the Workbox worker, the herd's policy bundle.
const needs = (...names) => names.some((name) => only.includes(name));
if (needs('healthy', 'failover', 'drain')) {
  progress('building the bench page script (baselines)');
  await buildPageScript('bench/pages/clients.mjs', 'clients.js');
}
if (needs('drain')) {
  progress('building the Workbox worker');
  await buildPageScript('bench/pages/workbox-sw.mjs', 'workbox-sw.js');
}
if (needs('herd')) {
  progress('building the herd policy bundle');
  await herd.buildPolicy();
}
if (args.includes('--no-build')) source += ' (dist/ not rebuilt: --no-build)';
else if (srcFingerprint() != fingerprint(source)) {
  source += ' (src/ changed while the bench was building: the builds may differ)';
  progress(`warning: ${source}`);
}

const probe = await launchBrowser();
const facts = { ...machine(probe.version), source, bundles };
await probe.close();
progress(`machine: ${facts.cpu}, ${facts.memory}, node ${facts.node}, ${facts.chromium}; src/ ${source}`);

const results = existsSync(RESULTS_JSON) ? JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) : {};
results.sections ??= {};
for (const name of only) {
  const { title, module } = BENCHMARKS[name];
  progress(`${title}: running`);
  const t = Date.now();
  const data = await module.run();
  results.sections[name] = { command, only: `npm run bench -- --only=${name}`, at: new Date().toISOString(), durationMs: Date.now() - t, machine: facts, data };
  results.lastRun = { command, at: new Date().toISOString(), durationMs: Date.now() - started, machine: facts };
  // Written after every benchmark, so that a later failure keeps what is done.
  writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2) + '\n');
  progress(`${title}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
writeFileSync(RESULTS_MD, markdown(results));
progress(`wrote bench/results.json and bench/RESULTS.md in ${((Date.now() - started) / 1000).toFixed(0)} s; targets (npm run bench:check):`);
for (const line of evaluate(results)) console.log(`  ${format(line)}`);

function markdown(results) {
  const m = results.lastRun.machine;
  const out = [
    '# steadycart benchmarks',
    '',
    `Generated by \`bench/run.mjs\` (do not edit by hand). Last run: \`${results.lastRun.command}\`, ${results.lastRun.at}, ${(results.lastRun.durationMs / 1000).toFixed(0)} s. ` +
      'Every comparison runs both sides in the same run, taking turns; benchmarks assert nothing, and `npm run bench:check` compares these results with the targets in bench/check.mjs.',
    '',
    '## Targets',
    '',
    '```',
    ...evaluate(results).map(format),
    '```',
    '',
    '## Machine and versions',
    '',
    `- ${m.os}; ${m.cpu}; ${m.memory}`,
    `- Node ${m.node}, npm ${m.npm}; ${m.chromium} (headless, through playwright-core), a fresh profile on disk per benchmark`,
    `- steadycart at ${m.commit}; src/ fingerprint ${m.source} (sha256 of every path and content); measured bundles ${Object.entries(m.bundles ?? {}).map(([f, h]) => `${f} ${h}`).join(', ')} (sha256, copied from dist/ when the run started)`,
    `- ${Object.entries(m.packages).map(([n, v]) => `${n} ${v}`).join(', ')}`,
    '- All traffic to 127.0.0.1: the fault-injecting checkout backend of test/backend (`startBackend`), and a static server for the pages.',
    '',
  ];
  for (const [name, { title, module }] of Object.entries(BENCHMARKS)) {
    const s = results.sections[name];
    out.push(`## ${title}`, '');
    if (!s) {
      out.push(`Not run yet: \`npm run bench -- --only=${name}\`.`, '');
      continue;
    }
    // The fingerprint alone: a note such as "dist/ not rebuilt" does not make the source another.
    const other = fingerprint(s.machine.source) != fingerprint(m.source) ? `, **another source: src/ ${s.machine.source} at ${s.machine.commit}**` : '';
    out.push(`Made by \`${s.command}\` at ${s.at} (${(s.durationMs / 1000).toFixed(0)} s${other}); this table alone: \`${s.only}\`.`, '');
    out.push(module.report(s.data), '');
  }
  return out.join('\n');
}

/** A run's src/ fingerprint, without the notes `source` may carry after it. (A declaration: `--report` uses it before this line runs.) */
function fingerprint(source) {
  return source.slice(0, 12);
}
