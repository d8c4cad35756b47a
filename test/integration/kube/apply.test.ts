// Server-side apply against the real kube-apiserver: create, update, unchanged without writes,
// CRD + custom resource in one bundle, validation before anything is applied, immutable fields,
// field-manager conflicts and namespace defaulting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileObjects } from '#shared/kube/index.ts';
import type { ChangeSet } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { actionsOf, clientAndManager, configMap, crd, deployment, ownerFor, reconcileAs, secret, service, testClientFor } from './helpers.ts';

const actions = (changeSet: ChangeSet): string[] => changeSet.entries.map((e) => `${e.object.kind}/${e.object.name}:${e.action}`).sort();

test('a first apply creates every object with ownership labels and records the inventory', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-create');
  const client = await testClientFor(t);
  // Act
  const result = await reconcileAs(client, ns, 'main@sha1:1', [configMap(ns, 'settings', { a: '1' }), deployment(ns, 'web'), service(ns, 'web')]);
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(actions(result.changeSet), ['ConfigMap/settings:Created', 'Deployment/web:Created', 'Service/web:Created']);
  const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.equal(live?.metadata.labels?.['tideline.dev/name'], ns);
  assert.equal(live?.metadata.labels?.['tideline.dev/namespace'], 'flux-system');
  assert.deepEqual(result.inventory?.entries.map((e) => e.id).sort(), [`${ns}_settings__ConfigMap`, `${ns}_web__Service`, `${ns}_web_apps_Deployment`]);
});

test('a changed object is Configured and the others stay Unchanged', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-update');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' }), deployment(ns, 'web')] });
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r2',
    objects: [configMap(ns, 'settings', { a: '1' }), deployment(ns, 'web', 'nginx:1.28')],
  });
  // Assess
  assert.deepEqual(actions(result.changeSet), ['ConfigMap/settings:Unchanged', 'Deployment/web:Configured']);
  const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.equal((live?.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image, 'nginx:1.28');
});

test('removing a field from the manifest removes it from the cluster', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-drop');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'settings', { a: '1', b: '2' })] });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.deepEqual(actions(result.changeSet), ['ConfigMap/settings:Configured']);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.deepEqual(live?.data, { a: '1' });
});

test('re-applying an unchanged bundle writes nothing: one LIST per kind and the inventory read', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-noop');
  const client = await testClientFor(t);
  const objects = [configMap(ns, 'a', { x: '1' }), configMap(ns, 'b', { y: '2' }), deployment(ns, 'web'), service(ns, 'web')];
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects });
  const before = client.requestCount;
  client.requestsByVerb.clear();
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects });
  // Assess
  const requests = client.requestCount - before;
  assert.deepEqual(actionsOf(result), ['Unchanged', 'Unchanged', 'Unchanged', 'Unchanged']);
  assert.deepEqual(
    [...client.requestsByVerb.keys()].filter((k) => !k.startsWith('LIST') && !k.startsWith('GET')),
    [],
  );
  assert.ok(requests <= 3 + 5, `no-op took ${requests} requests: ${JSON.stringify([...client.requestsByVerb])}`);
});

test('a CRD and a custom resource of it apply together in one bundle', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-crd');
  const client = await testClientFor(t);
  const group = `${ns}.example.com`;
  const definition = crd(group, 'Widget', 'widgets');
  t.after(async () => {
    await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: definition.metadata.name });
  });
  const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [widget, definition] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(actions(result.changeSet), ['CustomResourceDefinition/widgets.' + group + ':Created', 'Widget/w1:Created']);
  const live = await client.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w1' });
  assert.deepEqual(live?.spec, { size: 3 });
});

