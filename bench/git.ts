// Benchmark: the Git source against native git, both over the same loopback `git http-backend`
// server (test/env/git-server.ts), in the same run:
//   1. shallow clone of a generated 5,000-file fleet repository (nested directories, YAML files
//      of varied sizes, some history): `tideline checkout` (fetch + tree written, Flux's ignore
//      rules applied) vs `git clone --depth 1`, median of repeated runs, each from an empty cache;
//   2. incremental fetch of one new commit into a warm cache: `tideline checkout` vs that clone
//      (native `git fetch --depth 1` + `git reset --hard` shown too);
//   3. ref lookup (ls-remote) of 100 repositories, sequential and 10 at a time, vs `git ls-remote`.
// Prints the times, the ratios and one JSON line.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { startGitServer } from '#test/env/git-server.ts';

const FILES = 5000;
const REPOS = 100;
const RUNS = Number(process.env.TIDELINE_BENCH_RUNS ?? '7');
const execFileAsync = promisify(execFile);
const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@tideline.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@tideline.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/** A deterministic pseudo-random sequence, so every run generates the same repository. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function manifest(app: string, env: string, index: number, lines: number, revision: number): string {
  const out = [
    `apiVersion: v1`,
    `kind: ConfigMap`,
    `metadata:`,
    `  name: ${app}-${env}-${index}`,
    `  labels:`,
    `    app.kubernetes.io/name: ${app}`,
    `    revision: "${revision}"`,
    `data:`,
  ];
  for (let i = 0; i < lines; i++) out.push(`  key${i}: "value ${app} ${env} ${index} ${i} ${'x'.repeat(i % 40)}"`);
  return `${out.join('\n')}\n`;
}

/** Writes a fleet tree of FILES files (apps × environments × components) into `work` and commits it with some history. */
async function generateRepo(work: string): Promise<string[]> {
  const next = random(42);
  const paths: string[] = [];
  const apps = Array.from({ length: 50 }, (_, i) => `app${String(i).padStart(2, '0')}`);
  const envs = ['base', 'dev', 'staging', 'prod'];
  for (const app of apps) {
    for (const env of envs) {
      for (let i = 0; i < FILES / apps.length / envs.length; i++) {
        const path = `apps/${app}/${env}/${i % 5 === 0 ? 'patches/' : ''}cm-${i}.yaml`;
        const file = join(work, path);
        mkdirSync(dirname(file), { recursive: true });
        // Sizes from ~300 bytes to ~12 KB, most small: like real manifests.
        writeFileSync(file, manifest(app, env, i, 3 + Math.floor(next() ** 3 * 150), 0));
        paths.push(path);
      }
    }
  }
  await git(work, ['init', '--quiet', '--initial-branch=main']);
  await git(work, ['add', '--all']);
  await git(work, ['commit', '--quiet', '-m', 'initial fleet']);
  // Some history: a few commits touching a hundred files each.
  for (let revision = 1; revision <= 4; revision++) {
    for (let k = 0; k < 100; k++) {
      const path = paths[Math.floor(next() * paths.length)] as string;
      writeFileSync(join(work, path), manifest('changed', 'env', k, 5 + k, revision));
    }
    await git(work, ['commit', '--quiet', '-am', `change ${revision}`]);
  }
  return paths;
}

function countFiles(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    count += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  }
  return count;
}

