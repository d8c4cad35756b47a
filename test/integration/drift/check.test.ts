// The drift check of one cluster on the shared API server: the seed scenario (a scale through the
// scale subresource, an image changed by another field manager, a deleted Service) reported with
// its fields and put back; a detect-only Kustomization reported and left alone; what is not drift
// (foreign fields, an HPA's replicas after handover, status) not reported; Secret values in no
// event, alert or log line; and the request count of a cluster in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDriftShard } from '#shared/drift/index.ts';
import type { ShardReport } from '#shared/drift/index.ts';
import type { CatalogEvent, EventDetail } from '#shared/events/catalog.ts';
import { toNotification, type AlertableEvent } from '#shared/alerts/notification.ts';
import { formatSlackMessage } from '#shared/alerts/slack-format.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { getTestEnv, useNamespace } from '#test/env/index.ts';
import { configMap, deployment, secret, service } from '../kube/helpers.ts';
import { createDriftFleet, type DriftFleet } from './fleet-fixture.ts';

const CLUSTER = 'seed';

async function fleetFor(t: { after(fn: () => unknown): void }): Promise<DriftFleet> {
  const env = await getTestEnv();
  const fleet = await createDriftFleet([{ name: CLUSTER, server: env.kube.server, caData: env.kube.caData, token: env.kube.token }]);
  t.after(() => fleet.close());
  return fleet;
}

function shard(clusters: string[]): EventDetail<'DriftCheckRequested'> {
  return {
    version: 1,
    eventId: `e-${Math.random()}`,
    correlationId: 'drift-test',
    occurredAt: new Date().toISOString(),
    sweepId: 'drift-test',
    shard: { index: 0, count: 1 },
    clusters,
  };
}

async function sweep(fleet: DriftFleet): Promise<ShardReport> {
  return runDriftShard(shard([CLUSTER]), fleet.deps, { concurrency: 4, clusterDeadlineMs: 20_000 });
}

function eventsOf<T extends CatalogEvent['detailType']>(fleet: DriftFleet, type: T): EventDetail<T>[] {
  return fleet.events.filter((e) => e.detailType === type).map((e) => e.detail as EventDetail<T>);
}

