// Drift detection against the real kube-apiserver: edited and deleted objects are found, in-sync
// ones cost no dry-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterClient, detectDrift, reconcileObjects } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { configMap, deployment, ownerFor, testClient } from './helpers.ts';

test('an object edited by hand is Modified, a deleted one Missing, the rest in sync', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-drift');
  const client = await testClient();
  const other = new ClusterClient(client.endpoint, { fieldManager: 'kubectl-edit' });
  t.after(() => (client.close(), other.close()));
  const owner = ownerFor(ns);
  const objects = [configMap(ns, 'edited', { a: '1' }), configMap(ns, 'deleted', { a: '1' }), deployment(ns, 'web')];
  await reconcileObjects(client, { owner, revision: 'r1', objects });
  await other.apply(configMap(ns, 'edited', { a: 'by hand' }), { force: true });
  await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'deleted' });
  client.requestsByVerb.clear();
  // Act
  const result = await detectDrift(client, { owner, objects });
  // Assess
  assert.deepEqual(result.drifted.map((d) => `${d.object.name}:${d.change}`).sort(), ['deleted:Missing', 'edited:Modified']);
  assert.equal(result.checked, 3);
  assert.equal(client.requestsByVerb.get('DRYRUN Deployment'), undefined, 'the in-sync Deployment needed no dry-run');
});
