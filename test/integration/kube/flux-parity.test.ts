// Behaviour the apply engine shares with Flux's kustomize-controller, against the real
// kube-apiserver: fields dropped from a Secret's stringData leave the live Secret, immutable fields
// of Services and RoleBindings recreate only when allowed, duplicates name both occurrences, the
// guards name the Kustomization, and pruning a Namespace that is already terminating succeeds.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, InvalidInputError, TransientError } from '#shared/errors/index.ts';
import { compileIgnoreRules, reconcileObjects } from '#shared/kube/index.ts';
import type { ClusterClient, KubeObject } from '#shared/kube/index.ts';
import { getTestEnv, useNamespace } from '#test/env/index.ts';
import { actionsOf, configMap, crd, deployment, ownedNamespace, ownerFor, secret, testClient, testClientFor } from './helpers.ts';

/** A test namespace with ConfigMap settings ({ a: '1' }) reconciled at r1 by `client`, and a client `other` writing as field manager `manager`. */
async function settingsAppliedBeside(
  t: TestContext,
  prefix: string,
  manager: string,
): Promise<{ ns: string; client: ClusterClient; other: ClusterClient; owner: ReturnType<typeof ownerFor> }> {
  const ns = await useNamespace(t, prefix);
  const client = await testClientFor(t);
  const other = await testClientFor(t, { fieldManager: manager });
  const owner = ownerFor(ns);
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  return { ns, client, other, owner };
}
test("a key dropped from a Secret's stringData disappears from the live Secret", async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-strdata');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [secret(ns, 'creds', { user: 'admin', password: 'hunter22' })] });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [secret(ns, 'creds', { user: 'admin' })] });
  const again = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r3', objects: [secret(ns, 'creds', { user: 'admin' })] });
  // Assess
  assert.equal(result.changeSet.entries[0]?.action, 'Configured', JSON.stringify(result.changeSet));
  const live = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' });
  assert.deepEqual(Object.keys((live?.data ?? {}) as object), ['user']);
  assert.equal(again.changeSet.entries[0]?.action, 'Unchanged');
});

function serviceWithIp(ns: string, clusterIP: string | undefined, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api', namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ port: 80 }] },
  };
}

/** Another address of the Service CIDR than `ip` (the last octet moved). */
function otherIp(ip: string): string {
  return ip.replace(/\d+$/, (octet) => String(((Number(octet) + 7) % 250) + 2));
}

test('a changed Service clusterIP is an immutable-field error without force', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-clusterip');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [serviceWithIp(ns, undefined)] });
  const ip = ((await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'api' }))?.spec as { clusterIP: string }).clusterIP;
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [serviceWithIp(ns, otherIp(ip))] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.match(
    result.changeSet.errors[0]?.message ?? '',
    new RegExp(`^Service api in ns ${ns}: .*may not change once set.*force: true.*kustomize\\.toolkit\\.fluxcd\\.io/force: enabled`),
  );
});

test('a changed Service clusterIP recreates the Service when it is annotated force: enabled', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-clusterip-force');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [serviceWithIp(ns, undefined)] });
  const before = await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'api' });
  const wanted = otherIp((before?.spec as { clusterIP: string }).clusterIP);
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r2',
    objects: [serviceWithIp(ns, wanted, { 'kustomize.toolkit.fluxcd.io/force': 'enabled' })],
  });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.message, 'recreated: an immutable field changed');
  const after = await client.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'api' });
  assert.notEqual(after?.metadata.uid, before?.metadata.uid);
  assert.equal((after?.spec as { clusterIP: string }).clusterIP, wanted);
});

test('a changed RoleBinding roleRef recreates the RoleBinding with force', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-roleref');
  const client = await testClientFor(t);
  const binding = (role: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'readers', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  });
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [binding('old')] });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', force: true, objects: [binding('new')] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  const live = await client.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: ns, name: 'readers' });
  assert.equal((live?.roleRef as { name: string }).name, 'new');
});