test('the seed scenario: a scale, an image set by another manager and a deleted Service are reported field by field and put back', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-seed');
  const fleet = await fleetFor(t);
  const web = { ...deployment(ns, 'web', 'nginx:1.27') };
  (web.spec as { replicas: number }).replicas = 2;
  await fleet.deploy(CLUSTER, { name: ns, objects: [web, service(ns, 'web'), configMap(ns, 'web-config', { level: 'info' })] });
  const kubectl = await fleet.client(CLUSTER, 'kubectl');
  const tool = await fleet.client(CLUSTER, 'other-tool');
  await kubectl.send('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, {
    query: { fieldManager: 'kubectl' },
    body: JSON.stringify({ spec: { replicas: 5 } }),
    contentType: 'application/merge-patch+json',
  });
  await tool.apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:evil' }] } }, selector: { matchLabels: { app: 'web' } } },
    } as KubeObject,
    { force: true },
  );
  await kubectl.delete({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' });
  // Act
  const report = await sweep(fleet);
  // Assess
  const [corrected] = eventsOf(fleet, 'DriftCorrected');
  assert.ok(corrected, `a DriftCorrected was emitted (events: ${fleet.events.map((e) => e.detailType).join(', ')})`);
  assert.equal(eventsOf(fleet, 'DriftDetected').length, 0, 'correct mode emits DriftCorrected only');
  const byName = new Map(corrected.drifted?.map((d) => [`${d.object.kind}/${d.object.name}`, d]));
  assert.equal(byName.get('Service/web')?.change, 'Missing');
  const fields = byName.get('Deployment/web')?.fields ?? [];
  assert.deepEqual(
    fields.find((f) => f.path === 'spec.replicas'),
    { path: 'spec.replicas', expected: '2', actual: '5', manager: 'kubectl (scale)' },
  );
  assert.deepEqual(
    fields.find((f) => f.path === 'spec.template.spec.containers[name=main].image'),
    { path: 'spec.template.spec.containers[name=main].image', expected: 'nginx:1.27', actual: 'nginx:evil', manager: 'other-tool' },
  );
  const live = await kubectl.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
  const spec = live?.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
  assert.equal(spec.replicas, 2, 'replicas put back');
  assert.equal(spec.template.spec.containers[0]?.image, 'nginx:1.27', 'image put back');
  assert.ok(await kubectl.get({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' }), 'Service created again');
  assert.equal(report.corrected, 2);
  // ConfigMap (with the inventory), Deployment and Service LISTs, then one apply per drifted object.
  assert.ok(report.apiRequests <= 3 + 2, `requests ${report.apiRequests} ≤ #kinds + #drifted = 5`);
  const status = await fleet.deps.status.getKustomization({ cluster: CLUSTER, namespace: 'flux-system', name: ns });
  assert.equal(status?.drift?.outcome, 'Corrected');
});

test('a detect-only Kustomization is reported with its diff and left drifted', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-detect');
  const fleet = await fleetFor(t);
  await fleet.deploy(CLUSTER, { name: ns, objects: [configMap(ns, 'settings', { level: 'info' })], annotations: { 'tideline.dev/drift': 'detect' } });
  const editor = await fleet.client(CLUSTER, 'kubectl-edit');
  await editor.send('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
    query: { fieldManager: 'kubectl-edit' },
    body: JSON.stringify({ data: { level: 'debug' } }),
    contentType: 'application/merge-patch+json',
  });
  // Act
  const report = await sweep(fleet);
  // Assess
  const [detected] = eventsOf(fleet, 'DriftDetected');
  assert.equal(detected?.mode, 'detect');
  assert.equal(detected?.willCorrect, false);
  assert.deepEqual(detected?.drifted[0]?.fields, [{ path: 'data.level', expected: 'info', actual: 'debug', manager: 'kubectl-edit' }]);
  assert.equal(eventsOf(fleet, 'DriftCorrected').length, 0);
  const live = await editor.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
  assert.equal((live?.data as Record<string, string>).level, 'debug', 'left as it was');
  assert.equal(report.corrected, 0);
  assert.equal((await fleet.deps.status.getKustomization({ cluster: CLUSTER, namespace: 'flux-system', name: ns }))?.drift?.outcome, 'Drifted');
});

test('foreign fields, status and an HPA that took replicas over are not drift, and cost one LIST per kind', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-foreign');
  const fleet = await fleetFor(t);
  const withReplicas = deployment(ns, 'api');
  (withReplicas.spec as { replicas: number }).replicas = 3;
  await fleet.deploy(CLUSTER, { name: ns, objects: [withReplicas, configMap(ns, 'api-config', { a: '1' })], revision: `main@sha1:${'1'.repeat(40)}` });
  const hpa = await fleet.client(CLUSTER, 'horizontal-pod-autoscaler');
  await hpa.send('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/api/scale`, {
    query: { fieldManager: 'horizontal-pod-autoscaler' },
    body: JSON.stringify({ spec: { replicas: 6 } }),
    contentType: 'application/merge-patch+json',
  });
  // Git stops setting replicas: the HPA keeps them from now on.
  const withoutReplicas = deployment(ns, 'api');
  delete (withoutReplicas.spec as { replicas?: number }).replicas;
  await fleet.deploy(CLUSTER, { name: ns, objects: [withoutReplicas, configMap(ns, 'api-config', { a: '1' })], revision: `main@sha1:${'2'.repeat(40)}` });
  await hpa.send('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/api/scale`, {
    query: { fieldManager: 'horizontal-pod-autoscaler' },
    body: JSON.stringify({ spec: { replicas: 9 } }),
    contentType: 'application/merge-patch+json',
  });
  const controller = await fleet.client(CLUSTER, 'some-controller');
  await controller.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: ns, labels: { 'team.example.com/owner': 'platform' }, annotations: { 'example.com/scraped': 'true' } },
  } as KubeObject);
  await controller.patchStatus({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' }, { observedGeneration: 1, replicas: 9 });
  // Act
  const report = await sweep(fleet);
  // Assess
  assert.deepEqual(
    fleet.events.map((e) => e.detailType),
    [],
    'nothing reported',
  );
  assert.equal(report.driftedObjects, 0);
  assert.equal(report.apiRequests, 2, 'one LIST of ConfigMaps (with the inventory) and one of Deployments');
  const live = await controller.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' });
  assert.equal((live?.spec as { replicas: number }).replicas, 9, 'the HPA keeps its replicas');
  assert.equal((await fleet.deps.status.getKustomization({ cluster: CLUSTER, namespace: 'flux-system', name: ns }))?.drift?.outcome, 'InSync');
});

test('Secret values are in no event, alert or log line, before or after the drift', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'drift-secret');
  const fleet = await fleetFor(t);
  const original = 's3cr3t-from-git-value';
  const changed = 'changed-by-hand-value';
  await fleet.deploy(CLUSTER, { name: ns, objects: [secret(ns, 'db', { password: original }), configMap(ns, 'db-config', { host: 'db' })] });
  const editor = await fleet.client(CLUSTER, 'kubectl-edit');
  await editor.send('PATCH', `/api/v1/namespaces/${ns}/secrets/db`, {
    query: { fieldManager: 'kubectl-edit' },
    body: JSON.stringify({ data: { password: Buffer.from(changed).toString('base64') } }),
    contentType: 'application/merge-patch+json',
  });
  // Act
  await sweep(fleet);
  // Assess
  const [corrected] = eventsOf(fleet, 'DriftCorrected');
  assert.deepEqual(corrected?.drifted?.[0]?.fields, [{ path: 'data.password', expected: '***', actual: '*** (changed)', manager: 'kubectl-edit' }]);
  const alert = JSON.stringify(formatSlackMessage(toNotification(fleet.events[0] as AlertableEvent)));
  const everything = [JSON.stringify(fleet.events), alert, ...fleet.logs].join('\n');
  for (const value of [original, changed, Buffer.from(original).toString('base64'), Buffer.from(changed).toString('base64')])
    assert.ok(!everything.includes(value), `no trace of ${value.slice(0, 3)}…`);
  assert.match(alert, /data\.password/, 'the alert names the field');
});
