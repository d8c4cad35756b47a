// The no-request "Unchanged" check: conservative, never "unchanged" for an object an apply would modify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unchangedOnManagedFields, sameObject } from '#shared/kube/compare.ts';
import type { KubeObject } from '#shared/kube/index.ts';

const desired = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
});

const managed = {
  'f:metadata': { 'f:labels': { 'f:app': {} } },
  'f:spec': { 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } } },
};

function live(overrides: (o: KubeObject) => void = () => {}): KubeObject {
  const object: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, resourceVersion: '7', managedFields: [{ manager: 'tideline', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: structuredClone(managed) }] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [{ name: 'web', image: 'nginx', imagePullPolicy: 'Always', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
    },
    status: { replicas: 1 },
  };
  overrides(object);
  return object;
}

test('an object equal on our managed fields, with server defaults added, is unchanged', () => {
  assert.equal(unchangedOnManagedFields(desired(), live(), 'tideline'), true);
});

test('a value changed in the cluster is not unchanged', () => {
  const drifted = live((o) => (((o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0] as { image: string }).image = 'httpd'));
  assert.equal(unchangedOnManagedFields(desired(), drifted, 'tideline'), false);
});

test('a field dropped from the manifest but still managed is not unchanged', () => {
  const manifest = desired();
  delete manifest.metadata.labels;
  assert.equal(unchangedOnManagedFields(manifest, live(), 'tideline'), false);
});

test('a field added to the manifest is not unchanged', () => {
  const manifest = desired();
  (manifest.spec as { replicas?: number }).replicas = 1;
  assert.equal(unchangedOnManagedFields(manifest, live(), 'tideline'), false);
});

test('an object without a tideline Apply entry is not unchanged', () => {
  assert.equal(unchangedOnManagedFields(desired(), live((o) => (o.metadata.managedFields = [])), 'tideline'), false);
});

test('a value the server normalises is not provably unchanged (a dry-run decides)', () => {
  const manifest: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };
  const stored = live((o) => {
    o.apiVersion = 'v1';
    o.kind = 'ConfigMap';
    o.metadata.managedFields = [{ manager: 'tideline', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
    o.metadata.labels = {};
    delete o.spec;
    o.data = { a: '01' };
  });
  assert.equal(unchangedOnManagedFields(manifest, stored, 'tideline'), false);
});

test('a Secret applied with stringData is unchanged when data holds the encoded values', () => {
  const manifest: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { password: 'pw' } };
  const stored: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n', managedFields: [{ manager: 'tideline', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:stringData': { 'f:password': {} } } }] }, data: { password: Buffer.from('pw').toString('base64') }, type: 'Opaque' };
  assert.equal(unchangedOnManagedFields(manifest, stored, 'tideline'), true);
  stored.data = { password: Buffer.from('other').toString('base64') };
  assert.equal(unchangedOnManagedFields(manifest, stored, 'tideline'), false);
});

test('a dry-run result equal to the live object but for managedFields times is the same object', () => {
  const a = live();
  const b = live((o) => ((o.metadata.managedFields as { time?: string }[])[0]!.time = '2030-01-01T00:00:00Z'));
  assert.equal(sameObject(a, b), true);
  assert.equal(sameObject(a, live((o) => (o.metadata.resourceVersion = '8'))), false);
});
