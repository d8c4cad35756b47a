// Where the test environment keeps what outlives one run: built binaries and the moto venv.
// Outside the clone so that a fresh clone (or `git clean`) does not throw away minutes of builds.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of Tideline's test-environment cache: `${XDG_CACHE_HOME:-$HOME/.cache}/tideline/testenv`. */
export function testenvCacheRoot(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'tideline', 'testenv');
}

/** Directory of this module, i.e. `test/env` in the clone. */
export const testenvDir = fileURLToPath(new URL('.', import.meta.url));

/** The wrapper Go modules whose go.mod pin the reference binaries. */
export const goModulesDir = join(testenvDir, 'go');
