// cfn-lint — the CloudFormation linter, run on the synthesized Tideline template. Installed at a
// pinned version into its own Python venv in the test cache on first use (as moto is), so CI needs
// nothing but python3 with its venv module.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureVenv } from './venv.ts';

const execFileAsync = promisify(execFile);

/** The pinned cfn-lint release. */
export const cfnLintVersion = '1.58.0';
const requirement = `cfn-lint==${cfnLintVersion}`;

/** Returns the python of a venv that has cfn-lint, creating the venv on first use; {@link runCfnLint} runs it. */
export function ensureCfnLint(): Promise<string> {
  return ensureVenv(`cfn-lint-${cfnLintVersion}`, requirement, 'cfn-lint');
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
