// Benchmark: one drift sweep over 100 clusters × 100 objects, against the Flux way of checking the
// same fleet (a server-side dry-run of every object) in the same run. The clusters are separate
// kubeconfig contexts spread over three API servers started for the run, each with its own
// namespace and Kustomization; 1% of the objects (one Deployment per cluster) is drifted by a
// scale through the scale subresource. Measured: the sweep's wall time at concurrency 20, API
// requests per cluster (discovery apart), peak memory of this process, GB-seconds per cluster
// check at the drift function's memory size, the ratio to the dry-run-every-object sweep, and a
// cold sweep before the drift (a new process: TLS and discovery per cluster) and a sweep of the
// corrected fleet (the steady state). Prints the figures and one JSON line.
import { loadavg } from 'node:os';
import { closeDriftClients, runDriftShard } from '#shared/drift/index.ts';
import type { EventDetail } from '#shared/events/catalog.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL } from '#shared/kube/index.ts';
import { startPrivateKubeApiServer } from '#test/env/index.ts';
import { createDriftFleet, type DriftFleet } from '#test/integration/drift/fleet-fixture.ts';
import { benchApp } from './workload.ts';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 100);
const SERVERS = 3;
const PER_KIND = 33; // a Namespace and 33 each of ConfigMap, Deployment, Service: 100 objects
const CONCURRENCY = 20;
/** The drift function's memory size in the construct (MB): what a Lambda invocation is billed at. */
const LAMBDA_MEMORY_MB = 512;

