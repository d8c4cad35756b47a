// Validation of new objects against the real kube-apiserver: a dry-run create plus the schema's
// list-key check stand in for the dry-run apply, and must refuse everything an apply would refuse
// before anything of the bundle is written. Also: health waits read objects with a LIST per kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffObjects, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import {
  actionsOf,
  clientAndManager,
  configMap,
  crd,
  deployment,
  instantClock,
  ownerFor,
  reconcileAndWait,
  reconcileAs,
  reportDeploymentReady,
  service,
  testClientFor,
} from './helpers.ts';

const withEnv = (object: KubeObject, env: { name: string; value: string }[]): KubeObject => {
  const containers = (object.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;
  (containers[0] as Record<string, unknown>).env = env;
  return object;
};

test('objects the cluster does not have yet are validated by a dry-run create, not a dry-run apply', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-new');
  const client = await testClientFor(t);
  // Act
  const result = await reconcileAs(client, ns, 'r1', [configMap(ns, 'a', { k: 'v' }), configMap(ns, 'b', { k: 'v' }), service(ns, 'web')]);
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(actionsOf(result), ['Created', 'Created', 'Created']);
  assert.equal(client.requestsByVerb.get('DRYRUN create ConfigMap'), 2);
  assert.equal(client.requestsByVerb.get('DRYRUN create Service'), 1);
  assert.equal(client.requestsByVerb.get('DRYRUN ConfigMap'), undefined);
});

test('a new object with duplicate list keys, which a create accepts and an apply refuses, fails validation and nothing is applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-dupkey');
  const client = await testClientFor(t);
  const duplicated = withEnv(deployment(ns, 'dup'), [
    { name: 'MODE', value: 'a' },
    { name: 'MODE', value: 'b' },
  ]);
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    objects: [configMap(ns, 'fine', { k: 'v' }), duplicated, deployment(ns, 'ok')],
  });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.equal(result.changeSet.errors.length, 1, JSON.stringify(result.changeSet.errors));
  assert.match(result.changeSet.errors[0]?.message ?? '', new RegExp(`^Deployment\\.apps dup in ns ${ns}: .*env: duplicate entries for key \\[name="MODE"\\]`));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
  assert.equal(await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'ok' }), undefined);
});

test('duplicate list keys count a key the manifest omits at its schema default, and repeated set values are refused too', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-defaults');
  const client = await testClientFor(t);
  const ports = deployment(ns, 'ports');
  const container = (ports.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as Record<string, unknown>;
  container.ports = [{ containerPort: 8080 }, { containerPort: 8080, protocol: 'TCP' }, { containerPort: 8080, protocol: 'UDP' }];
  const finalized = configMap(ns, 'finalized', { k: 'v' });
  finalized.metadata.finalizers = ['example.com/keep', 'example.com/keep'];
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [ports, finalized, configMap(ns, 'fine', { k: 'v' })] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  const messages = result.changeSet.errors.map((e) => e.message).sort();
  assert.equal(messages.length, 2, JSON.stringify(messages));
  assert.match(messages[0] ?? '', /^ConfigMap finalized in ns .*\.metadata\.finalizers: duplicate entries for value "example\.com\/keep"/);
  assert.match(messages[1] ?? '', /^Deployment\.apps ports in ns .*ports: duplicate entries for key \[containerPort=8080,protocol="TCP"\]$/);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
});

test('a new object with a field its schema does not declare fails validation and nothing is applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-unknown');
  const client = await testClientFor(t);
  const unknown = configMap(ns, 'typo', { k: 'v' });
  unknown.dat = { k: 'v' };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'fine', { k: 'v' }), unknown] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.equal(result.changeSet.errors.length, 1);
  assert.match(result.changeSet.errors[0]?.message ?? '', new RegExp(`^ConfigMap typo in ns ${ns}: .*unknown field "dat"`));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' }), undefined);
});

test('without validation, an apply still refuses undeclared fields, of built-in kinds and of custom resources with a structural schema', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-off-unknown');
  const client = await testClientFor(t);
  const group = `${ns}.example.com`;
  const widgets = crd(group, 'Widget', 'widgets', [
    {
      name: 'v1',
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
    },
  ]);
  t.after(() => client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `widgets.${group}` }));
  const widget: KubeObject = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 3, colour: 'red' } };
  const typo = configMap(ns, 'typo', { k: 'v' });
  typo.dat = { k: 'v' };
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', validate: false, objects: [widgets, widget, typo] });
  // Assess
  assert.equal(result.failure, 'ApplyFailed');
  const messages = result.changeSet.errors.map((e) => e.message).sort();
  assert.equal(messages.length, 2, JSON.stringify(messages));
  assert.match(messages[0] ?? '', new RegExp(`^ConfigMap typo in ns ${ns}: .*\\.dat: field not declared in schema`));
  assert.match(messages[1] ?? '', new RegExp(`^Widget\\.${group.replaceAll('.', '\\.')} w in ns ${ns}: .*\\.spec\\.colour: field not declared in schema`));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'typo' }), undefined);
  assert.equal(await client.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w' }), undefined);
});

