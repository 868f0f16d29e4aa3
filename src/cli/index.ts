/**
 * The `steadycart` command: `serve` (a reference checkout backend) and
 * `check` (the conformance drill for any backend). See usage.ts and
 * docs/server.md, "The command".
 */
import { readFileSync } from 'node:fs';
import { check } from './check/index';
import { isCliError } from './errors';
import { serve } from './serve/index';
import { CHECK_HELP, MAIN_HELP, SERVE_HELP } from './usage';

/** Writes to stdout and resolves once the text is handed to the OS (pipes included). */
const print = (text: string) => new Promise<void>((resolve) => process.stdout.write(`${text}\n`, () => resolve()));

const HELP = new Map([
  ['serve', SERVE_HELP],
  ['check', CHECK_HELP],
]);

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    await print(HELP.get(rest[0] ?? '') ?? MAIN_HELP);
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    // The package's own manifest, beside dist/ in every install.
    await print((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    return 0;
  }
  const help = HELP.get(command);
  if (help && (rest.includes('--help') || rest.includes('-h'))) {
    await print(help);
    return 0;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'check') {
    let text = '';
    const code = await check(rest, (t) => (text = t));
    await print(text);
    return code;
  }
  process.stderr.write(`steadycart: unknown command "${command}"\n\n${MAIN_HELP}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  // `check` ends here (keep-alive sockets must not hold the process open);
  // `serve` resolves only once it has stopped.
  (code) => process.exit(code),
  (err: unknown) => {
    if (isCliError(err)) process.stderr.write(`steadycart: ${err.message}\n`);
    else process.stderr.write(`steadycart: ${(err as Error)?.stack ?? String(err)}\n`);
    // 2: the command could not run (bad flags, unreachable URL); 1: serve failed to start.
    process.exit(isCliError(err) && (err.code === 'STORE' || err.code === 'LISTEN' || err.code === 'METRICS') ? 1 : 2);
  },
);
