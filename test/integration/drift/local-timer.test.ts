// Local mode's drift timer: `tideline dev` starts a sweep every `driftIntervalMs` (the Scheduler's
// part in AWS), its shards come back over the in-process bus, and stop() ends the timer — no sweep
// starts after it, and stop() waits for the one under way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalPipeline } from '#shared/local/runtime.ts';
import type { Logger } from '#shared/ports/index.ts';
import { ClusterClient, endpointFromKubeconfigFile } from '#shared/kube/index.ts';
import { INVENTORY_NAMESPACE, inventoryName } from '#shared/kube/inventory.ts';
import { createGitRepo, getTestEnv, kubeContextName } from '#test/env/index.ts';

/** A logger that keeps each message with its attributes. */
function recordingLogger(): Logger & { lines: { message: string; attributes: Record<string, unknown> }[] } {
  const lines: { message: string; attributes: Record<string, unknown> }[] = [];
  const keep = (message: string, ...attributes: Record<string, unknown>[]): void =>
    void lines.push({ message, attributes: Object.assign({}, ...attributes) as Record<string, unknown> });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

test('the local drift timer starts a sweep every interval, its shard runs over the in-process bus, and stop() ends it', async () => {
  // Prepare: the test API server's context is the one cluster; its root holds one ConfigMap.
  const { kube } = await getTestEnv();
  const name = `drift-timer-${randomBytes(3).toString('hex')}`;
  const fleet = await createGitRepo({
    name: 'timer-fleet',
    files: {
      [`clusters/${kubeContextName}/settings.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  colour: green\n`,
      // A root Kustomization of its own name: the made-up root is flux-system/flux-system, whose inventory on this shared API
      // server belongs to the pipeline tests.
      [`clusters/${kubeContextName}/flux-system/gotk-sync.yaml`]: `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  prune: true\n  path: ./clusters/${kubeContextName}\n  sourceRef:\n    kind: GitRepository\n    name: ${name}\n`,
    },
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tideline-drift-timer-'));
  const logger = recordingLogger();
  const sweeps = (): number => logger.lines.filter((line) => line.message === 'drift sweep started').length;
  const checked = (): boolean => logger.lines.some((line) => line.message === 'drift shard checked' && line.attributes['checked'] === 1);
  const pipeline = await startLocalPipeline({
    bootstrap: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      // A name of its own: other tests apply to the same API server, and apply refuses an older revision of a same-named root.
      metadata: { name, namespace: 'flux-system' },
      spec: { interval: '1h', url: fleet.url, ref: { branch: 'main' }, timeout: '60s' },
    } as never,
    kubeconfig: kube.kubeconfigPath,
    dataDir,
    logger,
    tickMs: 3_600_000,
    driftIntervalMs: 150,
  });
  let afterStop: number;
  let atStop: number;
  try {
    // Act: once the first sync applied the root, let sweeps run until one checked the cluster and three started; stop; wait.
    const deadline = Date.now() + 30_000;
    while (!(checked() && sweeps() >= 3) && Date.now() < deadline) await sleep(50);
    await pipeline.stop();
    atStop = sweeps();
    await sleep(600);
    afterStop = sweeps();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    const client = new ClusterClient(await endpointFromKubeconfigFile(kube.kubeconfigPath, undefined));
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name });
    await client
      .delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName({ namespace: 'flux-system', name }) })
      .finally(() => client.close());
  }
  // Assess
  assert.ok(atStop >= 3, `${atStop} sweeps started in time: ${JSON.stringify(logger.lines.slice(-10))}`);
  const started = logger.lines.find((line) => line.message === 'drift sweep started');
  assert.equal(started?.attributes['clusters'], 1, JSON.stringify(started));
  assert.ok(checked(), `a shard came back over the bus and was checked: ${JSON.stringify([...new Set(logger.lines.map((l) => l.message))])}`);
  assert.equal(afterStop, atStop, 'no sweep starts after stop()');
  assert.deepEqual(
    logger.lines.filter((line) => line.message === 'drift sweep failed'),
    [],
  );
});