test('an invalid object fails validation and nothing of the bundle is applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-invalid');
  const client = await testClientFor(t);
  const broken = deployment(ns, 'broken');
  (broken.spec as { replicas: unknown }).replicas = -1;
  const alsoBroken = configMap(ns, 'Bad_Name', { a: '1' });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'fine', { a: '1' }), broken, alsoBroken] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.equal(result.changeSet.errors.length, 2);
  assert.ok(
    result.changeSet.errors.some((e) => e.message.startsWith(`Deployment.apps broken in ns ${ns}:`)),
    JSON.stringify(result.changeSet.errors),
  );
  assert.ok(
    result.changeSet.errors.some((e) => e.message.startsWith(`ConfigMap Bad_Name in ns ${ns}:`)),
    JSON.stringify(result.changeSet.errors),
  );
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
});

test('an immutable field change is refused with a clear error without force', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-immutable');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [deployment(ns, 'web', 'nginx:1.27', 'web')] });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [deployment(ns, 'web', 'nginx:1.27', 'web-v2')] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.match(result.changeSet.errors[0]?.message ?? '', /^Deployment\.apps web in ns .*immutable.*force: true/);
  const live = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.deepEqual((live?.spec as { selector: unknown }).selector, { matchLabels: { app: 'web' } });
});

test('an immutable field change recreates the object with force', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-recreate');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [deployment(ns, 'web', 'nginx:1.27', 'web')] });
  const before = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', force: true, objects: [deployment(ns, 'web', 'nginx:1.27', 'web-v2')] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.message, 'recreated: an immutable field changed');
  const after = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  assert.notEqual(after?.metadata.uid, before?.metadata.uid);
  assert.deepEqual((after?.spec as { selector: unknown }).selector, { matchLabels: { app: 'web-v2' } });
});

test('with force, an object whose replacement would be invalid is not deleted: the error says what is wrong with it', async (t) => {
  // Prepare: a Secret whose type (immutable) changes to kubernetes.io/tls without the keys that type requires.
  const ns = await useNamespace(t, 'kube-recreate-invalid');
  const client = await testClientFor(t);
  const opaque = secret(ns, 'creds', { password: 'hunter2-secret' });
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [opaque] });
  const before = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' });
  const tls = { ...secret(ns, 'creds', { password: 'hunter2-secret' }), type: 'kubernetes.io/tls' };
  // Act
  const validated = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', force: true, objects: [tls] });
  const unvalidated = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r3', force: true, validate: false, objects: [tls] });
  // Assess
  for (const result of [validated, unvalidated]) {
    assert.ok(result.failure, 'the run fails');
    assert.equal(result.changeSet.errors.length, 1, JSON.stringify(result.changeSet.errors));
    assert.match(result.changeSet.errors[0]?.message ?? '', new RegExp(`^Secret creds in ns ${ns}: .*data\\[tls\\.crt\\]: Required value`));
    assert.doesNotMatch(result.changeSet.errors[0]?.message ?? '', /hunter2/);
  }
  const after = await client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' });
  assert.equal(after?.metadata.uid, before?.metadata.uid, 'the Secret was neither deleted nor recreated');
  assert.equal(after?.type, 'Opaque');
});

test('a field owned by another manager is taken over when conflicts are forced (the default)', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-force');
  const { client, other } = await clientAndManager(t, 'kubectl-edit');
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  await other.apply(configMap(ns, 'settings', { a: 'hand-edited' }), { force: true });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'settings', { a: '1' })] });
  // Assess
  assert.deepEqual(actions(result.changeSet), ['ConfigMap/settings:Configured']);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal((live?.data as Record<string, string>).a, '1');
});

test('a field owned by another manager is a conflict error when conflicts are not forced', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-conflict');
  const { client, other } = await clientAndManager(t, 'kubectl-edit');
  await other.apply(configMap(ns, 'settings', { a: 'theirs' }), { force: true });
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    forceConflicts: false,
    objects: [configMap(ns, 'settings', { a: 'ours' }), configMap(ns, 'other', { b: '1' })],
  });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.match(result.changeSet.errors[0]?.message ?? '', /^ConfigMap settings in ns .*conflicts with another field manager.*kubectl-edit/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'other' }), undefined);
});