test('an object in the bundle twice is refused naming both occurrences, nothing applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-dup');
  const client = await testClientFor(t);
  const withoutNamespace = configMap(ns, 'settings', { a: '2' });
  delete withoutNamespace.metadata.namespace;
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    targetNamespace: ns,
    objects: [configMap(ns, 'other', { b: '1' }), configMap(ns, 'settings', { a: '1' }), withoutNamespace],
  });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.equal(result.changeSet.errors.length, 1);
  assert.match(
    result.changeSet.errors[0]?.message ?? '',
    new RegExp(
      `^ConfigMap settings in ns ${ns}: appears more than once in the bundle \\(as v1 written with namespace ${ns} and as v1 written without a namespace\\)`,
    ),
  );
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'other' }), undefined);
});

test('the stale revision and empty bundle guards name the Kustomization', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-guards');
  await reconcileObjects(client, { owner, revision: 'main@sha1:b', order: 2, prune: true, objects: [configMap(ns, 'a', { a: '1' })] });
  const prefix = `Kustomization.kustomize.toolkit.fluxcd.io ${ns} in ns flux-system: `;
  // Act
  const stale = reconcileObjects(client, { owner, revision: 'main@sha1:a', order: 1, objects: [configMap(ns, 'a', { a: '0' })] });
  // Assess
  await assert.rejects(
    stale,
    (error: unknown) =>
      error instanceof ConflictError && error.message.startsWith(prefix) && /main@sha1:a .*older than the applied revision main@sha1:b/.test(error.message),
  );
  const empty = reconcileObjects(client, { owner, revision: 'main@sha1:c', order: 3, prune: true, objects: [] });
  await assert.rejects(empty, (error: unknown) => error instanceof InvalidInputError && error.message.startsWith(`${prefix}the bundle is empty`));
});

test('pruning a Namespace that is already terminating succeeds', async (t) => {
  // Prepare: the test API server runs no namespace controller, so a deleted Namespace stays Terminating.
  const { ns, client, owner } = await ownedNamespace(t, 'kube-prune-term');
  const doomed = `${ns}-doomed`;
  await reconcileObjects(client, {
    owner,
    revision: 'r1',
    prune: true,
    objects: [configMap(ns, 'keep', { a: '1' }), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: doomed } }],
  });
  t.after(async () => {
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: doomed }).catch(() => undefined);
  });
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: doomed });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(
    result.inventory?.entries.map((e) => e.id),
    [`${ns}_keep__ConfigMap`],
  );
});

test('an object recorded with an API version the cluster no longer serves is pruned through the version it serves', async (t) => {
  // Prepare: a CRD serving v1alpha1 and v1; a custom resource applied as v1alpha1, then v1alpha1 retired.
  const { ns, client, owner } = await ownedNamespace(t, 'kube-prune-version');
  const group = `${ns}.example.com`;
  const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  const widgets = (alphaServed: boolean): KubeObject =>
    crd(group, 'Widget', 'widgets', [
      { name: 'v1alpha1', served: alphaServed, storage: false, schema },
      { name: 'v1', served: true, storage: true, schema },
    ]);
  t.after(async () => {
    await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `widgets.${group}` }).catch(() => undefined);
  });
  const widget: KubeObject = { apiVersion: `${group}/v1alpha1`, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 1 } };
  const first = await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [widgets(true), widget] });
  assert.equal(first.failure, undefined, JSON.stringify(first.changeSet.errors));
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [widgets(false)] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(
    result.changeSet.entries.filter((e) => e.object.kind === 'Widget').map((e) => e.action),
    ['Deleted'],
  );
  assert.equal(await client.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w' }), undefined);
});

