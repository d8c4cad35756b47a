import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsArtifactStore } from '#shared/adapters/local/fs-artifact-store.ts';
import { createFleetSnapshot, syntheticRoot, type FleetSnapshot } from '#shared/fleet/index.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';

const source = { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'flux-system' };

/** A pure change adding cluster `name` with its synthetic root, as a render of the roots would. */
function addCluster(name: string) {
  return (snapshot: FleetSnapshot) => {
    const tree = createFleetSnapshot([{ cluster: name, kustomization: syntheticRoot(name, source), origin: 'synthetic' }]).clusters[name];
    return { snapshot: { ...snapshot, clusters: { ...snapshot.clusters, [name]: tree! } }, result: name };
  };
}

test('writers in two processes (two stores on one artifact store) lose no update of the fleet snapshot', async (t) => {
  // Prepare: two warm containers, each with its own copy in memory.
  const dir = await mkdtemp(join(tmpdir(), 'tideline-fleet-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const artifacts = new FsArtifactStore(dir);
  const [a, b] = [new FleetStore(artifacts), new FleetStore(artifacts)];
  await a.load();
  await b.load();
  // Act: both update at once, each from its stale copy.
  const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
  await Promise.all(names.map((name, i) => (i % 2 === 0 ? a : b).update(addCluster(name))));
  // Assess
  const reader = new FleetStore(artifacts);
  assert.deepEqual(Object.keys((await reader.load()).clusters).sort(), [...names].sort());
});

test('a change that returns the snapshot it was given stores nothing', async (t) => {
  // Prepare
  const dir = await mkdtemp(join(tmpdir(), 'tideline-fleet-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const artifacts = new FsArtifactStore(dir);
  const store = new FleetStore(artifacts);

  // Act
  const result = await store.update((snapshot) => ({ snapshot, result: 'unchanged' }));

  // Assess
  assert.equal(result, 'unchanged');
  assert.equal(await artifacts.getVersioned('fleet/snapshot.json'), undefined);
});