test('namespaced objects without a namespace go to targetNamespace; cluster-scoped ones keep none', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-target');
  const client = await testClientFor(t);
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${ns}-reader` }, rules: [] };
  t.after(async () => {
    await client.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `${ns}-reader` });
  });
  const unplaced = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unplaced' }, data: { a: '1' } };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', targetNamespace: ns, objects: [unplaced, role] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'unplaced' }));
  assert.equal(result.changeSet.entries.find((e) => e.object.kind === 'ClusterRole')?.object.namespace, undefined);
});

test('without validation each object costs one request and the change set is the same', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-unvalidated');
  const client = await testClientFor(t);
  const objects = [configMap(ns, 'a', { x: '1' }), configMap(ns, 'b', { y: '2' }), deployment(ns, 'web')];
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r0', objects: [] });
  client.requestsByVerb.clear();
  // Act
  const first = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', validate: false, objects });
  const writes = [...client.requestsByVerb].filter(([k]) => k.startsWith('DRYRUN') || (k.startsWith('PATCH') && k !== 'PATCH inventory'));
  const second = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r2',
    validate: false,
    objects: [configMap(ns, 'a', { x: '2' }), configMap(ns, 'b', { y: '2' }), deployment(ns, 'web')],
  });
  // Assess
  assert.deepEqual(actions(first.changeSet), ['ConfigMap/a:Created', 'ConfigMap/b:Created', 'Deployment/web:Created']);
  assert.deepEqual(writes, [
    ['PATCH ConfigMap', 2],
    ['PATCH Deployment', 1],
  ]);
  assert.deepEqual(actions(second.changeSet), ['ConfigMap/a:Configured', 'ConfigMap/b:Unchanged', 'Deployment/web:Unchanged']);
});

test('an object annotated kustomize.toolkit.fluxcd.io/force: enabled is recreated without Kustomization force', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-force-annotation');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [deployment(ns, 'web', 'nginx:1.27', 'web')] });
  const changed = deployment(ns, 'web', 'nginx:1.27', 'web-v2');
  changed.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/force': 'enabled' };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [changed] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.message, 'recreated: an immutable field changed');
});

test('ssa: IfNotPresent creates a missing object and leaves an existing one alone; ssa: Ignore is never applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-ssa-policy');
  const { client, other } = await clientAndManager(t, 'operator');
  await other.apply(configMap(ns, 'existing', { a: 'operator-owned' }));
  const annotated = (name: string, policy: string) => {
    const object = configMap(ns, name, { a: 'from-git' });
    object.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': policy };
    return object;
  };
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    objects: [annotated('existing', 'IfNotPresent'), annotated('fresh', 'IfNotPresent'), annotated('ignored', 'Ignore')],
  });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(actions(result.changeSet), ['ConfigMap/existing:Skipped', 'ConfigMap/fresh:Created', 'ConfigMap/ignored:Skipped']);
  const existing = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'existing' });
  assert.equal((existing?.data as Record<string, string>).a, 'operator-owned');
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'ignored' }), undefined);
});

test('objects of a kind the cluster does not serve are each reported, with one discovery refresh', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-unknown-kind');
  const client = await testClientFor(t);
  const gadget = (name: string) => ({ apiVersion: 'nowhere.example.com/v1', kind: 'Gadget', metadata: { name, namespace: ns } });
  await client.refreshDiscovery();
  client.requestsByVerb.clear();
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    objects: [gadget('a'), gadget('b'), gadget('c'), configMap(ns, 'fine', { a: '1' })],
  });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.deepEqual(
    result.changeSet.errors.map((e) => e.object?.name),
    ['a', 'b', 'c'],
  );
  assert.match(result.changeSet.errors[1]?.message ?? '', /^Gadget\.nowhere\.example\.com b in ns .*does not serve Gadget/);
  assert.equal(client.requestsByVerb.get('GET discovery'), 2);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
});