test('labels and annotations another manager added do not make an object Configured, and survive the apply', async (t) => {
  // Prepare
  // A tool of its own (kubectl's managers would be taken over, as in Flux).
  const { ns, client, other, owner } = await settingsAppliedBeside(t, 'kube-foreign-meta', 'policy-agent');
  await other.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns, labels: { team: 'blue' }, annotations: { 'example.com/note': 'hands on' } },
    },
    { force: true },
  );
  client.requestsByVerb.clear();
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.equal(result.changeSet.entries[0]?.action, 'Unchanged');
  assert.deepEqual(
    [...client.requestsByVerb.keys()].filter((verb) => verb.startsWith('PATCH ConfigMap') || verb.startsWith('POST')),
    [],
    JSON.stringify([...client.requestsByVerb]),
  );
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal(live?.metadata.annotations?.['example.com/note'], 'hands on');
  assert.equal(live?.metadata.labels?.team, 'blue');
});

test('an object whose ownership labels were changed to another Kustomization is Configured and labelled back', async (t) => {
  // Prepare
  const { ns, client, other, owner } = await settingsAppliedBeside(t, 'kube-relabel', 'someone-else');
  await other.apply(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { 'tideline.dev/name': 'intruder' } } },
    { force: true },
  );
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.action, 'Configured');
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal(live?.metadata.labels?.['tideline.dev/name'], owner.name);
});

test('a namespaced object without a namespace and no targetNamespace is an error naming it, nothing applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-nons');
  const client = await testClientFor(t);
  const unplaced: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'homeless' }, spec: {} };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'fine', { a: '1' }), unplaced] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.match(result.changeSet.errors[0]?.message ?? '', /^Deployment\.apps homeless: namespaced object has no namespace/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
});

test('a field added with kubectl apply --server-side is taken over and removed; with ssa: Merge it stays', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-takeover');
  const client = await testClientFor(t);
  const kubectl = await testClientFor(t, { fieldManager: 'kubectl' });
  const owner = ownerFor(ns);
  const merged = configMap(ns, 'merged', { a: '1' });
  merged.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' };
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' }), merged] });
  for (const name of ['settings', 'merged'])
    await kubectl.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { extra: 'by hand' } }, { force: true });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' }), merged] });
  const again = await reconcileObjects(client, { owner, revision: 'r3', objects: [configMap(ns, 'settings', { a: '1' }), merged] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(result.changeSet.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['merged:Unchanged', 'settings:Configured']);
  const settings = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.deepEqual(settings?.data, { a: '1' });
  assert.deepEqual(
    settings?.metadata.managedFields?.map((e) => e.manager),
    ['tideline'],
  );
  const kept = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'merged' });
  assert.deepEqual(kept?.data, { a: '1', extra: 'by hand' });
  assert.deepEqual(actionsOf(again), ['Unchanged', 'Unchanged']);
});

test('a field added with client-side kubectl apply loses its last-applied annotation and is removed', async (t) => {
  // Prepare
  const { ns, client, other: kubectl, owner } = await settingsAppliedBeside(t, 'kube-takeover-csa', 'kubectl');
  const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: '1', extra: 'x' } });
  // A merge patch is an Update by manager `kubectl`, as an old client-side `kubectl apply` made it.
  await kubectl.sendForStatus('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
    body: JSON.stringify({ metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }, data: { extra: 'x' } }),
    contentType: 'application/merge-patch+json',
    query: { fieldManager: 'kubectl' },
  });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.equal(result.changeSet.entries[0]?.action, 'Configured', JSON.stringify(result.changeSet));
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.deepEqual(live?.data, { a: '1' });
  assert.equal(live?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
});

test('applying into a Namespace that is being deleted is a TransientError naming the object', async (t) => {
  // Prepare: the test API server runs no namespace controller, so a deleted Namespace stays Terminating.
  const ns = await useNamespace(t, 'kube-terminating');
  const client = await testClient({ maxAttempts: 1 });
  t.after(() => client.close());
  const doomed = `${ns}-doomed`;
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: doomed } });
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: doomed });
  // Act
  const attempt = reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(doomed, 'late', { a: '1' })] });
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) => error instanceof TransientError && error.message.startsWith(`ConfigMap late in ns ${doomed}: the namespace is being deleted`),
  );
});

