// cfn-lint — the CloudFormation linter, run on the synthesized Tideline template. Installed at a
// pinned version into its own Python venv in the test cache on first use (as moto is), so CI needs
// nothing but python3 with its venv module.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from './lock.ts';
import { testenvCacheRoot } from './paths.ts';

const execFileAsync = promisify(execFile);

/** The pinned cfn-lint release. */
export const cfnLintVersion = '1.58.0';
const requirement = `cfn-lint==${cfnLintVersion}`;

function python(): string {
  return process.env['TIDELINE_PYTHON'] || 'python3';
}

/** Returns the python of a venv that has cfn-lint, creating the venv on first use; {@link runCfnLint} runs it. */
export async function ensureCfnLint(): Promise<string> {
  const root = join(testenvCacheRoot(), `cfn-lint-${cfnLintVersion}`);
  const executable = join(root, 'venv', 'bin', 'python');
  const marker = join(root, 'venv', '.tideline-complete');
  const usable = (): boolean => existsSync(marker) && existsSync(executable);
  if (usable()) return executable;
  mkdirSync(root, { recursive: true });
  await withLock(join(root, 'install.lock'), 'installing cfn-lint', async () => {
    if (usable()) return;
    const started = Date.now();
    const tmp = join(root, `venv.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`testenv: installing ${requirement} into ${join(root, 'venv')} …\n`);
    try {
      await execFileAsync(python(), ['-m', 'venv', tmp]);
    } catch (error) {
      throw new Error(`testenv: \`${python()} -m venv\` failed (Debian/Ubuntu: apt-get install -y python3-venv): ${(error as Error).message}`, { cause: error });
    }
    try {
      await execFileAsync(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement], { maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`testenv: pip install ${requirement} failed: ${(error as Error).message}\n${((error as { stderr?: string }).stderr ?? '').slice(-2000)}`, { cause: error });
    }
    writeFileSync(join(tmp, '.tideline-complete'), `${requirement}\n`);
    rmSync(join(root, 'venv'), { recursive: true, force: true });
    // Only the venv's python is ever run: it does not care that the venv moved (its scripts' shebangs would).
    renameSync(tmp, join(root, 'venv'));
    process.stderr.write(`testenv: installed cfn-lint in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
  return executable;
}

/** Lints `templates` (`extra` are more cfn-lint arguments); resolves to its exit code and output (0: clean). */
export async function runCfnLint(templates: string[], extra: string[] = []): Promise<{ code: number; output: string }> {
  const venvPython = await ensureCfnLint();
  const script = 'import sys\nfrom cfnlint.runner import main\nsys.argv[0] = "cfn-lint"\nmain()';
  try {
    const { stdout, stderr } = await execFileAsync(venvPython, ['-c', script, ...extra, '--', ...templates], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}
