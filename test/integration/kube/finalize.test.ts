// Removing a Kustomization from a cluster, per Flux deletion policy, on the real kube-apiserver:
// delete (with prune's guards), orphan, wait for termination, and a failed deletion kept for retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finalizeKustomization, reconcileObjects } from '#shared/kube/index.ts';
import type { ClusterClient, KubeObject } from '#shared/kube/index.ts';
import { INVENTORY_NAMESPACE, inventoryName, readInventory } from '#shared/kube/inventory.ts';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { configMap, instantClock, ownedNamespace, ownerFor, runTideline, tempDirFor, testClientFor } from './helpers.ts';

const inventoryRef = (owner: { name: string; namespace: string }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: INVENTORY_NAMESPACE,
  name: inventoryName(owner),
});

test('deletionPolicy Delete removes what the Kustomization applied, except what prune must leave, then its inventory', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-finalize-delete');
  const kept = configMap(ns, 'kept', { a: '1' });
  kept.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'one', { a: '1' }), configMap(ns, 'two', { a: '1' }), kept], prune: true });
  // Act
  const result = await finalizeKustomization(client, { owner, prune: true, deletionPolicy: 'Delete' });
  const again = await finalizeKustomization(client, { owner, prune: true, deletionPolicy: 'Delete' });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.outcome, 'deleted');
  assert.deepEqual(result.changeSet.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['kept:Skipped', 'one:Deleted', 'two:Deleted']);
  assert.equal(result.left, 1);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }), undefined);
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'kept' }));
  assert.equal(await client.get(inventoryRef(owner)), undefined);
  assert.equal(again.outcome, 'nothing-applied');
});

test('MirrorPrune without prune (and Orphan) leave the objects and drop only the inventory', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-finalize-orphan');
  const client = await testClientFor(t);
  const mirror = ownerFor(ns);
  const orphan = { name: `${ns}-orphan`, namespace: 'flux-system' };
  await reconcileObjects(client, { owner: mirror, revision: 'r1', objects: [configMap(ns, 'by-mirror', { a: '1' })] });
  await reconcileObjects(client, { owner: orphan, revision: 'r1', objects: [configMap(ns, 'by-orphan', { a: '1' })], prune: true });
  // Act
  const mirrored = await finalizeKustomization(client, { owner: mirror, prune: false });
  const orphaned = await finalizeKustomization(client, { owner: orphan, prune: true, deletionPolicy: 'Orphan' });
  // Assess
  assert.deepEqual([mirrored.outcome, orphaned.outcome], ['orphaned', 'orphaned']);
  assert.deepEqual([mirrored.left, orphaned.left], [1, 1]);
  for (const name of ['by-mirror', 'by-orphan']) assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }), name);
  assert.equal(await readInventory(client, mirror), undefined);
  assert.equal(await readInventory(client, orphan), undefined);
});

test('WaitForTermination reports objects still terminating at the timeout and lets the Kustomization go', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-finalize-wait');
  const held: KubeObject = { ...configMap(ns, 'held', { a: '1' }), metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] } };
  await reconcileObjects(client, { owner, revision: 'r1', objects: [held, configMap(ns, 'free', { a: '1' })], prune: true });
  t.after(() => release(client, ns));
  const clock = instantClock();
  // Act
  const result = await finalizeKustomization(client, {
    owner,
    prune: true,
    deletionPolicy: 'WaitForTermination',
    timeoutMs: 10_000,
    pollIntervalMs: 1_000,
    clock,
  });
  // Assess
  assert.equal(result.failure, 'TerminationTimeout');
  assert.deepEqual(
    result.changeSet.errors.map((e) => e.message),
    [`ConfigMap held in ns ${ns}: still terminating when the 10 s wait ended (finalizers?)`],
  );
  assert.ok(clock.slept >= 10_000, 'it waited until the timeout');
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'free' }), undefined);
  assert.equal(await readInventory(client, owner), undefined);
});

test('a deletion that fails keeps the inventory with what is left, and a retry finishes the job', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-finalize-retry');
  const client = await testClientFor(t);
  const owner = { name: 'tenant', namespace: ns };
  const grant = async (verbs: string[]) => {
    await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } });
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'deployer', namespace: ns },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }],
    });
    await client.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
  };
  await grant(['get', 'list', 'create', 'patch']);
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'one', { a: '1' })], serviceAccountName: 'deployer' });
  // Act
  const denied = await finalizeKustomization(client, { owner, prune: true, serviceAccountName: 'deployer' });
  const inventoryAfterDenial = await readInventory(client, owner);
  await grant(['get', 'list', 'create', 'patch', 'delete']);
  const retried = await finalizeKustomization(client, { owner, prune: true, serviceAccountName: 'deployer' });
  // Assess
  assert.equal(denied.failure, 'PruneFailed');
  assert.match(denied.changeSet.errors[0]?.message ?? '', /forbidden/);
  assert.deepEqual(
    inventoryAfterDenial?.entries.map((e) => e.id),
    [`${ns}_one__ConfigMap`],
  );
  assert.equal(retried.failure, undefined, JSON.stringify(retried.changeSet.errors));
  assert.deepEqual(
    retried.changeSet.entries.map((e) => `${e.object.name}:${e.action}`),
    ['one:Deleted'],
  );
  assert.equal(await readInventory(client, owner), undefined);
});

/** Drops the test finalizer so the namespace can go. */
async function release(client: ClusterClient, ns: string): Promise<void> {
  await client
    .send('PATCH', `/api/v1/namespaces/${ns}/configmaps/held`, {
      body: JSON.stringify({ metadata: { finalizers: null } }),
      contentType: 'application/merge-patch+json',
    })
    .catch(() => undefined);
}

test('tideline delete removes what tideline apply applied under a name; an unknown policy is refused', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-finalize-cli');
  const client = await testClientFor(t);
  const env = await getTestEnv();
  const dir = await tempDirFor(t, 'tideline-delete-cli-');
  await writeFile(join(dir, 'a.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  a: "1"\n`);
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', ns];
  assert.equal((await runTideline(['apply', dir, ...common])).code, 0);
  // Act
  const refused = await runTideline(['delete', ...common, '--deletion-policy', 'Later']);
  const deleted = await runTideline(['delete', ...common]);
  // Assess
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--deletion-policy must be one of MirrorPrune, Delete, WaitForTermination, Orphan/);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, new RegExp(`ConfigMap settings in ns ${ns} deleted`));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }), undefined);
});
