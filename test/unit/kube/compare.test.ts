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
  'f:spec': {
    'f:selector': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    },
  },
};

function live(overrides: (o: KubeObject) => void = () => {}): KubeObject {
  const object: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      resourceVersion: '7',
      managedFields: [{ manager: 'tideline', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: structuredClone(managed) }],
    },
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
  // Act
  const unchanged = unchangedOnManagedFields(desired(), live(), 'tideline');
  // Assess
  assert.equal(unchanged, true);
});

test('a value changed in the cluster is not unchanged', () => {
  // Prepare
  const drifted = live(
    (o) => (((o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0] as { image: string }).image = 'httpd'),
  );
  // Act
  const unchanged = unchangedOnManagedFields(desired(), drifted, 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

test('a field dropped from the manifest but still managed is not unchanged', () => {
  // Prepare
  const manifest = desired();
  delete manifest.metadata.labels;
  // Act
  const unchanged = unchangedOnManagedFields(manifest, live(), 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

test('a field added to the manifest is not unchanged', () => {
  // Prepare
  const manifest = desired();
  (manifest.spec as { replicas?: number }).replicas = 1;
  // Act
  const unchanged = unchangedOnManagedFields(manifest, live(), 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

test('an object without a tideline Apply entry is not unchanged', () => {
  // Prepare
  const unmanaged = live((o) => (o.metadata.managedFields = []));
  // Act
  const unchanged = unchangedOnManagedFields(desired(), unmanaged, 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

test('a value the server normalises is not provably unchanged (a dry-run decides)', () => {
  // Prepare
  const manifest: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };
  const stored = live((o) => {
    o.apiVersion = 'v1';
    o.kind = 'ConfigMap';
    o.metadata.managedFields = [{ manager: 'tideline', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
    o.metadata.labels = {};
    delete o.spec;
    o.data = { a: '01' };
  });
  // Act
  const unchanged = unchangedOnManagedFields(manifest, stored, 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

function appliedSecret(password: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'n',
      managedFields: [{ manager: 'tideline', operation: 'Apply', apiVersion: 'v1', fieldsV1: { 'f:stringData': { 'f:password': {} } } }],
    },
    data: { password: Buffer.from(password).toString('base64') },
    type: 'Opaque',
  };
}

const stringDataSecret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { password: 'pw' } };

test('a Secret applied with stringData is unchanged when data holds the encoded values', () => {
  // Act
  const unchanged = unchangedOnManagedFields(stringDataSecret, appliedSecret('pw'), 'tideline');
  // Assess
  assert.equal(unchanged, true);
});

test('a Secret applied with stringData is not unchanged when data holds another value', () => {
  // Act
  const unchanged = unchangedOnManagedFields(stringDataSecret, appliedSecret('other'), 'tideline');
  // Assess
  assert.equal(unchanged, false);
});

test('a dry-run result equal to the live object but for managedFields times is the same object', () => {
  // Prepare
  const retimed = live((o) => ((o.metadata.managedFields as { time?: string }[])[0]!.time = '2030-01-01T00:00:00Z'));
  // Act
  const same = sameObject(live(), retimed);
  // Assess
  assert.equal(same, true);
});

test('a dry-run result with another resourceVersion is not the same object', () => {
  // Act
  const same = sameObject(
    live(),
    live((o) => (o.metadata.resourceVersion = '8')),
  );
  // Assess
  assert.equal(same, false);
});
