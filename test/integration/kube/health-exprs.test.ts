// Flux healthCheckExprs against the real kube-apiserver: a custom resource judged by CEL
// expressions in the health wait. No controller runs there, so the tests play it by writing
// /status from the injected clock's sleep.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { reconcileObjects, requestFromKustomization } from '#shared/kube/index.ts';
import type { ClusterClient, KubeObject, ReconcileRequest } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { crd, instantClock, testClientFor } from './helpers.ts';

const CURRENT = "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')";
const FAILED = "status.conditions.exists(c, c.type == 'Ready' && c.status == 'False' && c.reason == 'Failed')";

/** Creates a Widget CRD of a group unique to the test (deleted when it ends); returns the group. */
async function widgetCrd(t: TestContext, client: ClusterClient, ns: string): Promise<string> {
  const group = `${ns}.example.com`;
  const definition = crd(group, 'Widget', 'widgets');
  t.after(async () => {
    await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: definition.metadata.name });
  });
  const result = await reconcileObjects(client, { owner: { name: `${ns}-crds`, namespace: 'flux-system' }, revision: 'r0', objects: [definition] });
  assert.equal(result.failure, undefined, JSON.stringify(result.changeSet.errors));
  return group;
}

/** A fresh namespace and client, the Widget CRD, and the reference of the Widget `w1` the request applies. */
async function widgetWorld(t: TestContext, prefix: string) {
  const ns = await useNamespace(t, prefix);
  const client = await testClientFor(t);
  const group = await widgetCrd(t, client, ns);
  return { ns, client, group, ref: { apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w1' } };
}

/** The reconcile request of a Flux Kustomization with `wait: true` and the Widget expressions. */
function widgetRequest(ns: string, group: string, timeout: string): ReconcileRequest {
  const kustomization = parseKustomization({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: ns },
    spec: {
      interval: '10m',
      prune: true,
      wait: true,
      timeout,
      sourceRef: { kind: 'GitRepository', name: 'fleet' },
      healthCheckExprs: [{ apiVersion: `${group}/v1`, kind: 'Widget', current: CURRENT, failed: FAILED }],
    },
  });
  const widget: KubeObject = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } };
  return requestFromKustomization(kustomization, { objects: [widget], revision: 'r1' });
}

/** A clock whose every sleep writes `status` (with the object's generation observed) on the Widget. */
function controllerWriting(client: ClusterClient, ref: { apiVersion: string; kind: string; namespace: string; name: string }, status: Record<string, unknown>) {
  return instantClock(async () => {
    const live = await client.get(ref);
    await client.patchStatus(ref, { observedGeneration: live?.metadata.generation, ...status });
  });
}

test('a custom resource is healthy once its current expression is true', async (t) => {
  // Prepare
  const { ns, client, group, ref } = await widgetWorld(t, 'kube-cel-ready');
  const clock = controllerWriting(client, ref, { conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'all good' }] });
  // Act
  const result = await reconcileObjects(client, { ...widgetRequest(ns, group, '1m'), clock });
  // Assess
  assert.equal(result.failure, undefined, JSON.stringify(result.health));
  assert.equal(result.health?.ready, true);
  // Without a status the built-in rules would call the Widget ready at once: the wait polled
  // again because the expression could not hold before the status was written.
  assert.ok(clock.slept > 0, 'the wait polled until the status was written');
});

test('a true failed expression fails the health check at once, naming the object and the reason', async (t) => {
  // Prepare
  const { ns, client, group, ref } = await widgetWorld(t, 'kube-cel-failed');
  const clock = controllerWriting(client, ref, { conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'quota exceeded' }] });
  // Act
  const result = await reconcileObjects(client, { ...widgetRequest(ns, group, '5m'), clock });
  // Assess
  assert.equal(result.failure, 'HealthCheckFailed');
  assert.equal(result.health?.unhealthy.length, 1);
  assert.deepEqual(result.health?.unhealthy[0]?.object, ref);
  assert.equal(result.health?.unhealthy[0]?.status, 'Failed');
  assert.equal(result.health?.unhealthy[0]?.message, `failed expression '${FAILED}' is true: quota exceeded`);
  assert.ok(clock.slept < 300_000, 'the failure ended the wait before the timeout');
});

test('the wait times out while no expression is true, reporting the object in progress', async (t) => {
  // Prepare
  const { ns, client, group, ref } = await widgetWorld(t, 'kube-cel-timeout');
  const clock = controllerWriting(client, ref, { conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'provisioning' }] });
  // Act
  const result = await reconcileObjects(client, { ...widgetRequest(ns, group, '30s'), clock });
  // Assess
  assert.equal(result.failure, 'HealthCheckFailed');
  assert.equal(result.health?.unhealthy[0]?.object.name, 'w1');
  assert.equal(result.health?.unhealthy[0]?.status, 'InProgress');
  assert.equal(result.health?.unhealthy[0]?.message, `current expression '${CURRENT}' is not yet true`);
  assert.ok(clock.slept >= 30_000);
});

test('an expression reading a field the object never gets keeps it Unknown until the timeout, which reports the error', async (t) => {
  // Prepare
  const { ns, client, group } = await widgetWorld(t, 'kube-cel-error');
  const clock = instantClock();
  // Act: no controller writes a status, so `status` does not exist for the expressions.
  const result = await reconcileObjects(client, { ...widgetRequest(ns, group, '20s'), clock });
  // Assess
  assert.equal(result.failure, 'HealthCheckFailed');
  assert.equal(result.health?.unhealthy[0]?.status, 'Unknown');
  assert.match(result.health?.unhealthy[0]?.message ?? '', /^failed to evaluate the failed expression '.*': .*status/);
  assert.ok(clock.slept >= 20_000, 'the evaluation error did not end the wait early');
});