function bundle(ns: string): KubeObject[] {
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
  for (let i = 0; i < PER_KIND; i++) {
    objects.push(...benchApp(ns, i, { settings: `name: app-${i}\n` }));
  }
  return objects;
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Samples this process's resident memory while `work` runs; returns its result and the peak (MB). */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMb: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

const names = Array.from({ length: CLUSTERS }, (_, i) => `c${String(i).padStart(3, '0')}`);
const started = Date.now();
const servers = await Promise.all(Array.from({ length: SERVERS }, () => startPrivateKubeApiServer()));
let fleet: DriftFleet | undefined;
try {
  fleet = await createDriftFleet(names.map((name, i) => ({ name, ...(servers[i % SERVERS] as (typeof servers)[number]) })));
  const f = fleet;
  await pool(names, 10, async (name) => void (await f.deploy(name, { name: `bench-${name}`, objects: bundle(`bench-${name}`), validate: false })));
  process.stdout.write(`set-up: ${SERVERS} API servers, ${CLUSTERS} clusters × 100 objects applied in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  // A first sweep while nothing drifted: what a cold process pays (TLS and discovery per cluster).
  const shard = (id: string): EventDetail<'DriftCheckRequested'> => ({
    version: 1,
    eventId: id,
    correlationId: id,
    occurredAt: new Date().toISOString(),
    sweepId: id,
    shard: { index: 0, count: 1 },
    clusters: names,
  });
  const settings = { concurrency: CONCURRENCY, clusterDeadlineMs: 60_000 };
  const coldStart = Date.now();
  const cold = await runDriftShard(shard('bench-cold'), f.deps, settings);
  const coldMs = Date.now() - coldStart;

  // 1% drift: one Deployment per cluster scaled by hand.
  await pool(names, 20, async (name) => {
    const kubectl = await f.client(name, 'kubectl');
    await kubectl.send('PATCH', `/apis/apps/v1/namespaces/bench-${name}/deployments/app-7/scale`, {
      query: { fieldManager: 'kubectl' },
      body: JSON.stringify({ spec: { replicas: 5 } }),
      contentType: 'application/merge-patch+json',
    });
  });

  // The Flux way: every object of every cluster dry-run applied, at the same concurrency.
  // Its clients are warmed the same way (discovery read) before the clock starts: both sides are
  // measured as a process that has been running, as a Flux controller always is.
  const fluxClients = await Promise.all(names.map((name) => f.client(name)));
  await Promise.all(fluxClients.map((c) => c.resourceFor('v1', 'ConfigMap')));
  const fluxStart = Date.now();
  await pool(
    names.map((name, i) => ({ name, client: fluxClients[i] as Awaited<ReturnType<typeof f.client>> })),
    CONCURRENCY,
    async ({ name, client }) => {
      const owner = { [OWNER_NAME_LABEL]: `bench-${name}`, [OWNER_NAMESPACE_LABEL]: 'flux-system' };
      await Promise.all(
        bundle(`bench-${name}`).map(async (object) => {
          const labelled = { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, ...owner } } };
          await client.applyWithStatus(labelled, { dryRun: true, force: true });
        }),
      );
    },
  );
  const fluxMs = Date.now() - fluxStart;
  const fluxRequests = fluxClients.reduce(
    (sum, c) =>
      sum +
      (c.requestsByVerb.get('DRYRUN Deployment') ?? 0) +
      (c.requestsByVerb.get('DRYRUN ConfigMap') ?? 0) +
      (c.requestsByVerb.get('DRYRUN Service') ?? 0) +
      (c.requestsByVerb.get('DRYRUN Namespace') ?? 0),
    0,
  );

  // Tideline's sweep: every cluster of one shard, concurrency 20, correct mode, warm clients.
  const sweepStart = Date.now();
  const { result: sweep, peakMb } = await withPeakRss(() => runDriftShard(shard('bench-sweep'), f.deps, settings));
  const sweepMs = Date.now() - sweepStart;
  const steadyStart = Date.now();
  const steady = await runDriftShard(shard('bench-steady'), f.deps, settings);
  const steadyMs = Date.now() - steadyStart;

  const checked = sweep.results.filter((r) => r.outcome === 'checked');
  const perCluster = sweep.results.map((r) => r.requests);
  const kinds = 4;
  const driftedPerCluster = Math.round(sweep.driftedObjects / CLUSTERS);
  const gbSecondsPerCheck = ((sweepMs / 1000) * (LAMBDA_MEMORY_MB / 1024)) / CLUSTERS;
  const ratio = Number((sweepMs / fluxMs).toFixed(3));
  const json = {
    bench: 'drift',
    clusters: CLUSTERS,
    objectsPerCluster: 100,
    kinds,
    apiServers: SERVERS,
    concurrency: CONCURRENCY,
    drifted: sweep.driftedObjects,
    corrected: sweep.corrected,
    checked: checked.length,
    unreachable: sweep.unreachable,
    sweepMs,
    requestsPerClusterMax: Math.max(...perCluster),
    requestsPerClusterMean: Number((perCluster.reduce((a, b) => a + b, 0) / CLUSTERS).toFixed(2)),
    discoveryRequestsPerCluster: Number((cold.discoveryRequests / CLUSTERS).toFixed(2)),
    coldSweepMs: coldMs,
    coldRequestsPerClusterMax: Math.max(...cold.results.map((r) => r.requests)),
    peakRssMb: peakMb,
    lambdaMemoryMb: LAMBDA_MEMORY_MB,
    gbSecondsPerClusterCheck: Number(gbSecondsPerCheck.toFixed(5)),
    steadySweepMs: steadyMs,
    steadyRequestsPerClusterMax: Math.max(...steady.results.map((r) => r.requests)),
    fluxWayMs: fluxMs,
    fluxWayRequestsPerCluster: fluxRequests / CLUSTERS,
    ratio,
    goals: { sweepMsMax: 30_000, requestsPerClusterMax: kinds + driftedPerCluster, ratioMax: 0.2 },
    loadAverage: Number(loadavg()[0]?.toFixed(2)),
  };
  process.stdout.write(
    `sweep (correct mode): ${sweepMs} ms for ${CLUSTERS} clusters, ${sweep.driftedObjects} drifted, ${sweep.corrected} corrected, ${sweep.unreachable} unreachable (goal <= 30000 ms)\n` +
      `  requests per cluster: max ${json.requestsPerClusterMax}, mean ${json.requestsPerClusterMean} (goal <= #kinds + #drifted = ${kinds + driftedPerCluster})\n` +
      `  peak RSS ${peakMb} MB; GB-seconds per cluster check at ${LAMBDA_MEMORY_MB} MB: ${json.gbSecondsPerClusterCheck}\n` +
      `cold sweep (new process, nothing drifted): ${coldMs} ms, requests per cluster max ${json.coldRequestsPerClusterMax} + ${json.discoveryRequestsPerCluster} discovery\n` +
      `steady sweep (after the correction, nothing drifted): ${steadyMs} ms, requests per cluster max ${json.steadyRequestsPerClusterMax}\n` +
      `Flux way (dry-run every object): ${fluxMs} ms, ${json.fluxWayRequestsPerCluster} requests per cluster\n` +
      `ratio sweep / Flux way: ${ratio} (goal <= 0.2)\n` +
      `load average ${json.loadAverage}\n${JSON.stringify(json)}\n`,
  );
} finally {
  closeDriftClients();
  await fleet?.close();
  await Promise.all(servers.map((s) => s.stop()));
}