test('a Secret value that is not base64 is an error of that object at once, in diff and in an unvalidated apply, never retried', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-base64');
  const client = await testClientFor(t);
  const broken: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'broken', namespace: ns },
    type: 'Opaque',
    data: { password: 'not base64 hunter2!' },
  };
  // Act
  const diff = await diffObjects(client, { owner: ownerFor(ns), objects: [broken] });
  const applied = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', validate: false, objects: [broken] });
  // Assess
  for (const errors of [diff.errors, applied.changeSet.errors]) {
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]?.message ?? '', new RegExp(`^Secret broken in ns ${ns}: .*illegal base64 data`));
    assert.doesNotMatch(errors[0]?.message ?? '', /hunter2/);
  }
  assert.equal(applied.failure, 'ApplyFailed');
  assert.equal(client.requestsByVerb.get('DRYRUN Secret'), 1, 'the dry-run was not retried');
  assert.equal(client.requestsByVerb.get('PATCH Secret'), 1, 'the apply was not retried');
});

test('an undeclared field in a changed existing object is a validation error at once, not a retried server error', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-existing');
  const client = await testClientFor(t);
  await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'cfg', { k: 'v1' })] });
  const changed = configMap(ns, 'cfg', { k: 'v2' });
  changed.dat = { k: 'v' };
  const before = client.requestCount;
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [changed] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.match(result.changeSet.errors[0]?.message ?? '', new RegExp(`^ConfigMap cfg in ns ${ns}: .*dat`));
  assert.equal(client.requestsByVerb.get('DRYRUN ConfigMap'), 1, 'the dry-run apply was not retried');
  assert.ok(client.requestCount - before <= 4, `requests: ${client.requestCount - before}`);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' });
  assert.deepEqual(live?.data, { k: 'v1' });
});

test('an object that exists without ownership labels is validated with a dry-run apply and taken over', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-adopt');
  const { client, other } = await clientAndManager(t, 'someone-else');
  await other.apply(configMap(ns, 'shared', { k: 'theirs' }));
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'shared', { k: 'ours' })] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.changeSet.entries[0]?.action, 'Configured');
  assert.equal(client.requestsByVerb.get('DRYRUN create ConfigMap'), 1);
  assert.equal(client.requestsByVerb.get('DRYRUN ConfigMap'), 1);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'shared' });
  assert.deepEqual(live?.data, { k: 'ours' });
});

test('a health wait over several objects of a kind reads them with one LIST per poll, not a GET each', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-health-list');
  const client = await testClientFor(t);
  const names = ['a', 'b', 'c'];
  let polls = 0;
  const clock = instantClock(async () => {
    polls++;
    for (const name of names) await reportDeploymentReady(client, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name });
  });
  // Act
  const result = await reconcileAndWait(
    client,
    ns,
    clock,
    names.map((name) => deployment(ns, name)),
  );
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.health?.ready, true);
  assert.equal(polls, 1);
  // The plan's LIST, then one per poll: before and after the status was written.
  assert.equal(client.requestsByVerb.get('LIST Deployment'), 3);
  // The GETs are the test's own controller reading the objects, none are the wait's.
  assert.equal(client.requestsByVerb.get('GET Deployment'), names.length);
});

test('entries that are not objects, metadata maps that are not maps and create-only kinds fail validation, each named, nothing applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-shapes');
  const client = await testClientFor(t);
  const objects = [
    null,
    'a string',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labelled', namespace: ns, labels: ['team=a'] } },
    { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind', namespace: ns }, target: { kind: 'Node', name: 'n1' } },
    configMap(ns, 'good', { a: '1' }),
  ] as unknown as KubeObject[];
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  const messages = result.changeSet.errors.map((e) => e.message);
  assert.equal(messages.filter((m) => m.startsWith('an object of the bundle lacks apiVersion, kind or metadata.name')).length, 2);
  assert.ok(messages.includes(`ConfigMap labelled in ns ${ns}: metadata.labels must be a map of strings`), JSON.stringify(messages));
  assert.ok(messages.includes(`Binding bind in ns ${ns}: bindings cannot be applied: the API allows only create on it`), JSON.stringify(messages));
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'good' }), undefined);
});

test('a manifest exported with kubectl get -o yaml applies: server-written metadata is dropped, and a re-apply is Unchanged', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-export');
  const client = await testClientFor(t);
  const exported = configMap(ns, 'exported', { a: '1' });
  Object.assign(exported.metadata, {
    uid: '6a1e8c1e-0000-4000-8000-000000000000',
    resourceVersion: '12345',
    generation: 3,
    creationTimestamp: '2025-01-01T00:00:00Z',
    selfLink: '/api/v1/x',
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
  });
  // Act
  const first = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [exported] });
  const again = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r2', objects: [exported] });
  // Assess
  assert.equal(first.failure, undefined, JSON.stringify(first.changeSet.errors));
  assert.deepEqual(actionsOf(first), ['Created']);
  assert.deepEqual(actionsOf(again), ['Unchanged']);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'exported' });
  assert.notEqual(live?.metadata.uid, '6a1e8c1e-0000-4000-8000-000000000000');
});
