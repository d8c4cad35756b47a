// The Go toolchain and the cache key of the reference binaries: the wrapper modules' pins,
// the version ldflags and the Go version all decide the bytes, so all of them name the cache.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { goModulesDir, testenvCacheRoot } from './paths.ts';

const execFileAsync = promisify(execFile);

const kubeVersion = { git: 'v1.34.4', major: '1', minor: '34' };

// `/version` of the apiserver and `kubectl version` must report the real release, which a
// `go build` of k8s.io/kubernetes only does when these variables are stamped in.
export const ldflags = [
  '-s',
  '-w',
  `-X k8s.io/component-base/version.gitVersion=${kubeVersion.git}`,
  `-X k8s.io/component-base/version.gitMajor=${kubeVersion.major}`,
  `-X k8s.io/component-base/version.gitMinor=${kubeVersion.minor}`,
  '-X k8s.io/component-base/version.gitTreeState=clean',
  `-X k8s.io/client-go/pkg/version.gitVersion=${kubeVersion.git}`,
  `-X k8s.io/client-go/pkg/version.gitMajor=${kubeVersion.major}`,
  `-X k8s.io/client-go/pkg/version.gitMinor=${kubeVersion.minor}`,
].join(' ');

/** Raised when the binaries cannot be built; always fails the run (in CI and locally). */
export class TestEnvBuildError extends Error {
  override readonly name = 'TestEnvBuildError';
}

function findGo(): string {
  const candidates = [
    ...(process.env['PATH'] ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'go')),
    '/usr/local/go/bin/go',
    join(process.env['HOME'] ?? '/root', 'go', 'bin', 'go'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new TestEnvBuildError(
      'testenv: the Go toolchain was not found (looked for `go` on PATH and in /usr/local/go/bin). ' +
        'The test environment builds kube-apiserver, etcd, kubectl, kustomize, sops and age-keygen from source; install Go >= 1.25.8 and retry.',
    );
  }
  return found;
}

/** `go1.x.y` from $GOROOT/VERSION of the resolved `go` binary: no process start on the warm path. */
function readGoRootVersion(go: string): string | undefined {
  try {
    const goRoot = dirname(dirname(realpathSync(go)));
    const first = readFileSync(join(goRoot, 'VERSION'), 'utf8').split('\n')[0]?.trim();
    return first !== undefined && first.startsWith('go') ? first : undefined;
  } catch {
    return undefined;
  }
}

let cachedKey: { go: string; dir: string } | undefined;

/** The cache directory for the current pins, ldflags and Go version (`.../testenv/<hash>`). */
export async function binariesCacheDir(): Promise<{ go: string; dir: string }> {
  if (cachedKey !== undefined) return cachedKey;
  const go = findGo();
  let goVersion = readGoRootVersion(go);
  if (goVersion === undefined) {
    try {
      goVersion = (await execFileAsync(go, ['env', 'GOVERSION'])).stdout.trim();
    } catch (error) {
      throw new TestEnvBuildError(`testenv: \`${go} env\` failed: ${(error as Error).message}`);
    }
  }
  // Same text as `go env GOVERSION GOOS GOARCH` prints, so the key does not depend on how it was found.
  const goArch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  goVersion = `${goVersion}\n${process.platform}\n${goArch}`;
  const hash = createHash('sha256');
  for (const module of ['k8s', 'etcd', 'kustomize']) {
    for (const file of ['go.mod', 'go.sum', 'tools.go']) {
      hash.update(`${module}/${file}\0`);
      hash.update(readFileSync(join(goModulesDir, module, file)));
    }
  }
  hash.update(`ldflags\0${ldflags}\0go\0${goVersion}\0cgo\0${0}`);
  cachedKey = { go, dir: join(testenvCacheRoot(), hash.digest('hex').slice(0, 12)) };
  return cachedKey;
}
