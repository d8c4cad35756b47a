// kstatus-style readiness rules, one kind at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHealth } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';

const obj = (apiVersion: string, kind: string, spec: unknown, status: unknown, generation = 1): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'n', generation },
  ...(spec ? { spec } : {}),
  ...(status ? { status } : {}),
});

test('a Deployment is Current when the latest generation is observed and all replicas are updated and available', () => {
  const cases: Array<[KubeObject, string]> = [
    [
      obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
      'Current',
    ],
    [
      obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }),
      'InProgress',
    ],
    [
      obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, 2),
      'InProgress',
    ],
    [obj('apps/v1', 'Deployment', { replicas: 2 }, undefined), 'InProgress'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});

test('a Deployment past its progress deadline is Failed', () => {
  // Prepare
  const stuck = obj(
    'apps/v1',
    'Deployment',
    { replicas: 1 },
    { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' }] },
  );
  // Act
  const health = computeHealth(stuck);
  // Assess
  assert.deepEqual(health, { status: 'Failed', message: 'too slow' });
});

test('StatefulSets, DaemonSets and ReplicaSets follow their replica counts', () => {
  const cases: Array<[KubeObject, string]> = [
    [
      obj(
        'apps/v1',
        'StatefulSet',
        { replicas: 3 },
        { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'a' },
      ),
      'Current',
    ],
    [
      obj(
        'apps/v1',
        'StatefulSet',
        { replicas: 3 },
        { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'b' },
      ),
      'InProgress',
    ],
    [
      obj('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 }),
      'Current',
    ],
    [
      obj('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberReady: 2 }),
      'InProgress',
    ],
    [obj('apps/v1', 'ReplicaSet', { replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, availableReplicas: 1 }), 'Current'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});

test('Jobs are Current when complete and Failed when failed', () => {
  const cases: Array<[KubeObject, string]> = [
    [obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Complete', status: 'True' }] }), 'Current'],
    [obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True', message: 'backoff' }] }), 'Failed'],
    [obj('batch/v1', 'Job', {}, { active: 1 }), 'InProgress'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});

test('PVCs need Bound, LoadBalancer Services an ingress address, CRDs Established', () => {
  const cases: Array<[KubeObject, string]> = [
    [obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' }), 'Current'],
    [obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' }), 'InProgress'],
    [obj('v1', 'Service', { type: 'ClusterIP' }, {}), 'Current'],
    [obj('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: {} }), 'InProgress'],
    [obj('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }), 'Current'],
    [obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [{ type: 'Established', status: 'True' }] }), 'Current'],
    [obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [] }), 'InProgress'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});

test('any other object is judged by its Ready condition and observedGeneration', () => {
  const cases: Array<[KubeObject, string]> = [
    [obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }), 'Current'],
    [obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing' }] }), 'InProgress'],
    [obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'InstallFailed' }] }), 'Failed'],
    [obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2), 'InProgress'],
    [obj('v1', 'ConfigMap', undefined, undefined), 'Current'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});

test('generic kstatus checks come first: deletion, an unobserved generation, Reconciling and Stalled', () => {
  const deleting = obj('v1', 'ConfigMap', undefined, undefined);
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const cases: Array<[string, KubeObject, { status: string; message?: string }]> = [
    ['being deleted', deleting, { status: 'InProgress' }],
    // observedGeneration ahead of generation is as unobserved as behind it.
    [
      'observedGeneration ahead',
      obj('example.com/v1', 'Widget', {}, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] }, 2),
      { status: 'InProgress' },
    ],
    [
      'Reconciling',
      obj(
        'example.com/v1',
        'Widget',
        {},
        {
          observedGeneration: 1,
          conditions: [
            { type: 'Reconciling', status: 'True', message: 'upgrading' },
            { type: 'Ready', status: 'True' },
          ],
        },
      ),
      { status: 'InProgress' },
    ],
    [
      'Stalled',
      obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Stalled', status: 'True', message: 'chart not found' }] }),
      { status: 'Failed', message: 'chart not found' },
    ],
  ];
  for (const [name, object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    if (expected.message === undefined) assert.equal(health.status, expected.status, name);
    else assert.deepEqual(health, expected, name);
  }
});

test('a Deployment whose controller reports conditions is Current only once the new ReplicaSet is available', () => {
  const counts = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
  const progressing = (reason: string, available: string): KubeObject =>
    obj(
      'apps/v1',
      'Deployment',
      { replicas: 1 },
      {
        ...counts,
        conditions: [
          { type: 'Progressing', status: 'True', reason },
          { type: 'Available', status: available },
        ],
      },
    );
  const cases: Array<[KubeObject, string, string?]> = [
    [progressing('ReplicaSetUpdated', 'True'), 'InProgress'],
    [progressing('NewReplicaSetAvailable', 'False'), 'InProgress'],
    [progressing('NewReplicaSetAvailable', 'True'), 'Current'],
    [obj('apps/v1', 'Deployment', { replicas: 1 }, { ...counts, replicas: 2 }), 'InProgress', 'an old replica is still terminating'],
  ];
  for (const [object, expected, why] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, why ?? JSON.stringify(object.status));
  }
});

test('StatefulSets with OnDelete or a partition are judged as kstatus does', () => {
  const partitioned = { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
  const cases: Array<[KubeObject, string, string?]> = [
    [obj('apps/v1', 'StatefulSet', { replicas: 3, updateStrategy: { type: 'OnDelete' } }, {}), 'Current'],
    [obj('apps/v1', 'StatefulSet', partitioned, { replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' }), 'Current'],
    [
      obj('apps/v1', 'StatefulSet', partitioned, { replicas: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: 'a', updateRevision: 'b' }),
      'InProgress',
    ],
    [
      obj('apps/v1', 'StatefulSet', { replicas: 3 }, { replicas: 4, readyReplicas: 4, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'a' }),
      'InProgress',
    ],
  ];
  for (const [object, expected, why] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, why ?? JSON.stringify(object.status));
  }
});

test('suspended Jobs, crash-looping Pods, failed ReplicaSets and CRDs, and always-ready kinds', () => {
  const cases: Array<[KubeObject, string]> = [
    [obj('batch/v1', 'Job', { suspend: true }, {}), 'Current'],
    [obj('v1', 'Pod', {}, { phase: 'Running', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), 'Failed'],
    [
      obj(
        'apps/v1',
        'ReplicaSet',
        { replicas: 1 },
        { observedGeneration: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'ReplicaFailure', status: 'True' }] },
      ),
      'InProgress',
    ],
    [
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [{ type: 'Established', status: 'False', reason: 'Installing' }] }),
      'InProgress',
    ],
    [
      obj(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        {},
        { conditions: [{ type: 'Established', status: 'False', reason: 'NotAccepted', message: 'bad' }] },
      ),
      'Failed',
    ],
    [obj('batch/v1', 'CronJob', {}, { conditions: [{ type: 'Ready', status: 'False' }] }), 'Current'],
  ];
  for (const [object, expected] of cases) {
    // Act
    const health = computeHealth(object);
    // Assess
    assert.equal(health.status, expected, `${object.kind} ${JSON.stringify(object.spec)} ${JSON.stringify(object.status)}`);
  }
});
