// Benchmark: first apply and no-op re-apply of 1,000 objects (ConfigMaps, Secrets, Deployments,
// Services across 10 namespaces) by Tideline and by `kubectl apply --server-side`, on a fresh
// private kube-apiserver, each run in its own namespaces so every first apply is a real one.
// Tideline is measured validated (the default: dry-run of the whole set, then apply) and with
// `validate: false`. Prints times, ratios, Tideline's request counts, and one JSON line.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClusterClient, endpointFromKubeconfigFile, reconcileObjects } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { ensureBinaries } from '#test/env/build.ts';
import { startPrivateKubeApiServer } from '#test/env/index.ts';

const NAMESPACES = 10;
const PER_KIND = 25;

function bundle(prefix: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `${prefix}-${n}`;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = 0; i < PER_KIND; i++) {
      const app = `app-${i}`;
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config`, namespace: ns, labels: { app } }, data: { 'settings.yaml': `replicas: ${i}\nname: ${app}\n`, LOG_LEVEL: 'info' } });
      objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${app}-secret`, namespace: ns, labels: { app } }, type: 'Opaque', stringData: { password: `pw-${n}-${i}` } });
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: ns, labels: { app } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: { containers: [{ name: 'main', image: `registry.example.com/${app}:1.0.${i}`, ports: [{ containerPort: 8080 }], envFrom: [{ configMapRef: { name: `${app}-config` } }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
          },
        },
      });
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns, labels: { app } }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } });
    }
  }
  return objects;
}

async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await action();
  return { ms: performance.now() - start, value };
}

const binaries = await ensureBinaries();
const server = await startPrivateKubeApiServer();
const work = await mkdtemp(join(tmpdir(), 'tideline-bench-apply-'));
try {
  const endpoint = await endpointFromKubeconfigFile(server.kubeconfigPath, undefined);
  const kubectlApply = async (objects: KubeObject[], file: string) => {
    const manifest = join(work, file);
    await writeFile(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    return () => promisify(execFile)(binaries.kubectl, ['apply', '--server-side', '--kubeconfig', server.kubeconfigPath, '-f', manifest], { maxBuffer: 64 << 20 });
  };
  const tidelineApply = (objects: KubeObject[], name: string, validate: boolean) => async () => {
    // A fresh client per run, as a new function invocation would have (discovery stays cached).
    const client = new ClusterClient(endpoint);
    try {
      const result = await reconcileObjects(client, { owner: { name, namespace: 'flux-system' }, revision: 'r1', objects, prune: true, validate });
      if (result.failure) throw new Error(`tideline apply failed: ${JSON.stringify(result.changeSet.errors.slice(0, 3))}`);
      return { requests: client.requestCount, unchanged: result.changeSet.entries.filter((e) => e.action === 'Unchanged').length };
    } finally {
      client.close();
    }
  };

  // Warm-up (not measured): the first write of each kind makes the apiserver build its schema
  // models; neither tool should pay for that inside its measurement.
  await tidelineApply(bundle('warm').filter((o) => o.kind === 'Namespace' || o.metadata.name.startsWith('app-0')).slice(0, 10), 'warm-up', true)();

  // The machine may be shared: each measurement runs twice, in alternating order, on fresh
  // namespaces, and the faster run of each counts.
  const best = { tideline: Infinity, unvalidated: Infinity, kubectl: Infinity, tidelineNoop: Infinity, kubectlNoop: Infinity };
  let firstRequests = 0;
  let unvalidatedRequests = 0;
  let noopRequests = 0;
  let noopUnchanged = 0;
  const tidelineObjects = bundle('tl0');
  const kubectlFirst0 = await kubectlApply(bundle('kc0'), 'kc0.json');
  for (let round = 0; round < 2; round++) {
    const runs: [keyof typeof best, () => Promise<unknown>][] = [
      ['kubectl', round === 0 ? kubectlFirst0 : await kubectlApply(bundle(`kc${round}`), `kc${round}.json`)],
      ['tideline', tidelineApply(round === 0 ? tidelineObjects : bundle(`tl${round}`), `bench-${round}`, true)],
      ['unvalidated', tidelineApply(bundle(`tu${round}`), `bench-unvalidated-${round}`, false)],
    ];
    if (round === 1) runs.reverse();
    for (const [name, run] of runs) {
      const { ms, value } = await timed(run);
      best[name] = Math.min(best[name], ms);
      if (name === 'tideline') firstRequests = (value as { requests: number }).requests;
      if (name === 'unvalidated') unvalidatedRequests = (value as { requests: number }).requests;
    }
  }
  for (let round = 0; round < 2; round++) {
    const noop = await timed(tidelineApply(tidelineObjects, 'bench-0', true));
    best.tidelineNoop = Math.min(best.tidelineNoop, noop.ms);
    noopRequests = noop.value.requests;
    noopUnchanged = noop.value.unchanged;
    best.kubectlNoop = Math.min(best.kubectlNoop, (await timed(kubectlFirst0)).ms);
  }

  const kinds = new Set(tidelineObjects.map((o) => `${o.apiVersion}/${o.kind}`)).size;
  const result = {
    bench: 'apply',
    objects: tidelineObjects.length,
    kinds,
    tidelineFirstMs: Math.round(best.tideline),
    kubectlFirstMs: Math.round(best.kubectl),
    firstRatio: Number((best.tideline / best.kubectl).toFixed(3)),
    tidelineUnvalidatedFirstMs: Math.round(best.unvalidated),
    unvalidatedFirstRatio: Number((best.unvalidated / best.kubectl).toFixed(3)),
    tidelineNoopMs: Math.round(best.tidelineNoop),
    kubectlNoopMs: Math.round(best.kubectlNoop),
    noopRatio: Number((best.tidelineNoop / best.kubectlNoop).toFixed(3)),
    tidelineFirstRequests: firstRequests,
    tidelineUnvalidatedFirstRequests: unvalidatedRequests,
    tidelineNoopRequests: noopRequests,
    noopUnchanged,
    goals: { firstRatioMax: 0.5, noopRequestsMax: kinds + 5 },
    loadAverage: Number(loadavg()[0]?.toFixed(2)),
  };
  process.stdout.write(
    `first apply: tideline ${result.tidelineFirstMs} ms (${firstRequests} requests), kubectl ${result.kubectlFirstMs} ms, ratio ${result.firstRatio} (goal <= 0.5)\n` +
      `first apply, validate: false: tideline ${result.tidelineUnvalidatedFirstMs} ms (${unvalidatedRequests} requests), ratio ${result.unvalidatedFirstRatio}\n` +
      `no-op:       tideline ${result.tidelineNoopMs} ms, kubectl ${result.kubectlNoopMs} ms, ratio ${result.noopRatio}\n` +
      `no-op requests: ${noopRequests} (goal <= ${kinds + 5}), unchanged ${noopUnchanged}/${tidelineObjects.length}; load average ${result.loadAverage}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
