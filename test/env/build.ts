// Builds the reference binaries of the test environment (kube-apiserver, kube-controller-manager,
// kubectl, etcd, kustomize, sops, age-keygen) from the pinned wrapper Go modules in test/env/go, and caches them
// outside the clone, keyed by everything that determines their bytes. A warm cache costs a few
// stat() calls; a cold one takes minutes, so progress and per-binary times are printed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from './lock.ts';
import { goModulesDir } from './paths.ts';
import { binariesCacheDir, ldflags, TestEnvBuildError } from './toolchain.ts';

export { binariesCacheDir, TestEnvBuildError };

/** Absolute paths of the cached reference binaries. */
export interface Binaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  kubeControllerManager: string;
  kustomize: string;
  sops: string;
  ageKeygen: string;
}

interface BinarySpec {
  key: keyof Binaries;
  file: string;
  module: 'k8s' | 'etcd' | 'kustomize' | 'sops';
  goPackage: string;
}

// Smallest first: a broken toolchain shows up in seconds, not after the 4-minute apiserver.
const binarySpecs: readonly BinarySpec[] = [
  { key: 'etcd', file: 'etcd', module: 'etcd', goPackage: 'go.etcd.io/etcd/server/v3' },
  { key: 'kustomize', file: 'kustomize', module: 'kustomize', goPackage: 'sigs.k8s.io/kustomize/kustomize/v5' },
  { key: 'ageKeygen', file: 'age-keygen', module: 'sops', goPackage: 'filippo.io/age/cmd/age-keygen' },
  { key: 'sops', file: 'sops', module: 'sops', goPackage: 'github.com/getsops/sops/v3/cmd/sops' },
  { key: 'kubeApiserver', file: 'kube-apiserver', module: 'k8s', goPackage: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  { key: 'kubectl', file: 'kubectl', module: 'k8s', goPackage: 'k8s.io/kubernetes/cmd/kubectl' },
  { key: 'kubeControllerManager', file: 'kube-controller-manager', module: 'k8s', goPackage: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
];

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  // Round once, so that 179.6 s reads 3m0s, not 2m60s.
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${whole % 60}s`;
}

/**
 * The sops module's binaries live in a subdirectory named by that module's own pins, so adding or
 * bumping them never invalidates the cached Kubernetes binaries (minutes to rebuild).
 */
function binaryDir(binDir: string, spec: BinarySpec): string {
  if (spec.module !== 'sops') return binDir;
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'tools.go']) hash.update(`${file}\0`).update(readFileSync(join(goModulesDir, 'sops', file)));
  return join(binDir, `sops-${hash.digest('hex').slice(0, 12)}`);
}

async function goBuild(go: string, spec: BinarySpec, output: string): Promise<void> {
  const started = Date.now();
  process.stderr.write(`testenv: building ${spec.file} (${spec.goPackage}) …\n`);
  const heartbeat = setInterval(() => {
    process.stderr.write(`testenv: still building ${spec.file} (${formatSeconds(Date.now() - started)})\n`);
  }, 30_000);
  const tmp = `${output}.tmp-${process.pid}`;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['build', '-ldflags', ldflags, '-o', tmp, spec.goPackage], {
        cwd: join(goModulesDir, spec.module),
        env: { ...process.env, CGO_ENABLED: '0' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new TestEnvBuildError(`testenv: go build of ${spec.goPackage} failed (${signal ?? `exit ${code}`}); see the compiler output above`));
      });
    });
    renameSync(tmp, output);
  } finally {
    clearInterval(heartbeat);
    rmSync(tmp, { force: true });
  }
  process.stderr.write(`testenv: built ${spec.file} in ${formatSeconds(Date.now() - started)}\n`);
}

/**
 * Returns the absolute paths of the reference binaries, building the missing ones first.
 * Safe to call from several processes at once: builds happen under a lock and land atomically.
 */
export async function ensureBinaries(): Promise<Binaries> {
  const { go, dir } = await binariesCacheDir();
  const binDir = join(dir, 'bin');
  const paths = Object.fromEntries(binarySpecs.map((spec) => [spec.key, join(binaryDir(binDir, spec), spec.file)])) as unknown as Binaries;
  const missing = () => binarySpecs.filter((spec) => !existsSync(paths[spec.key]));
  if (missing().length === 0) return paths;

  mkdirSync(binDir, { recursive: true });
  await withLock(join(dir, 'build.lock'), 'building the test binaries', async () => {
    const todo = missing(); // another process may have built some while we waited
    if (todo.length === 0) return;
    const started = Date.now();
    process.stderr.write(`testenv: building ${todo.map((spec) => spec.file).join(', ')} into ${binDir} (minutes on a cold Go cache)\n`);
    for (const spec of todo) {
      mkdirSync(binaryDir(binDir, spec), { recursive: true });
      await goBuild(go, spec, paths[spec.key]);
    }
    process.stderr.write(`testenv: all binaries built in ${formatSeconds(Date.now() - started)}\n`);
  });
  return paths;
}

if (import.meta.main) {
  // As a command (`npm run testenv:build`), prepare everything a first test run would: the
  // binaries, the pre-bootstrapped etcd seed, the moto venv and the cfn-lint venv.
  try {
    const started = Date.now();
    const [{ ensureEtcdSeed }, { ensureMotoVenv }, { ensureCfnLint }] = await Promise.all([
      import('./etcd-seed.ts'),
      import('./moto.ts'),
      import('./cfn-lint.ts'),
    ]);
    const [paths, motoPython, cfnLintPython] = await Promise.all([ensureBinaries(), ensureMotoVenv(), ensureCfnLint()]);
    const seed = await ensureEtcdSeed(paths);
    for (const [key, path] of Object.entries(paths)) process.stdout.write(`${key}\t${path}\n`);
    process.stdout.write(`etcdSeed\t${seed}\nmotoPython\t${motoPython}\ncfnLintPython\t${cfnLintPython}\n`);
    process.stderr.write(`testenv: ready in ${formatSeconds(Date.now() - started)}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
