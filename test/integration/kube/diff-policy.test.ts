// Diff and drift honour Flux's per-object apply policies as an apply does: `ssa: Ignore` objects
// and existing `ssa: IfNotPresent` objects are left alone, so they never show as changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectDrift, diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { configMap, ownerFor, testClient } from './helpers.ts';

function annotated(object: KubeObject, policy: string): KubeObject {
  object.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': policy };
  return object;
}

test('diff reports ssa: Ignore and existing ssa: IfNotPresent objects as Skipped, not as changes', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-diff-ssa');
  const client = await testClient();
  t.after(() => client.close());
  const owner = ownerFor(ns);
  await reconcileObjects(client, { owner, revision: 'r1', objects: [annotated(configMap(ns, 'seeded', { a: '1' }), 'IfNotPresent')] });
  // Act
  const result = await diffObjects(client, {
    owner,
    objects: [
      annotated(configMap(ns, 'seeded', { a: 'edited in Git' }), 'IfNotPresent'),
      annotated(configMap(ns, 'hands-off', { b: '1' }), 'Ignore'),
      annotated(configMap(ns, 'fresh', { c: '1' }), 'IfNotPresent'),
    ],
  });
  // Assess
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.objects.map((o) => `${o.object.name}:${o.action}`).sort(), ['fresh:Created', 'hands-off:Skipped', 'seeded:Skipped']);
  assert.equal(result.objects.find((o) => o.object.name === 'seeded')?.diff, '');
});

test('drift ignores ssa: Ignore objects and existing ssa: IfNotPresent objects, but reports a missing IfNotPresent one', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-drift-ssa');
  const client = await testClient();
  t.after(() => client.close());
  const owner = ownerFor(ns);
  await reconcileObjects(client, { owner, revision: 'r1', objects: [annotated(configMap(ns, 'seeded', { a: '1' }), 'IfNotPresent')] });
  // Act
  const result = await detectDrift(client, {
    owner,
    objects: [
      annotated(configMap(ns, 'seeded', { a: 'edited in Git' }), 'IfNotPresent'),
      annotated(configMap(ns, 'hands-off', { b: '1' }), 'Ignore'),
      annotated(configMap(ns, 'fresh', { c: '1' }), 'IfNotPresent'),
    ],
  });
  // Assess
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.drifted.map((d) => `${d.object.name}:${d.change}`),
    ['fresh:Missing'],
  );
});