test('an object annotated reconcile: disabled or ssa: Ignore in the cluster is Skipped by apply and by prune', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-handsoff');
  const client = await testClientFor(t);
  const kubectl = await testClientFor(t, { fieldManager: 'kubectl-annotate' });
  const owner = ownerFor(ns);
  await reconcileObjects(client, {
    owner,
    revision: 'r1',
    prune: true,
    objects: [configMap(ns, 'paused', { a: '1' }), configMap(ns, 'ignored', { a: '1' }), configMap(ns, 'keep', { a: '1' })],
  });
  await kubectl.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'paused', namespace: ns, annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
  });
  await kubectl.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ignored', namespace: ns, annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } },
  });
  // Act
  const changed = await reconcileObjects(client, {
    owner,
    revision: 'r2',
    prune: true,
    objects: [configMap(ns, 'paused', { a: '2' }), configMap(ns, 'ignored', { a: '2' }), configMap(ns, 'keep', { a: '1' })],
  });
  const pruned = await reconcileObjects(client, { owner, revision: 'r3', prune: true, objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  assert.deepEqual(changed.changeSet.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['ignored:Skipped', 'keep:Unchanged', 'paused:Skipped']);
  assert.equal(((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'paused' }))?.data as Record<string, string>).a, '1');
  assert.deepEqual(pruned.changeSet.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['ignored:Skipped', 'keep:Unchanged', 'paused:Skipped']);
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'ignored' }));
});

test('adopting an object created with kubectl apply --server-side takes over its fields: what Git lacks is removed', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-adopt-kubectl');
  const client = await testClientFor(t);
  const kubectl = await testClientFor(t, { fieldManager: 'kubectl' });
  await kubectl.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'legacy', namespace: ns }, data: { a: '1', old: 'x' } });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'legacy', { a: '1' })] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.action, 'Configured');
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'legacy' });
  assert.deepEqual(live?.data, { a: '1' });
  assert.equal(live?.metadata.labels?.['tideline.dev/name'], ns);
});

test('commonMetadata labels and annotates every object, overriding its own keys, and a re-apply is Unchanged', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-common-meta');
  const web = deployment(ns, 'web');
  web.metadata.labels = { team: 'old-team', tier: 'front' };
  const objects = [web, configMap(ns, 'settings', { a: '1' })];
  const commonMetadata = { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'shop@example.com' } };
  // Act
  const first = await reconcileObjects(client, { owner, revision: 'r1', objects, commonMetadata });
  const again = await reconcileObjects(client, { owner, revision: 'r1', objects, commonMetadata });
  // Assess
  assert.equal(first.failure, undefined, JSON.stringify(first.changeSet.errors));
  const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.equal(live?.metadata.labels?.team, 'shop');
  assert.equal(live?.metadata.labels?.tier, 'front');
  assert.equal(live?.metadata.annotations?.['example.com/owner'], 'shop@example.com');
  const spec = live?.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
  assert.deepEqual(spec.selector.matchLabels, { app: 'web' }, 'selectors are left alone');
  assert.deepEqual(spec.template.metadata.labels, { app: 'web' }, 'pod templates are left alone');
  const settings = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal(settings?.metadata.labels?.team, 'shop');
  assert.deepEqual(actionsOf(again), ['Unchanged', 'Unchanged']);
});

test('a CRD whose conversion webhook caBundle is a placeholder applies without it; a real CA bundle is kept', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-cabundle');
  const client = await testClientFor(t);
  const env = await getTestEnv();
  const suffix = ns.replace(/[^a-z0-9]/g, '');
  const withBundle = (plural: string, caBundle: string): KubeObject => {
    const definition = crd(`${suffix}.example.com`, plural[0]!.toUpperCase() + plural.slice(1, -1), plural);
    (definition.spec as Record<string, unknown>).conversion = {
      strategy: 'Webhook',
      webhook: { conversionReviewVersions: ['v1'], clientConfig: { caBundle, service: { name: 'conversion', namespace: ns, path: '/convert' } } },
    };
    return definition;
  };
  t.after(async () => {
    for (const plural of ['placeholders', 'bundles'])
      await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${plural}.${suffix}.example.com` });
  });
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    objects: [withBundle('placeholders', 'Cg=='), withBundle('bundles', env.kube.caData)],
  });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  const caBundleOf = async (plural: string) =>
    (
      (await client.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${plural}.${suffix}.example.com` }))?.spec as {
        conversion: { webhook: { clientConfig: { caBundle?: string } } };
      }
    ).conversion.webhook.clientConfig.caBundle;
  assert.equal(await caBundleOf('placeholders'), undefined);
  assert.equal(await caBundleOf('bundles'), env.kube.caData);
});

