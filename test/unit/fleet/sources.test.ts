import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyRendered,
  createFleetSnapshot,
  mergeFleetSnapshots,
  normaliseRepositoryUrl,
  pickClusters,
  recordRender,
  sameRepository,
  sourcesAt,
  syntheticRoot,
} from '#shared/fleet/index.ts';
import { FLEET_SOURCE, gitRepository } from './objects.ts';

test('a Git URL normalises to host and path, lower-cased, without scheme, .git or trailing slash', () => {
  // Act
  const normalised = normaliseRepositoryUrl('https://GitHub.com/Org/Fleet.git/');
  // Assess
  assert.equal(normalised, 'github.com/org/fleet');
});

test('something that is not a URL has no normal form', () => {
  // Act
  const normalised = normaliseRepositoryUrl('not a url');
  // Assess
  assert.equal(normalised, undefined);
});

test('Git URLs written differently (scp-like, ssh with a port, https with a token) name the same repository', () => {
  for (const [a, b] of [
    ['git@github.com:org/fleet.git', 'https://github.com/org/fleet'],
    ['ssh://git@github.com:22/org/fleet', 'https://token@github.com/org/fleet.git'],
  ] as const) {
    // Act
    const same = sameRepository(a, b);
    // Assess
    assert.equal(same, true, `${a} and ${b}`);
  }
});

test('loopback Git servers on different ports are different repositories', () => {
  // Act
  const same = sameRepository('http://127.0.0.1:8081/fleet.git', 'http://127.0.0.1:8082/fleet.git');
  // Assess
  assert.equal(same, false);
});

test('a repository whose path only starts like another is a different repository', () => {
  // Act
  const same = sameRepository('https://github.com/org/fleet', 'https://github.com/org/fleet-apps');
  // Assess
  assert.equal(same, false);
});

test("a push's clone URLs select only the sources at that repository", () => {
  // Prepare
  const root = syntheticRoot('dev', FLEET_SOURCE);
  const rendered = classifyRendered([gitRepository('fleet'), gitRepository('shop', 'apps')], { cluster: 'dev', owner: 'flux-system/flux-system' });
  const snapshot = recordRender(
    createFleetSnapshot([{ cluster: 'dev', origin: 'synthetic', kustomization: root }]),
    'dev',
    'flux-system/flux-system',
    rendered,
    'main@sha1:1111111111111111111111111111111111111111',
  ).snapshot;
  // Act
  const sources = sourcesAt(snapshot, ['git@git.example.com:shop.git', 'https://git.example.com/shop']);
  // Assess
  assert.deepEqual(
    sources.map((s) => `${s.source.namespace}/${s.source.name}`),
    ['apps/shop'],
  );
});

test('a snapshot picked down to one cluster holds only that cluster', () => {
  // Prepare
  const roots = ['a', 'b'].map((cluster) => ({ cluster, origin: 'synthetic' as const, kustomization: syntheticRoot(cluster, FLEET_SOURCE) }));
  const snapshot = createFleetSnapshot(roots);
  // Act
  const part = pickClusters(snapshot, ['a']);
  // Assess
  assert.deepEqual(Object.keys(part.clusters), ['a']);
});

test('per-cluster parts of a snapshot merge back into the whole snapshot', () => {
  // Prepare
  const roots = ['a', 'b'].map((cluster) => ({ cluster, origin: 'synthetic' as const, kustomization: syntheticRoot(cluster, FLEET_SOURCE) }));
  const snapshot = createFleetSnapshot(roots);
  const parts = ['a', 'b'].map((cluster) => pickClusters(snapshot, [cluster]));
  // Act
  const merged = mergeFleetSnapshots(...parts);
  // Assess
  assert.deepEqual(merged, snapshot);
});
