// Diff and drift honour Flux's per-object apply policies as an apply does: `ssa: Ignore` objects
// and existing `ssa: IfNotPresent` objects are left alone, so they never show as changes.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { detectDrift, diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import type { ClusterClient, KubeObject } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { configMap, ownerFor, testClientFor } from './helpers.ts';

function annotated(object: KubeObject, policy: string): KubeObject {
  object.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': policy };
  return object;
}

/**
 * A namespace where `seeded` (IfNotPresent) already exists, and the objects Git then asks for: `seeded`
 * edited, `hands-off` (Ignore) and `fresh` (IfNotPresent, not yet on the cluster).
 */
async function seedPolicyObjects(
  t: TestContext,
  prefix: string,
): Promise<{ client: ClusterClient; owner: ReturnType<typeof ownerFor>; objects: KubeObject[] }> {
  const ns = await useNamespace(t, prefix);
  const client = await testClientFor(t);
  const owner = ownerFor(ns);
  await reconcileObjects(client, { owner, revision: 'r1', objects: [annotated(configMap(ns, 'seeded', { a: '1' }), 'IfNotPresent')] });
  const objects = [
    annotated(configMap(ns, 'seeded', { a: 'edited in Git' }), 'IfNotPresent'),
    annotated(configMap(ns, 'hands-off', { b: '1' }), 'Ignore'),
    annotated(configMap(ns, 'fresh', { c: '1' }), 'IfNotPresent'),
  ];
  return { client, owner, objects };
}

test('diff reports ssa: Ignore and existing ssa: IfNotPresent objects as Skipped, not as changes', async (t) => {
  // Prepare
  const { client, owner, objects } = await seedPolicyObjects(t, 'kube-diff-ssa');
  // Act
  const result = await diffObjects(client, { owner, objects });
  // Assess
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.objects.map((o) => `${o.object.name}:${o.action}`).sort(), ['fresh:Created', 'hands-off:Skipped', 'seeded:Skipped']);
  assert.equal(result.objects.find((o) => o.object.name === 'seeded')?.diff, '');
});

test('drift ignores ssa: Ignore objects and existing ssa: IfNotPresent objects, but reports a missing IfNotPresent one', async (t) => {
  // Prepare
  const { client, owner, objects } = await seedPolicyObjects(t, 'kube-drift-ssa');
  // Act
  const result = await detectDrift(client, { owner, objects });
  // Assess
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.drifted.map((d) => `${d.object.name}:${d.change}`),
    ['fresh:Missing'],
  );
});
