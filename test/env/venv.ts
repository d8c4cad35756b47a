// Python tools of the test environment (moto, cfn-lint), each at a pinned version in its own venv
// under the test cache. A venv is built in a temporary directory and renamed into place, so a
// half-installed one is never used, and installs of one tool by several processes take a lock.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from './lock.ts';
import { testenvCacheRoot } from './paths.ts';

const execFileAsync = promisify(execFile);

/** The interpreter venvs are made with (`TIDELINE_PYTHON`, default `python3`). */
export function python(): string {
  return process.env['TIDELINE_PYTHON'] || 'python3';
}

/**
 * The python of a venv `<cache>/<name>/venv` holding `requirement`, created on first use. No
 * interpreter is started on the warm path (a pyenv shim alone can take a second); the venv's python
 * is a symlink to its base interpreter, so a removed or upgraded Python shows up as missing here.
 * `beforeInstall` runs first on a cold path (e.g. to say clearly that there is no python3).
 */
export async function ensureVenv(name: string, requirement: string, label: string, beforeInstall?: () => Promise<unknown>): Promise<string> {
  const root = join(testenvCacheRoot(), name);
  const executable = join(root, 'venv', 'bin', 'python');
  const marker = join(root, 'venv', '.tideline-complete');
  const usable = (): boolean => existsSync(marker) && existsSync(executable);
  if (usable()) return executable;
  mkdirSync(root, { recursive: true });
  await withLock(join(root, 'install.lock'), `installing ${label}`, async () => {
    if (usable()) return;
    await beforeInstall?.();
    const started = Date.now();
    const tmp = join(root, `venv.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`testenv: installing ${requirement} into ${join(root, 'venv')} …\n`);
    try {
      await execFileAsync(python(), ['-m', 'venv', tmp]);
    } catch (error) {
      throw new Error(
        `testenv: \`${python()} -m venv\` failed — the Python venv module is missing (Debian/Ubuntu: apt-get install -y python3-venv; .ci/run does this): ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      await execFileAsync(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement], {
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(
        `testenv: pip install ${requirement} failed: ${(error as Error).message}\n${((error as { stderr?: string }).stderr ?? '').slice(-2000)}`,
        { cause: error },
      );
    }
    writeFileSync(join(tmp, '.tideline-complete'), `${requirement}\n`);
    rmSync(join(root, 'venv'), { recursive: true, force: true });
    // Only the venv's python is ever run: it does not care that the venv moved (its scripts' shebangs would).
    renameSync(tmp, join(root, 'venv'));
    process.stderr.write(`testenv: installed ${label} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
  return executable;
}
