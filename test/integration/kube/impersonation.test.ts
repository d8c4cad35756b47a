// Flux's spec.serviceAccountName on the real kube-apiserver (RBAC on): every write of a reconcile
// — dry-run, apply, prune — is made as the Kustomization's service account, so it can change only
// what the account may change; reads and the inventory keep the client's own identity.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterClient, KubeObject } from '#shared/kube/index.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectDrift, diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import { getTestEnv, kubeContextName, useNamespace } from '#test/env/index.ts';
import { configMap, runTideline, secret, tempDirFor, testClientFor } from './helpers.ts';

/** A service account `deployer` in `namespace` allowed `verbs` on ConfigMaps there, and nothing else. */
async function deployer(client: ClusterClient, namespace: string, verbs: string[]): Promise<void> {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'deployer', namespace },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
    },
  ];
  for (const object of objects) await client.apply(object);
}

/** A fresh namespace whose `deployer` service account may read and write (not delete) ConfigMaps only, and a client. */
async function tenantNamespace(t: TestContext, prefix: string): Promise<{ ns: string; client: ClusterClient }> {
  const ns = await useNamespace(t, prefix);
  const client = await testClientFor(t);
  await deployer(client, ns, ['get', 'list', 'create', 'patch', 'update']);
  return { ns, client };
}

/** Applies `objects` as the tenant's `deployer` service account, at revision r1 unless `more` names another, pruning if asked. */
function applyAsDeployer(
  client: ClusterClient,
  ns: string,
  objects: KubeObject[],
  more: { revision?: string; prune?: boolean } = {},
): ReturnType<typeof reconcileObjects> {
  return reconcileObjects(client, { owner: { name: 'tenant', namespace: ns }, revision: 'r1', objects, serviceAccountName: 'deployer', ...more });
}

test('a Kustomization with a service account applies what the account may write', async (t) => {
  // Prepare
  const { ns, client } = await tenantNamespace(t, 'kube-sa-ok');
  // Act
  const result = await applyAsDeployer(client, ns, [configMap(ns, 'settings', { mode: 'fast' })]);
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(
    result.changeSet.entries.map((e) => `${e.object.name}:${e.action}`),
    ['settings:Created'],
  );
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal((live?.data as Record<string, string> | undefined)?.mode, 'fast');
  assert.deepEqual(
    live?.metadata.managedFields?.map((f) => `${f.manager}/${f.operation}`),
    ['tideline/Apply'],
  );
});

test('an object the service account may not write fails validation and nothing is applied', async (t) => {
  // Prepare
  const { ns, client } = await tenantNamespace(t, 'kube-sa-denied');
  // Act
  const result = await applyAsDeployer(client, ns, [configMap(ns, 'settings', { mode: 'fast' }), secret(ns, 'token', { value: 'hunter2-value' })]);
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.equal(result.changeSet.errors.length, 1, JSON.stringify(result.changeSet.errors));
  const message = result.changeSet.errors[0]?.message ?? '';
  assert.match(message, new RegExp(`^Secret token in ns ${ns}: forbidden: .*system:serviceaccount:${ns}:deployer`));
  assert.doesNotMatch(message, /hunter2/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }), undefined);
});

test('prune deletes as the service account: without delete rights the object stays and stays tracked', async (t) => {
  // Prepare
  const { ns, client } = await tenantNamespace(t, 'kube-sa-prune');
  const first = await applyAsDeployer(client, ns, [configMap(ns, 'keep', { a: '1' }), configMap(ns, 'old', { a: '1' })], { revision: 'r1', prune: true });
  assert.equal(first.failure, undefined, JSON.stringify(first.changeSet.errors));
  // Act
  const denied = await applyAsDeployer(client, ns, [configMap(ns, 'keep', { a: '1' })], { revision: 'r2', prune: true });
  await deployer(client, ns, ['get', 'list', 'create', 'patch', 'update', 'delete']);
  const allowed = await applyAsDeployer(client, ns, [configMap(ns, 'keep', { a: '1' })], { revision: 'r3', prune: true });
  // Assess
  assert.equal(denied.failure, 'PruneFailed');
  assert.match(denied.changeSet.errors[0]?.message ?? '', /forbidden/);
  assert.ok(
    denied.inventory?.entries.some((e) => e.id.startsWith(`${ns}_old_`)),
    'the object prune could not delete stays in the inventory',
  );
  assert.equal(allowed.failure, undefined, JSON.stringify(allowed.changeSet.errors));
  assert.ok(allowed.changeSet.entries.some((e) => e.object.name === 'old' && e.action === 'Deleted'));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'old' }), undefined);
});

test('diff dry-runs as the service account: what it may not write is an error, what it may is a change', async (t) => {
  // Prepare
  const { ns, client } = await tenantNamespace(t, 'kube-sa-diff');
  // Act
  const result = await diffObjects(client, {
    owner: { name: 'tenant', namespace: ns },
    objects: [configMap(ns, 'settings', { mode: 'fast' }), secret(ns, 'token', { value: 'hunter2-value' })],
    serviceAccountName: 'deployer',
  });
  // Assess
  assert.deepEqual(
    result.objects.map((o) => `${o.object.name}:${o.action}`),
    ['settings:Created'],
  );
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]?.message ?? '', new RegExp(`^Secret token in ns ${ns}: forbidden: .*system:serviceaccount:${ns}:deployer`));
});

test('tideline apply --service-account writes as the account of the --namespace namespace', async (t) => {
  // Prepare
  const { ns } = await tenantNamespace(t, 'kube-sa-cli');
  const env = await getTestEnv();
  const dir = await tempDirFor(t, 'tideline-sa-cli-');
  await writeFile(
    join(dir, 'all.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  a: "1"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: ${ns}\nstringData:\n  value: hunter2-value\n`,
  );
  const common = ['--kubeconfig', env.kube.kubeconfigPath, '--context', kubeContextName, '--name', 'tenant', '--namespace', ns];
  // Act
  const asAccount = await runTideline(['apply', dir, ...common, '--service-account', 'deployer']);
  const asAdmin = await runTideline(['apply', dir, ...common]);
  // Assess
  assert.equal(asAccount.code, 2);
  assert.match(asAccount.stderr, new RegExp(`Secret token in ns ${ns}: forbidden`));
  assert.doesNotMatch(asAccount.stdout + asAccount.stderr, /hunter2/);
  assert.equal(asAdmin.code, 0, asAdmin.stderr);
  assert.match(asAdmin.stdout, /applied: created 2/);
});

test('drift detection dry-runs as the service account too: an object it may not write is an error', async (t) => {
  // Prepare
  const { ns, client } = await tenantNamespace(t, 'kube-sa-drift');
  const owner = { name: 'tenant', namespace: ns };
  const objects = [configMap(ns, 'settings', { mode: 'fast' }), secret(ns, 'token', { value: 'hunter2-value' })];
  // Act
  const result = await detectDrift(client, { owner, objects, serviceAccountName: 'deployer' });
  // Assess
  assert.deepEqual(
    result.drifted.map((d) => `${d.object.name}:${d.change}`),
    ['settings:Missing'],
  );
  assert.match(result.errors[0]?.message ?? '', new RegExp(`^Secret token in ns ${ns}: forbidden`));
});
