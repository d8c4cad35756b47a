// Validation of new objects against the real kube-apiserver: a dry-run create plus the schema's
// list-key check stand in for the dry-run apply, and must refuse everything an apply would refuse
// before anything of the bundle is written. Also: health waits read objects with a LIST per kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterClient, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { configMap, deployment, instantClock, ownerFor, service, testClient } from './helpers.ts';

const withEnv = (object: KubeObject, env: { name: string; value: string }[]): KubeObject => {
  const containers = (object.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;
  (containers[0] as Record<string, unknown>).env = env;
  return object;
};

test('objects the cluster does not have yet are validated by a dry-run create, not a dry-run apply', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-new');
  const client = await testClient();
  t.after(() => client.close());
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'a', { k: 'v' }), configMap(ns, 'b', { k: 'v' }), service(ns, 'web')] });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.deepEqual(result.changeSet.entries.map((e) => e.action), ['Created', 'Created', 'Created']);
  assert.equal(client.requestsByVerb.get('DRYRUN create ConfigMap'), 2);
  assert.equal(client.requestsByVerb.get('DRYRUN create Service'), 1);
  assert.equal(client.requestsByVerb.get('DRYRUN ConfigMap'), undefined);
});

test('a new object with duplicate list keys, which a create accepts and an apply refuses, fails validation and nothing is applied', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-dupkey');
  const client = await testClient();
  t.after(() => client.close());
  const duplicated = withEnv(deployment(ns, 'dup'), [
    { name: 'MODE', value: 'a' },
    { name: 'MODE', value: 'b' },
  ]);
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', objects: [configMap(ns, 'fine', { k: 'v' }), duplicated, deployment(ns, 'ok')] });
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
  const client = await testClient();
  t.after(() => client.close());
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
  const client = await testClient();
  t.after(() => client.close());
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

test('an undeclared field in a changed existing object is a validation error at once, not a retried server error', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-validate-existing');
  const client = await testClient();
  t.after(() => client.close());
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
  const client = await testClient();
  const other = new ClusterClient(client.endpoint, { fieldManager: 'someone-else' });
  t.after(() => (client.close(), other.close()));
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
  const client = await testClient();
  t.after(() => client.close());
  const names = ['a', 'b', 'c'];
  let polls = 0;
  const clock = instantClock(async () => {
    polls++;
    for (const name of names) {
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name };
      const live = await client.get(ref);
      await client.patchStatus(ref, { observedGeneration: live?.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    }
  });
  // Act
  const result = await reconcileObjects(client, { owner: ownerFor(ns), revision: 'r1', wait: true, timeoutMs: 60_000, clock, objects: names.map((name) => deployment(ns, name)) });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  assert.equal(result.health?.ready, true);
  assert.equal(polls, 1);
  // The plan's LIST, then one per poll: before and after the status was written.
  assert.equal(client.requestsByVerb.get('LIST Deployment'), 3);
  // The GETs are the test's own controller reading the objects, none are the wait's.
  assert.equal(client.requestsByVerb.get('GET Deployment'), names.length);
});