const root = mkdtempSync(join(tmpdir(), 'tideline-bench-git-'));
try {
  const projectRoot = join(root, 'served');
  mkdirSync(projectRoot, { recursive: true });
  const server = await startGitServer(projectRoot);
  const work = join(root, 'work');
  mkdirSync(work);
  const paths = await generateRepo(work);
  await git(root, ['clone', '--quiet', '--bare', work, join(projectRoot, 'fleet.git')]);
  await git(work, ['remote', 'add', 'origin', join(projectRoot, 'fleet.git')]);
  const url = `${server.baseUrl}/fleet.git`;
  const spec = { url, ref: { branch: 'main' } };

  // 1. Shallow clone from nothing.
  const nativeClone: number[] = [];
  const tidelineClone: number[] = [];
  const tidelineTreeWrite: number[] = [];
  const tidelineFetch: number[] = [];
  // The source logs its own split (fetch and index, tree written) on every checkout.
  const splitLogger = {
    debug: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    info: (_message: string, ...attributes: Record<string, unknown>[]) => {
      const split = attributes[0] ?? {};
      if (typeof split['treeMs'] === 'number' && typeof split['fetchMs'] === 'number') {
        tidelineTreeWrite.push(split['treeMs']);
        tidelineFetch.push(split['fetchMs']);
      }
    },
  };
  let filesWritten = 0;
  for (let run = 0; run < RUNS; run++) {
    const dest = join(root, `clone-${run}`);
    nativeClone.push(await timed(() => git(root, ['clone', '--quiet', '--depth', '1', '--single-branch', '--branch', 'main', url, dest])));
    rmSync(dest, { recursive: true, force: true });
    const cacheDir = join(root, `cache-${run}`);
    let dir = '';
    tidelineClone.push(await timed(async () => (dir = (await new IsomorphicGitSource({ cacheDir, logger: splitLogger }).checkout(spec)).dir)));
    filesWritten = countFiles(dir);
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const nativeCloneMs = median(nativeClone);
  const tidelineCloneMs = median(tidelineClone);
  const cloneSplit = { fetchMs: median(tidelineFetch), treeMs: median(tidelineTreeWrite) };

  // 2. One new commit on top of a warm cache (and of a native shallow clone).
  const nativeIncremental: number[] = [];
  const tidelineIncremental: number[] = [];
  const tidelineFetchBytes: number[] = [];
  const nativeDest = join(root, 'incremental-native');
  await git(root, ['clone', '--quiet', '--depth', '1', '--single-branch', '--branch', 'main', url, nativeDest]);
  const warmCache = join(root, 'cache-warm');
  const warm = new IsomorphicGitSource({ cacheDir: warmCache });
  await warm.checkout(spec);
  const packBytes = (): number => {
    const packDir = join(warmCache, 'repos', readdirSync(join(warmCache, 'repos'))[0] as string, 'objects', 'pack');
    return readdirSync(packDir)
      .filter((f) => f.endsWith('.pack'))
      .reduce((sum, f) => sum + statSync(join(packDir, f)).size, 0);
  };
  for (let run = 0; run < RUNS; run++) {
    for (let k = 0; k < 3; k++)
      writeFileSync(join(work, paths[(run * 7 + k * 131) % paths.length] as string), manifest('bumped', 'env', run, 10 + k, 100 + run));
    await git(work, ['commit', '--quiet', '-am', `bump ${run}`]);
    await git(work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    nativeIncremental.push(
      await timed(async () => {
        await git(nativeDest, ['fetch', '--quiet', '--depth', '1', 'origin', 'main']);
        await git(nativeDest, ['reset', '--quiet', '--hard', 'FETCH_HEAD']);
      }),
    );
    const before = packBytes();
    tidelineIncremental.push(await timed(() => warm.checkout(spec)));
    tidelineFetchBytes.push(packBytes() - before);
  }
  const nativeIncrementalMs = median(nativeIncremental);
  const tidelineIncrementalMs = median(tidelineIncremental);

  // 3. Ref lookup of many repositories.
  const small = join(root, 'small');
  mkdirSync(small);
  writeFileSync(join(small, 'kustomization.yaml'), 'resources: []\n');
  await git(small, ['init', '--quiet', '--initial-branch=main']);
  await git(small, ['add', '--all']);
  await git(small, ['commit', '--quiet', '-m', 'app']);
  await git(small, ['tag', 'v1.0.0']);
  await git(root, ['clone', '--quiet', '--bare', small, join(projectRoot, 'app-0.git')]);
  for (let i = 1; i < REPOS; i++) cpSync(join(projectRoot, 'app-0.git'), join(projectRoot, `app-${i}.git`), { recursive: true });
  const repoUrls = Array.from({ length: REPOS }, (_, i) => `${server.baseUrl}/app-${i}.git`);
  const lookups = new IsomorphicGitSource({ cacheDir: join(root, 'cache-lookups') });
  await lookups.resolve({ url: repoUrls[0] as string, ref: { branch: 'main' } });
  const sequentialMs = await timed(async () => {
    for (const repoUrl of repoUrls) await lookups.resolve({ url: repoUrl, ref: { branch: 'main' } });
  });
  const parallelMs = await timed(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < repoUrls.length) await lookups.resolve({ url: repoUrls[next++] as string, ref: { branch: 'main' } });
      }),
    );
  });
  const nativeLsRemoteMs = await timed(async () => {
    for (const repoUrl of repoUrls) await git(root, ['ls-remote', repoUrl, 'refs/heads/main']);
  });
  await server.stop();

  const cloneRatio = Number((tidelineCloneMs / nativeCloneMs).toFixed(3));
  const incrementalRatio = Number((tidelineIncrementalMs / nativeCloneMs).toFixed(3));
  const lines = [
    `repository: ${FILES} files, ${filesWritten} written by tideline (Flux's default excludes applied), 5 commits of history`,
    `shallow clone (median of ${RUNS}): git clone --depth 1 ${nativeCloneMs.toFixed(1)} ms, tideline checkout ${tidelineCloneMs.toFixed(1)} ms (fetch and index ${cloneSplit.fetchMs} ms, tree written ${cloneSplit.treeMs} ms), ratio ${cloneRatio} (goal <= 1.2)`,
    `incremental, one new commit (median of ${RUNS}): tideline checkout ${tidelineIncrementalMs.toFixed(1)} ms (pack ${median(tidelineFetchBytes)} bytes), ratio to the clone ${incrementalRatio} (goal <= 0.1); native fetch --depth 1 + reset --hard ${nativeIncrementalMs.toFixed(1)} ms`,
    `ref lookup of ${REPOS} repositories: tideline ${sequentialMs.toFixed(0)} ms sequential, ${parallelMs.toFixed(0)} ms 10 at a time (goal <= 2000); git ls-remote ${nativeLsRemoteMs.toFixed(0)} ms sequential`,
  ];
  const json = {
    bench: 'git',
    files: FILES,
    runs: RUNS,
    nativeCloneMs: Number(nativeCloneMs.toFixed(1)),
    tidelineCloneMs: Number(tidelineCloneMs.toFixed(1)),
    cloneRatio,
    tidelineCloneSplit: cloneSplit,
    tidelineIncrementalMs: Number(tidelineIncrementalMs.toFixed(1)),
    nativeIncrementalMs: Number(nativeIncrementalMs.toFixed(1)),
    incrementalRatio,
    incrementalPackBytes: median(tidelineFetchBytes),
    refLookupSequentialMs: Math.round(sequentialMs),
    refLookupParallelMs: Math.round(parallelMs),
    nativeLsRemoteMs: Math.round(nativeLsRemoteMs),
    goals: { cloneRatioMax: 1.2, incrementalRatioMax: 0.1, refLookupMsMax: 2000 },
    loadAverage: Number(loadavg()[0]?.toFixed(2)),
  };
  process.stdout.write(`${lines.join('\n')}\nload average ${json.loadAverage}\n${JSON.stringify(json)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
