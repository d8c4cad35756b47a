// The test environment as tests see it. Under `test/run.ts` the environment is already running
// and described by the state file named in TIDELINE_TESTENV; a test file run on its own
// (`node --test file.test.ts`) starts one in-process on first use and stops it when it exits.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries } from './build.ts';
import { startTestEnvironment, stateFileVariable } from './environment.ts';
import { ensureEtcdSeed } from './etcd-seed.ts';
import type { TestEnvState } from './environment.ts';
import { createGitRepoIn } from './git-repo.ts';
import type { CreateGitRepoOptions, TestGitRepo } from './git-repo.ts';
import { createControlPlane, kubeConfigFor } from './kube.ts';
import type { KubeConnection } from './kube.ts';
import type { MotoConnection } from './moto.ts';
import { killAllGroupsNow, removeOnAbnormalExit } from './process.ts';

export type { CreateGitRepoOptions, TestGitRepo } from './git-repo.ts';
export type { KubeConnection } from './kube.ts';
export type { MotoConnection } from './moto.ts';
export { kubeContextName } from './kube.ts';

/** The running test environment. */
export interface TestEnv {
  kube: KubeConnection & {
    /** A fresh @kubernetes/client-node KubeConfig for the test cluster (admin user, TLS verified). */
    kubeConfig(): KubeConfig;
  };
  moto: MotoConnection;
  git: { baseUrl: string; username: string; password: string };
  /** Paths of the reference binaries. */
  tools: { kubectl: string; kustomize: string; sops: string; ageKeygen: string };
}

const scratchDirs = new Set<string>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const cleanUp = (): void => {
    killAllGroupsNow();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]);
    });
  }
}

let statePromise: Promise<TestEnvState> | undefined;

function loadState(): Promise<TestEnvState> {
  const stateFile = process.env[stateFileVariable];
  if (stateFile !== undefined && stateFile !== '') {
    try {
      return Promise.resolve(JSON.parse(readFileSync(stateFile, 'utf8')) as TestEnvState);
    } catch (error) {
      return Promise.reject(new Error(`testenv: cannot read the environment state file ${stateFile} (from ${stateFileVariable}): ${(error as Error).message}`));
    }
  }
  return startTestEnvironment().then((running) => {
    installExitHooks();
    scratchDirs.add(running.state.dir);
    process.stderr.write(`testenv: environment started in-process in ${(running.startMs / 1000).toFixed(2)}s\n`);
    return running.state;
  });
}

function state(): Promise<TestEnvState> {
  statePromise ??= loadState();
  return statePromise;
}

/** The shared test environment (started on first use when no test/run.ts runs around this process). */
export async function getTestEnv(): Promise<TestEnv> {
  const current = await state();
  return {
    kube: { ...current.kube, kubeConfig: () => kubeConfigFor(current.kube) },
    moto: { ...current.moto, credentials: { ...current.moto.credentials } },
    git: { baseUrl: current.git.baseUrl, username: current.git.username, password: current.git.password },
    tools: { ...current.tools },
  };
}

function namespaceName(prefix: string): string {
  const cleaned =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  return `${cleaned}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates a fresh namespace for one test and deletes it after the test (the controller manager
 * then removes its contents). Returns the namespace name.
 */
export async function useNamespace(t: Pick<TestContext, 'after'>, prefix = 'test'): Promise<string> {
  const env = await getTestEnv();
  const core = env.kube.kubeConfig().makeApiClient(CoreV1Api);
  const name = namespaceName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'tideline.dev/test': 'true' } } } });
  t.after(async () => {
    try {
      await core.deleteNamespace({ name });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  });
  return name;
}

/** Creates a repository on the test Git HTTP server (optionally with a first commit and basic auth). */
export async function createGitRepo(options: CreateGitRepoOptions): Promise<TestGitRepo> {
  const current = await state();
  return createGitRepoIn(current.git, options);
}

/** A control plane of its own that a test may stop and start again (same ports, same data). */
export interface PrivateKubeApiServer extends KubeConnection {
  kubeConfig(): KubeConfig;
  /** Kills the apiserver and etcd (SIGKILL, like a crash; `graceful` sends SIGTERM and waits). */
  stop(options?: { graceful?: boolean }): Promise<void>;
  /** Starts them again on the same ports with the same data; resolves when `/readyz` is ok. */
  start(): Promise<void>;
  /** Freezes the apiserver (SIGSTOP): connections are accepted and never answered, like a hung machine. */
  pause(): void;
  /** Lets a paused apiserver run again. */
  resume(): void;
}

/**
 * Starts a separate etcd + kube-apiserver (no controller manager) for tests that need to kill the
 * apiserver, e.g. to see an apply interrupted half-way. It is stopped when the process exits;
 * call stop() in t.after() to free it earlier.
 */
export async function startPrivateKubeApiServer(options: { durable?: boolean } = {}): Promise<PrivateKubeApiServer> {
  const binaries = await ensureBinaries();
  installExitHooks();
  const dir = mkdtempSync(join(tmpdir(), 'tideline-private-kube-'));
  scratchDirs.add(dir);
  removeOnAbnormalExit(dir);
  const plane = await createControlPlane({
    binaries: { etcd: binaries.etcd, kubeApiserver: binaries.kubeApiserver },
    dir,
    etcdSeedDir: await ensureEtcdSeed(binaries),
    ...(options.durable === true ? { durable: true } : {}),
  });
  await plane.start();
  const connection: KubeConnection = { server: plane.server, kubeconfigPath: plane.kubeconfigPath, token: plane.token, caData: plane.caData };
  return {
    ...connection,
    kubeConfig: () => kubeConfigFor(connection),
    stop: (options) => plane.stop(options),
    start: () => plane.start(),
    pause: () => plane.pause(),
    resume: () => plane.resume(),
  };
}

/**
 * A fleet of API servers: the shared one of the environment plus `count - 1` private control
 * planes started in parallel (each its own etcd from the seed, so each starts in about the time
 * of one). Tests and benchmarks use them as separate clusters; the private ones may be stopped,
 * paused or restarted. Stopped when the process exits.
 */
export async function startKubeFleet(count: number): Promise<{ servers: KubeConnection[]; private: PrivateKubeApiServer[] }> {
  if (count < 1) throw new Error('startKubeFleet needs at least one API server');
  const env = await getTestEnv();
  const own = await Promise.all(Array.from({ length: count - 1 }, () => startPrivateKubeApiServer()));
  const shared: KubeConnection = { server: env.kube.server, kubeconfigPath: env.kube.kubeconfigPath, token: env.kube.token, caData: env.kube.caData };
  return { servers: [shared, ...own], private: own };
}
