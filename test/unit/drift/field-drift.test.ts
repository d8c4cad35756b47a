// The field-level diff of a drifted object: Git's value, the cluster's, the manager holding the
// field (from managedFields), list elements by key, Secret values masked, and nothing Git does
// not set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldDrifts } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';

/** A Deployment spec with `replicas` and these containers, in this order. */
function deploymentSpec(replicas: number, containers: { name: string; image: string }[]): unknown {
  return { replicas, template: { spec: { containers } } };
}

const desired: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: deploymentSpec(2, [
    { name: 'web', image: 'web:1' },
    { name: 'proxy', image: 'envoy:1' },
  ]),
};

function live(spec: unknown, managedFields: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', added: 'by-someone' }, managedFields: managedFields as never },
    spec,
    ...extra,
  };
}

test('a changed value names the path, both values and the manager that owns the field now', () => {
  // Prepare
  const cluster = live(
    deploymentSpec(5, [
      { name: 'proxy', image: 'envoy:1' },
      { name: 'web', image: 'web:1' },
    ]),
    [
      { manager: 'tideline', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': {} } } },
      { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    ],
  );
  // Act
  const result = fieldDrifts(desired, cluster, { fieldManager: 'tideline' });
  // Assess
  assert.deepEqual(result, { fields: [{ path: 'spec.replicas', expected: '2', actual: '5', manager: 'kubectl (scale)' }], omitted: 0 });
});

test('list elements are matched by their key, not their position', () => {
  // Prepare
  const cluster = live(
    deploymentSpec(2, [
      { name: 'proxy', image: 'envoy:1' },
      { name: 'web', image: 'web:evil' },
    ]),
    [
      {
        manager: 'helm',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } },
      },
    ],
  );
  // Act
  const result = fieldDrifts(desired, cluster, { fieldManager: 'tideline' });
  // Assess
  assert.deepEqual(result.fields, [{ path: 'spec.template.spec.containers[name=web].image', expected: 'web:1', actual: 'web:evil', manager: 'helm' }]);
});

test('fields Git does not set (a label, status) are never reported', () => {
  // Prepare
  const cluster = live(desired.spec, [{ manager: 'tideline', operation: 'Apply', fieldsV1: {} }], { status: { replicas: 9 } });
  // Act
  const result = fieldDrifts(desired, cluster, { fieldManager: 'tideline' });
  // Assess
  assert.deepEqual(result, { fields: [], omitted: 0 });
});

test('a field taken over with the same value is reported as held by the other manager', () => {
  // Prepare
  const cluster = live(desired.spec, [
    { manager: 'tideline', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': {} } } },
    { manager: 'other-tool', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
  // Act
  const result = fieldDrifts(desired, cluster, { fieldManager: 'tideline' });
  // Assess
  assert.deepEqual(
    result.fields.find((f) => f.path === 'spec.replicas'),
    { path: 'spec.replicas', expected: '2', actual: '2', manager: 'other-tool' },
  );
});

test('Secret values are masked on both sides, stringData compared as stored', () => {
  // Prepare
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop' },
    stringData: { password: 'from-git', user: 'app' },
  };
  const cluster: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop' },
    data: { password: Buffer.from('by-hand').toString('base64'), user: Buffer.from('app').toString('base64') },
  };
  // Act
  const result = fieldDrifts(secret, cluster, { fieldManager: 'tideline' });
  // Assess
  assert.deepEqual(result.fields, [{ path: 'data.password', expected: '***', actual: '*** (changed)' }]);
  assert.ok(!JSON.stringify(result).includes('from-git') && !JSON.stringify(result).includes(Buffer.from('by-hand').toString('base64')));
});

test('a removed field has no cluster value, and the list is bounded with a count of the rest', () => {
  // Prepare
  const many: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n' },
    data: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v'])),
  };
  const cluster: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: {} };
  // Act
  const result = fieldDrifts(many, cluster, { fieldManager: 'tideline', maxFields: 10 });
  // Assess
  assert.equal(result.fields.length, 10);
  assert.equal(result.omitted, 5);
  assert.deepEqual(result.fields[0], { path: 'data.k0', expected: 'v' });
});
