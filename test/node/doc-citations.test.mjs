// Documents, comments and TSDoc cite only what a reader of the repository (or
// of the npm package) can open: no file of the project's private planning
// notes. The wire contract is docs/backend-contract.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Notes kept outside the repository (the names are built here so that this file does not cite them itself). */
const OUTSIDE = ['DESIGN', 'PROTOCOL', 'TOOLING'].map((name) => `${name}.md`);
const CITATION = new RegExp(`${OUTSIDE.map((n) => n.replace('.', '\\.')).join('|')}|\\.\\./shared/`);
/** Binary files, which cite nothing. */
const BINARY = /\.(png|jpe?g|gif|webp|ico|woff2?|tgz|gz|zip|wasm)$/i;

describe('citations', () => {
  it('no tracked or new file cites a file that is not in the repository', () => {
    // Tracked and untracked files, less what .gitignore leaves out (node_modules, dist, build, results).
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && !BINARY.test(f));
    assert.ok(files.length > 100, `the repository's files were listed (${files.length})`);
    const found = [];
    for (const file of files) {
      let text;
      try {
        text = readFileSync(ROOT + file, 'utf8');
      } catch {
        continue; // listed but deleted in the work tree
      }
      text.split('\n').forEach((line, i) => CITATION.test(line) && found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`));
    }
    assert.deepEqual(found, [], `cite docs/backend-contract.md, README or docs/ instead:\n${found.join('\n')}`);
  });
});
