// Starts the whole test environment — etcd + kube-apiserver + kube-controller-manager, moto server
// and the Git HTTP server — in parallel, and describes it in a JSON state file that test processes
// read (its path travels in TIDELINE_TESTENV).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from './build.ts';
import { ensureEtcdSeed } from './etcd-seed.ts';
import { startGitServer } from './git-server.ts';
import type { GitServer } from './git-server.ts';
import { createControlPlane } from './kube.ts';
import type { KubeConnection, KubeControlPlane } from './kube.ts';
import { ensureMotoVenv, startMoto } from './moto.ts';
import { removeOnAbnormalExit } from './process.ts';
import type { MotoConnection, MotoServer } from './moto.ts';

/** Environment variable carrying the path of the state file of a running environment. */
export const stateFileVariable = 'TIDELINE_TESTENV';

/** Everything test processes need to reach a running environment (serialised as the state file). */
export interface TestEnvState {
  version: 1;
  /** Scratch directory of this run (removed when the environment stops). */
  dir: string;
  kube: KubeConnection;
  moto: MotoConnection;
  git: { baseUrl: string; username: string; password: string; projectRoot: string; workRoot: string };
  tools: { kubectl: string; kustomize: string; sops: string; ageKeygen: string };
}

export interface RunningTestEnv {
  state: TestEnvState;
  stateFile: string;
  /** Milliseconds from the call to everything being ready. */
  startMs: number;
  /** Per component, milliseconds until it was ready. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Ports are chosen free, but another process (another test run on the same machine) can take one
 * before our server binds it; such a clash is retried with new ports.
 */
async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/address already in use/i.test((error as Error).message)) throw error;
      process.stderr.write(`testenv: a port was taken during start-up; retrying with new ports\n`);
    }
  }
}

/** Builds (if needed) and starts every component of the test environment; all or nothing. */
export async function startTestEnvironment(): Promise<RunningTestEnv> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'tideline-testenv-'));
  const keep = process.env['TIDELINE_KEEP_TESTENV'] === '1';
  if (!keep) removeOnAbnormalExit(dir);
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, work: Promise<T>): Promise<T> =>
    work.then((value) => {
      timings[name] = Math.round(performance.now() - started);
      return value;
    });

  let moto: MotoServer | undefined;
  let kube: KubeControlPlane | undefined;
  let git: GitServer | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([moto?.stop(), kube?.stop(), git?.stop()]);
    if (keep) {
      process.stderr.write(`testenv: keeping ${dir} (logs of every process in logs/, kube/logs/)\n`);
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  // moto's Python start-up is the slowest single piece; it goes first.
  const motoReady = timed(
    'moto',
    ensureMotoVenv().then((venvPython) => retryOnPortClash(() => startMoto({ logDir, venvPython }))),
  ).then((server) => (moto = server));
  const binaries = ensureBinaries();
  const kubeReady = timed(
    'kube',
    binaries.then(async (bins) => {
      const etcdSeedDir = await ensureEtcdSeed(bins);
      let attempt = 0;
      return retryOnPortClash(async () => {
        attempt += 1;
        const plane = await createControlPlane({ binaries: bins, dir: join(dir, attempt === 1 ? 'kube' : `kube-${attempt}`), etcdSeedDir });
        kube = plane;
        await plane.start();
        return plane;
      });
    }),
  );
  mkdirSync(join(dir, 'git', 'repos'), { recursive: true });
  const gitReady = timed('git', startGitServer(join(dir, 'git', 'repos'))).then((server) => (git = server));

  const results = await Promise.allSettled([motoReady, kubeReady, gitReady, binaries]);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0 || moto === undefined || kube === undefined || git === undefined) {
    await stopAll();
    const messages = failures.map((failure) => (failure.reason instanceof Error ? failure.reason.message : String(failure.reason)));
    throw new Error(`testenv: the test environment could not be started:\n${[...new Set(messages)].join('\n')}`);
  }
  const bins = await binaries;

  const state: TestEnvState = {
    version: 1,
    dir,
    kube: { server: kube.server, kubeconfigPath: kube.kubeconfigPath, token: kube.token, caData: kube.caData },
    moto: { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials },
    git: {
      baseUrl: git.baseUrl,
      username: 'tideline',
      password: randomBytes(12).toString('hex'),
      projectRoot: git.projectRoot,
      workRoot: join(dir, 'git', 'work'),
    },
    tools: { kubectl: bins.kubectl, kustomize: bins.kustomize, sops: bins.sops, ageKeygen: bins.ageKeygen },
  };
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return { state, stateFile, startMs: Math.round(performance.now() - started), timings, stop: stopAll };
}
