import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyRendered, createFleetSnapshot, mergeFleetSnapshots, normaliseRepositoryUrl, pickClusters, recordRender, sameRepository, sourcesAt, syntheticRoot } from '#shared/fleet/index.ts';
import { FLEET_SOURCE, gitRepository } from './objects.ts';

test('Git URLs written differently name the same repository', () => {
  assert.equal(normaliseRepositoryUrl('https://GitHub.com/Org/Fleet.git/'), 'github.com/org/fleet');
  assert.ok(sameRepository('git@github.com:org/fleet.git', 'https://github.com/org/fleet'));
  assert.ok(sameRepository('ssh://git@github.com:22/org/fleet', 'https://token@github.com/org/fleet.git'));
  assert.ok(!sameRepository('http://127.0.0.1:8081/fleet.git', 'http://127.0.0.1:8082/fleet.git'), 'loopback servers differ by port');
  assert.ok(!sameRepository('https://github.com/org/fleet', 'https://github.com/org/fleet-apps'));
  assert.equal(normaliseRepositoryUrl('not a url'), undefined);
});

test("a push's clone URLs select only the sources at that repository", () => {
  const root = syntheticRoot('dev', FLEET_SOURCE);
  let snapshot = createFleetSnapshot([{ cluster: 'dev', origin: 'synthetic', kustomization: root }]);
  snapshot = recordRender(snapshot, 'dev', 'flux-system/flux-system', classifyRendered([gitRepository('fleet'), gitRepository('shop', 'apps')], { cluster: 'dev', owner: 'flux-system/flux-system' }), 'main@sha1:1111111111111111111111111111111111111111').snapshot;

  const sources = sourcesAt(snapshot, ['git@git.example.com:shop.git', 'https://git.example.com/shop']);

  assert.deepEqual(sources.map((s) => `${s.source.namespace}/${s.source.name}`), ['apps/shop']);
});

test('a snapshot splits into per-cluster parts and joins back', () => {
  const roots = ['a', 'b'].map((cluster) => ({ cluster, origin: 'synthetic' as const, kustomization: syntheticRoot(cluster, FLEET_SOURCE) }));
  const snapshot = createFleetSnapshot(roots);

  const parts = ['a', 'b'].map((cluster) => pickClusters(snapshot, [cluster]));

  assert.deepEqual(Object.keys(parts[0]?.clusters ?? {}), ['a']);
  assert.deepEqual(mergeFleetSnapshots(...parts), snapshot);
});
