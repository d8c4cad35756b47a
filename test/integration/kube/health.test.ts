// Health waits against the real kube-apiserver. No controllers run there, so the tests play the
// controller by writing /status, from the injected clock's sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileObjects } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { deployment, instantClock, ownerFor, reconcileAndWait, reportDeploymentReady, testClientFor } from './helpers.ts';

test('wait succeeds once the Deployment reports its replicas ready', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-health');
  const client = await testClientFor(t);
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' };
  const clock = instantClock(() => reportDeploymentReady(client, ref));
  // Act
  const result = await reconcileAndWait(client, ns, clock, [deployment(ns, 'web')]);
  // Assess
  assert.equal(result.failure, undefined);
  assert.equal(result.health?.ready, true);
  assert.ok(clock.slept > 0, 'the wait polled at least once before the status was written');
});

test('wait fails with HealthCheckFailed when the timeout passes before the object is ready', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-health-timeout');
  const client = await testClientFor(t);
  const clock = instantClock();
  // Act
  const result = await reconcileObjects(client, {
    owner: ownerFor(ns),
    revision: 'r1',
    timeoutMs: 30_000,
    clock,
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }],
    objects: [deployment(ns, 'web')],
  });
  // Assess
  assert.equal(result.failure, 'HealthCheckFailed');
  assert.equal(result.health?.unhealthy[0]?.object.name, 'web');
  assert.equal(result.health?.unhealthy[0]?.status, 'InProgress');
  assert.ok(clock.slept >= 30_000);
  assert.equal(result.changeSet.entries[0]?.action, 'Created');
});