test("fields written by kubectl edit and by Flux's kustomize-controller are taken over and removed; a controller's stay", async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-takeover-managers');
  const client = await testClientFor(t);
  const flux = await testClientFor(t, { fieldManager: 'kustomize-controller' });
  const edit = await testClientFor(t, { fieldManager: 'kubectl-edit' });
  const controller = await testClientFor(t, { fieldManager: 'some-operator' });
  const owner = ownerFor(ns);
  // Flux applied the object first, with a key Git has since dropped.
  await flux.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: '1', 'from-flux': 'old' } });
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  const afterFlux = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  // Then someone edits by hand, and an operator adds a key of its own (a merge patch, as both do).
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' };
  for (const [writer, key] of [
    [edit, 'by-hand'],
    [controller, 'by-operator'],
  ] as const) {
    await writer.send('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
      query: { fieldManager: writer.fieldManager },
      body: JSON.stringify({ data: { [key]: 'x' } }),
      contentType: 'application/merge-patch+json',
      object: ref,
    });
  }
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(afterFlux?.data, { a: '1' }, "the key only Flux applied is gone after Tideline's first apply");
  const live = await client.get(ref);
  assert.deepEqual(live?.data, { a: '1', 'by-operator': 'x' });
  assert.deepEqual(live?.metadata.managedFields?.map((e) => e.manager).sort(), ['some-operator', 'tideline']);
});

test('spec.ignore: replicas scaled in the cluster are left alone — no apply for them, and kept when the image changes', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-ignore');
  const ignore = compileIgnoreRules([{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }]);
  const web = (image: string): KubeObject => ({ ...deployment(ns, 'web', image), spec: { ...(deployment(ns, 'web', image).spec as object), replicas: 2 } });
  await reconcileObjects(client, { owner, revision: 'r1', objects: [web('nginx:1.27')], ignore });
  // An autoscaler scales through the scale subresource.
  await client.send('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, {
    query: { fieldManager: 'autoscaler' },
    body: JSON.stringify({ spec: { replicas: 5 } }),
    contentType: 'application/merge-patch+json',
  });
  const replicas = async () =>
    ((await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))?.spec as { replicas: number }).replicas;
  client.requestsByVerb.clear();
  // Act
  const unchanged = await reconcileObjects(client, { owner, revision: 'r2', objects: [web('nginx:1.27')], ignore });
  const writes = [...client.requestsByVerb.keys()].filter((verb) => /^(PATCH|DRYRUN) Deployment/.test(verb));
  const afterUnchanged = await replicas();
  const imageChanged = await reconcileObjects(client, { owner, revision: 'r3', objects: [web('nginx:1.28')], ignore });
  const afterImage = await replicas();
  const withoutIgnore = await reconcileObjects(client, { owner, revision: 'r4', objects: [web('nginx:1.28')] });
  // Assess
  assert.deepEqual(actionsOf(unchanged), ['Unchanged']);
  assert.deepEqual(writes, [], 'no dry-run and no apply for an ignored difference');
  assert.equal(afterUnchanged, 5);
  assert.deepEqual(actionsOf(imageChanged), ['Configured']);
  assert.equal(afterImage, 5, 'the apply for the image kept the scaled replicas');
  assert.deepEqual(actionsOf(withoutIgnore), ['Configured']);
  assert.equal(await replicas(), 2, 'without the rule Git wins again');
});
