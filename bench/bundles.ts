// Function bundle benchmark: for each function of the Tideline stack, the minified size of its
// esbuild bundle (as `cdk synth` builds it) and its cold init — a fresh Node 24 process importing the
// bundle with the environment the template gives it, until the handler is ready — as the median
// of BENCH_RUNS (default 10) fresh processes, taken in rounds of one process per bundle. Goals
// (issue 21): ≤ 1.5 MB and ≤ 250 ms each. The reference, in the same run, is the same container
// around an empty handler: what Node and the runner cost before any of our code, so each
// function's ratio is its cold start over a bare one. Prints a table and one JSON line.
import { fork } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { lambdaRunnerScript } from '#test/infra/runner-script.ts';
import { synthTideline } from '#test/infra/synth.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const runner = lambdaRunnerScript();
const { json, outdir } = synthTideline();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Starts a container of the bundle and resolves when its handler is ready: [process start → ready, import only] in ms. */
function coldStart(bundleDir: string, handler: string, env: Record<string, string>): Promise<[number, number]> {
  const started = performance.now();
  const child = fork(runner, [bundleDir, handler], { cwd: bundleDir, env, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('message', (message: { ready: boolean; initMs?: number; error?: string }) => {
      const total = performance.now() - started;
      child.kill('SIGKILL');
      if (message.ready) resolve([total, message.initMs ?? Number.NaN]);
      else reject(new Error(`${bundleDir}: ${message.error}\n${stderr}`));
    });
    child.once('exit', (code) => reject(new Error(`${bundleDir}: exited (${code}) before it was ready\n${stderr}`)));
  });
}

/** A bundle to start: its directory, handler and the environment the template gives it. */
interface Container {
  name: string;
  bundleDir: string;
  handler: string;
  env: Record<string, string>;
}

/**
 * Median [cold, import] ms of RUNS fresh containers of each bundle, the runs interleaved (one
 * container of each bundle, then the next round) so a burst of load on the machine falls on every
 * bundle alike instead of on whichever was being measured.
 */
async function measureAll(containers: readonly Container[]): Promise<Map<string, { coldMs: number; importMs: number }>> {
  const cold = new Map<string, number[]>(containers.map((container) => [container.name, []]));
  const imports = new Map<string, number[]>(containers.map((container) => [container.name, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const { name, bundleDir, handler, env } of containers) {
      const [total, importMs] = await coldStart(bundleDir, handler, env);
      cold.get(name)?.push(total);
      imports.get(name)?.push(importMs);
    }
  }
  return new Map(containers.map(({ name }) => [name, { coldMs: median(cold.get(name) ?? []), importMs: median(imports.get(name) ?? []) }]));
}

const emptyBundle = mkdtempSync(path.join(tmpdir(), 'tideline-bench-empty-'));
writeFileSync(path.join(emptyBundle, 'index.mjs'), 'export const handler = async () => null;\n');
const REFERENCE = '(empty handler)';
const containers: Container[] = [{ name: REFERENCE, bundleDir: emptyBundle, handler: 'index.handler', env: { PATH: process.env['PATH'] ?? '' } }];
for (const [id, resource] of Object.entries(json.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')) {
  const properties = resource.Properties as { Code: { S3Key: string }; Handler: string; Environment?: { Variables?: Record<string, unknown> } };
  const bundleDir = path.join(outdir, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'tideline-bench-'));
  // No request leaves the process during init: the names only have to be well-formed.
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  for (const [key, value] of Object.entries(properties.Environment?.Variables ?? {})) {
    const text = typeof value === 'string' ? value : (Object.values(value as Record<string, unknown>)[0] as string);
    env[key] = String(text).replace(/^\/(var\/task|tmp)(?=\/|$)/, (_match, root: string) => (root === 'tmp' ? scratch : bundleDir));
  }
  containers.push({ name: (env['POWERTOOLS_SERVICE_NAME'] ?? id).replace(/^tideline-/, ''), bundleDir, handler: properties.Handler, env });
}

const measured = await measureAll(containers);
const reference = measured.get(REFERENCE) as { coldMs: number; importMs: number };
const rows = containers
  .filter(({ name }) => name !== REFERENCE)
  .map(({ name, bundleDir }) => {
    const timing = measured.get(name) as { coldMs: number; importMs: number };
    return { name, sizeMb: statSync(path.join(bundleDir, 'index.mjs')).size / 1e6, ...timing, ratio: timing.coldMs / reference.coldMs };
  });

const GOALS = { sizeMbMax: 1.5, coldMsMax: 250 };
process.stdout.write(`bundle benchmark: ${RUNS} fresh processes per function (median, runs interleaved), Node ${process.versions.node}\n`);
process.stdout.write(
  `reference: an empty handler in the same container, cold ${reference.coldMs.toFixed(0)} ms (import ${reference.importMs.toFixed(1)} ms)\n`,
);
process.stdout.write(
  `${'function'.padEnd(16)}${'size MB'.padStart(9)}${'cold ms'.padStart(9)}${'import ms'.padStart(11)}${'× empty'.padStart(9)}  goals ≤ ${GOALS.sizeMbMax} MB, ≤ ${GOALS.coldMsMax} ms\n`,
);
for (const row of rows) {
  const within = row.sizeMb <= GOALS.sizeMbMax && row.coldMs <= GOALS.coldMsMax ? 'ok' : 'over';
  process.stdout.write(
    `${row.name.padEnd(16)}${row.sizeMb.toFixed(2).padStart(9)}${row.coldMs.toFixed(0).padStart(9)}${row.importMs.toFixed(0).padStart(11)}${row.ratio.toFixed(2).padStart(9)}  ${within}\n`,
  );
}
const result = {
  bench: 'bundles',
  node: process.versions.node,
  runs: RUNS,
  reference: { coldMs: Math.round(reference.coldMs), importMs: Number(reference.importMs.toFixed(1)) },
  functions: rows.map((row) => ({
    name: row.name,
    sizeMb: Number(row.sizeMb.toFixed(3)),
    coldMs: Math.round(row.coldMs),
    importMs: Math.round(row.importMs),
    ratio: Number(row.ratio.toFixed(2)),
  })),
  goals: GOALS,
  withinGoals: rows.every((row) => row.sizeMb <= GOALS.sizeMbMax && row.coldMs <= GOALS.coldMsMax),
  loadAverage: Number(loadavg()[0]?.toFixed(2)),
};
process.stdout.write(`load average ${result.loadAverage}\n${JSON.stringify(result)}\n`);
