// Drift detection against the real kube-apiserver: edited and deleted objects are found, in-sync
// ones cost no dry-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectDrift, reconcileObjects } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { clientAndManager, configMap, deployment, ownerFor } from './helpers.ts';

test('an object edited by hand is Modified, a deleted one Missing, the rest in sync', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-drift');
  const { client, other } = await clientAndManager(t, 'kubectl-edit');
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

test('a field added with kubectl is drift: the apply would take it over and remove it', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-drift-kubectl');
  const { client, other: kubectl } = await clientAndManager(t, 'kubectl-client-side-apply');
  const owner = ownerFor(ns);
  const objects = [configMap(ns, 'settings', { a: '1' }), configMap(ns, 'untouched', { a: '1' })];
  await reconcileObjects(client, { owner, revision: 'r1', objects });
  await kubectl.send('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
    query: { fieldManager: 'kubectl-client-side-apply' },
    body: JSON.stringify({ data: { extra: 'by hand' } }),
    contentType: 'application/merge-patch+json',
  });
  // Act
  const result = await detectDrift(client, { owner, objects });
  await reconcileObjects(client, { owner, revision: 'r2', objects });
  const after = await detectDrift(client, { owner, objects });
  // Assess
  assert.deepEqual(
    result.drifted.map((d) => `${d.object.name}:${d.change}`),
    ['settings:Modified'],
  );
  assert.deepEqual(after.drifted, [], 'the apply took the field over and removed it');
});
