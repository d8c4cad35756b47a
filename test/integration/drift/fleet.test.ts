// The sweep over a fleet of real API servers: the shared one of the test environment and two
// private control planes started for this file, as separate clusters. One stops answering in the
// middle of the sweep and is reported Timeout while the others finish within their deadline; one
// holds a revoked token and is reported Unauthorized, by name; the unreachable cluster's status
// says so and the next sweep checks it again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDriftShard, startDriftSweep } from '#shared/drift/index.ts';
import type { EventDetail } from '#shared/events/catalog.ts';
import { startKubeFleet, type PrivateKubeApiServer, type KubeConnection } from '#test/env/index.ts';
import { configMap, deployment } from '../kube/helpers.ts';
import { createDriftFleet, type DriftFleet } from './fleet-fixture.ts';

let servers: KubeConnection[];
let privates: PrivateKubeApiServer[];
let fleet: DriftFleet;
const suffix = Math.random().toString(16).slice(2, 8);
const DEADLINE_MS = 3_000;

before(async () => {
  ({ servers, private: privates } = await startKubeFleet(3));
  const [shared, beta, gamma] = servers as [KubeConnection, KubeConnection, KubeConnection];
  fleet = await createDriftFleet([
    { name: 'alpha', ...shared },
    { name: 'beta', ...beta },
    { name: 'gamma', ...gamma },
    { name: 'revoked', ...shared, token: 'a-token-the-api-server-no-longer-accepts' },
  ]);
  const apps = (cluster: string) => `apps-${cluster}-${suffix}`;
  // Each cluster gets its own namespace and Kustomization (alpha and revoked share an API server).
  for (const cluster of ['alpha', 'beta', 'gamma']) {
    const ns = apps(cluster);
    await fleet.deploy(cluster, {
      name: ns,
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, configMap(ns, 'settings', { level: 'info' }), deployment(ns, 'web')],
    });
  }
  // Revoked credentials: the Kustomization was applied while the cluster's token was still good.
  const revokedNs = apps('revoked');
  await fleet.deploy('revoked', {
    name: revokedNs,
    applyThrough: 'alpha',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: revokedNs } }, configMap(revokedNs, 'settings', { level: 'info' })],
  });
  const alphaClient = await fleet.client('alpha');
  await alphaClient.send('PATCH', `/api/v1/namespaces/${apps('alpha')}/configmaps/settings`, {
    query: { fieldManager: 'kubectl-edit' },
    body: JSON.stringify({ data: { level: 'debug' } }),
    contentType: 'application/merge-patch+json',
  });
  const betaClient = await fleet.client('beta', 'kubectl-edit');
  await betaClient.send('PATCH', `/api/v1/namespaces/${apps('beta')}/configmaps/settings`, {
    query: { fieldManager: 'kubectl-edit' },
    body: JSON.stringify({ data: { level: 'trace' } }),
    contentType: 'application/merge-patch+json',
  });
});

after(async () => {
  await fleet?.close();
  await Promise.all((privates ?? []).map((p) => p.stop()));
});

test('a hung cluster times out and a revoked one is unauthorised while the others are corrected within their deadline', async () => {
  // Prepare
  const published: EventDetail<'DriftCheckRequested'>[] = [];
  const sweep = await startDriftSweep(
    {
      ...fleet.deps,
      bus: {
        publish: async (events) => (
          published.push(...events.map((e) => e.detail as EventDetail<'DriftCheckRequested'>)),
          { published: events.length, failed: [] }
        ),
      },
    },
    { shardSize: 2 },
  );
  (privates[1] as PrivateKubeApiServer).pause();
  // Act
  const started = Date.now();
  const reports = await Promise.all(published.map((shard) => runDriftShard(shard, fleet.deps, { concurrency: 2, clusterDeadlineMs: DEADLINE_MS })));
  const elapsed = Date.now() - started;
  (privates[1] as PrivateKubeApiServer).resume();
  // Assess
  assert.deepEqual({ clusters: sweep.clusters, shards: sweep.shards }, { clusters: 4, shards: 2 });
  const results = new Map(reports.flatMap((r) => r.results).map((r) => [r.cluster, r]));
  assert.equal(results.get('alpha')?.outcome, 'checked');
  assert.equal(results.get('beta')?.outcome, 'checked');
  const gamma = results.get('gamma');
  assert.ok(gamma?.outcome === 'unreachable' && gamma.reason === 'Timeout', `gamma: ${JSON.stringify(gamma)}`);
  const revoked = results.get('revoked');
  assert.ok(revoked?.outcome === 'unreachable' && revoked.reason === 'Unauthorized', `revoked: ${JSON.stringify(revoked)}`);
  assert.ok(
    (results.get('alpha')?.durationMs ?? Infinity) < DEADLINE_MS && (results.get('beta')?.durationMs ?? Infinity) < DEADLINE_MS,
    'the healthy clusters finished within their deadline',
  );
  assert.ok(elapsed < DEADLINE_MS * 2, `the sweep took ${elapsed} ms: the hung cluster cost no more than its deadline`);
  const unreachable = fleet.events.filter((e) => e.detailType === 'ClusterUnreachable').map((e) => e.detail as EventDetail<'ClusterUnreachable'>);
  assert.deepEqual(unreachable.map((u) => `${u.cluster}:${u.reason}`).sort(), ['gamma:Timeout', 'revoked:Unauthorized']);
  assert.match(unreachable.find((u) => u.cluster === 'revoked')?.message ?? '', /unauthenticated|Unauthorized/i);
  const corrected = fleet.events
    .filter((e) => e.detailType === 'DriftCorrected')
    .map((e) => (e.detail as EventDetail<'DriftCorrected'>).cluster)
    .sort();
  assert.deepEqual(corrected, ['alpha', 'beta']);
  const gammaStatus = await fleet.deps.status.getKustomization({ cluster: 'gamma', namespace: 'flux-system', name: `apps-gamma-${suffix}` });
  assert.equal(gammaStatus?.drift?.outcome, 'Unreachable');
  assert.match(gammaStatus?.drift?.message ?? '', /checked again at the next sweep/);
});

test('the next sweep checks a cluster that was unreachable again', async () => {
  // Prepare: gamma answers again (the previous test resumed it).
  const shard: EventDetail<'DriftCheckRequested'> = {
    version: 1,
    eventId: `retry-${suffix}`,
    correlationId: 'drift-retry',
    occurredAt: new Date().toISOString(),
    sweepId: 'drift-retry',
    shard: { index: 0, count: 1 },
    clusters: ['gamma'],
  };
  // Act
  const report = await runDriftShard(shard, fleet.deps, { concurrency: 1, clusterDeadlineMs: 20_000 });
  // Assess
  assert.equal(report.checked, 1);
  const status = await fleet.deps.status.getKustomization({ cluster: 'gamma', namespace: 'flux-system', name: `apps-gamma-${suffix}` });
  assert.equal(status?.drift?.outcome, 'InSync');
});
