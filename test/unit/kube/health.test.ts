// kstatus-style readiness rules, one kind at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHealth } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';

const obj = (apiVersion: string, kind: string, spec: unknown, status: unknown, generation = 1): KubeObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'n', generation }, ...(spec ? { spec } : {}), ...(status ? { status } : {}) });

test('a Deployment is Current when the latest generation is observed and all replicas are updated and available', () => {
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).status, 'Current');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, 2)).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 2 }, undefined)).status, 'InProgress');
});

test('a Deployment past its progress deadline is Failed', () => {
  const health = computeHealth(obj('apps/v1', 'Deployment', { replicas: 1 }, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' }] }));
  assert.deepEqual(health, { status: 'Failed', message: 'too slow' });
});

test('StatefulSets, DaemonSets and ReplicaSets follow their replica counts', () => {
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', { replicas: 3 }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'a' })).status, 'Current');
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', { replicas: 3 }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'b' })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 })).status, 'Current');
  assert.equal(computeHealth(obj('apps/v1', 'DaemonSet', {}, { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberReady: 2 })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'ReplicaSet', { replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, availableReplicas: 1 })).status, 'Current');
});

test('Jobs are Current when complete and Failed when failed', () => {
  assert.equal(computeHealth(obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Complete', status: 'True' }] })).status, 'Current');
  assert.equal(computeHealth(obj('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True', message: 'backoff' }] })).status, 'Failed');
  assert.equal(computeHealth(obj('batch/v1', 'Job', {}, { active: 1 })).status, 'InProgress');
});

test('PVCs need Bound, LoadBalancer Services an ingress address, CRDs Established', () => {
  assert.equal(computeHealth(obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Bound' })).status, 'Current');
  assert.equal(computeHealth(obj('v1', 'PersistentVolumeClaim', {}, { phase: 'Pending' })).status, 'InProgress');
  assert.equal(computeHealth(obj('v1', 'Service', { type: 'ClusterIP' }, {})).status, 'Current');
  assert.equal(computeHealth(obj('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: {} })).status, 'InProgress');
  assert.equal(computeHealth(obj('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } })).status, 'Current');
  assert.equal(computeHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [{ type: 'Established', status: 'True' }] })).status, 'Current');
  assert.equal(computeHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [] })).status, 'InProgress');
});

test('any other object is judged by its Ready condition and observedGeneration', () => {
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] })).status, 'Current');
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing' }] })).status, 'InProgress');
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'InstallFailed' }] })).status, 'Failed');
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2)).status, 'InProgress');
  assert.equal(computeHealth(obj('v1', 'ConfigMap', undefined, undefined)).status, 'Current');
});

test('generic kstatus checks come first: deletion, an unobserved generation, Reconciling and Stalled', () => {
  const deleting = obj('v1', 'ConfigMap', undefined, undefined);
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.equal(computeHealth(deleting).status, 'InProgress');
  // observedGeneration ahead of generation is as unobserved as behind it.
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 3, conditions: [{ type: 'Ready', status: 'True' }] }, 2)).status, 'InProgress');
  assert.equal(computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Reconciling', status: 'True', message: 'upgrading' }, { type: 'Ready', status: 'True' }] })).status, 'InProgress');
  const stalled = computeHealth(obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [{ type: 'Stalled', status: 'True', message: 'chart not found' }] }));
  assert.deepEqual(stalled, { status: 'Failed', message: 'chart not found' });
});

test('a Deployment whose controller reports conditions is Current only once the new ReplicaSet is available', () => {
  const counts = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 1 }, { ...counts, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }, { type: 'Available', status: 'True' }] })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 1 }, { ...counts, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }, { type: 'Available', status: 'False' }] })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 1 }, { ...counts, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }, { type: 'Available', status: 'True' }] })).status, 'Current');
  assert.equal(computeHealth(obj('apps/v1', 'Deployment', { replicas: 1 }, { ...counts, replicas: 2 })).status, 'InProgress', 'an old replica is still terminating');
});

test('StatefulSets with OnDelete or a partition are judged as kstatus does', () => {
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', { replicas: 3, updateStrategy: { type: 'OnDelete' } }, {})).status, 'Current');
  const partitioned = { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', partitioned, { replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' })).status, 'Current');
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', partitioned, { replicas: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: 'a', updateRevision: 'b' })).status, 'InProgress');
  assert.equal(computeHealth(obj('apps/v1', 'StatefulSet', { replicas: 3 }, { replicas: 4, readyReplicas: 4, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'a' })).status, 'InProgress');
});

test('suspended Jobs, crash-looping Pods, failed ReplicaSets and CRDs, and always-ready kinds', () => {
  assert.equal(computeHealth(obj('batch/v1', 'Job', { suspend: true }, {})).status, 'Current');
  assert.equal(computeHealth(obj('v1', 'Pod', {}, { phase: 'Running', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'CrashLoopBackOff' } } }] })).status, 'Failed');
  assert.equal(computeHealth(obj('apps/v1', 'ReplicaSet', { replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: 'ReplicaFailure', status: 'True' }] })).status, 'InProgress');
  assert.equal(computeHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [{ type: 'Established', status: 'False', reason: 'Installing' }] })).status, 'InProgress');
  assert.equal(computeHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, { conditions: [{ type: 'Established', status: 'False', reason: 'NotAccepted', message: 'bad' }] })).status, 'Failed');
  assert.equal(computeHealth(obj('batch/v1', 'CronJob', {}, { conditions: [{ type: 'Ready', status: 'False' }] })).status, 'Current');
});
