// Test launcher: `node test/run.ts <unit|integration|conformance|all> [path…]`.
// Starts the shared test environment once (when the selected tests need it), hands its state file
// to Node's own test runner through TIDELINE_TESTENV, forwards the runner's exit code, and stops
// every process it started — also on failure, Ctrl-C, SIGTERM or an unexpected error.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunningTestEnv } from './env/environment.ts';
import { trackProcessGroup } from './env/process.ts';

const suites = {
  unit: { pattern: 'test/unit/**/*.test.ts', needsEnvironment: false },
  integration: { pattern: 'test/integration/**/*.test.ts', needsEnvironment: true },
  conformance: { pattern: 'test/conformance/**/*.test.ts', needsEnvironment: true },
} as const;
type Suite = keyof typeof suites;
const modes: Record<string, readonly Suite[]> = {
  unit: ['unit'],
  integration: ['integration'],
  conformance: ['conformance'],
  all: ['unit', 'integration', 'conformance'],
};

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mode = process.argv[2] ?? 'all';
const selected = modes[mode];
if (selected === undefined) {
  process.stderr.write(`usage: node test/run.ts <${Object.keys(modes).join('|')}> [file or folder…]\n`);
  process.exit(2);
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`${name} must be a positive integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}
// Integration tests mostly wait on the apiserver, moto and git, so more files than cores run at once.
const concurrency = positiveInteger('TIDELINE_TEST_CONCURRENCY', Math.max(2, availableParallelism() * 2));
const testTimeoutMs = positiveInteger('TIDELINE_TEST_TIMEOUT_MS', 180_000);

let environment: RunningTestEnv | undefined;
let runner: ChildProcess | undefined = undefined;
let shuttingDown: Promise<void> | undefined;

function shutDown(): Promise<void> {
  shuttingDown ??= (async () => {
    if (runner?.pid !== undefined && runner.exitCode === null && runner.signalCode === null) {
      try {
        process.kill(-runner.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    if (environment !== undefined) {
      const started = performance.now();
      await environment.stop();
      process.stderr.write(`testenv: environment stopped in ${((performance.now() - started) / 1000).toFixed(2)}s\n`);
    }
    // Test files may have left processes in the runner's group (e.g. a killed file's children).
    if (runner?.pid !== undefined) {
      try {
        process.kill(-runner.pid, 'SIGKILL');
      } catch {
        // group already empty
      }
    }
  })();
  return shuttingDown;
}

async function abort(exitCode: number, reason: string): Promise<never> {
  process.stderr.write(`test/run.ts: ${reason}; stopping the test environment\n`);
  await shutDown();
  process.exit(exitCode);
}

process.once('SIGINT', () => void abort(130, 'interrupted (SIGINT)'));
process.once('SIGTERM', () => void abort(143, 'terminated (SIGTERM)'));
process.once('SIGHUP', () => void abort(129, 'hang-up (SIGHUP)'));
process.on('uncaughtException', (error) => void abort(1, `unexpected error: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (error) => void abort(1, `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));

// Optional further arguments narrow the run to files under those paths (`... integration test/integration/env`).
const only = process.argv.slice(3).map((path) => path.replace(/^\.\//, '').replace(/\/+$/, ''));
const wanted = (file: string): boolean => only.length === 0 || only.some((path) => file === path || file.startsWith(`${path}/`));
const filesOf = (suite: Suite): string[] => globSync(suites[suite].pattern, { cwd: repoRoot }).filter(wanted).sort();
const files = selected.flatMap(filesOf);
const needsEnvironment = selected.some((suite) => suites[suite].needsEnvironment && filesOf(suite).length > 0);
if (files.length === 0) {
  // Paths that match nothing are most likely a typo; a mode without tests (yet) is not an error.
  process.stdout.write(`no test files for mode ${mode}${only.length > 0 ? ` under ${only.join(', ')}` : ''}\n`);
  process.exit(only.length > 0 ? 1 : 0);
}

const env: NodeJS.ProcessEnv = { ...process.env };
if (needsEnvironment) {
  // Loaded only here: unit runs need none of it (the Kubernetes client alone takes a while to import).
  const { startTestEnvironment, stateFileVariable } = await import('./env/environment.ts');
  try {
    environment = await startTestEnvironment();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.stderr.write('test/run.ts: the test environment is required for these tests; failing the run.\n');
    await shutDown();
    process.exit(1);
  }
  const parts = Object.entries(environment.timings)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(2)}s`)
    .join(', ');
  process.stderr.write(`testenv: environment up in ${(environment.startMs / 1000).toFixed(2)}s (${parts}); state ${environment.stateFile}\n`);
  env[stateFileVariable] = environment.stateFile;
}

const started = performance.now();
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, ...files];
runner = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
// Its own process group, so that test files and what they start go with it — even if we are SIGKILLed.
if (runner.pid !== undefined) trackProcessGroup(runner.pid);
const exitCode = await new Promise<number>((resolve) => {
  runner?.once('error', (error) => {
    process.stderr.write(`test/run.ts: could not start the test runner: ${error.message}\n`);
    resolve(1);
  });
  runner?.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
});
process.stderr.write(
  `test/run.ts: ${mode} tests (${files.length} files) finished in ${((performance.now() - started) / 1000).toFixed(1)}s with exit code ${exitCode}\n`,
);
await shutDown();
process.exit(exitCode);
