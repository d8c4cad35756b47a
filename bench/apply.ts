// Benchmark: first apply and no-op re-apply of 1,000 objects (ConfigMaps, Secrets, Deployments,
// Services across 10 namespaces) by Tideline and by `kubectl apply --server-side`, on a fresh
// private kube-apiserver, each tool in its own namespaces so both do a real first apply.
// Prints times, ratios, Tideline's request count for the no-op, and one JSON line.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  const tidelineObjects = bundle('tl');
  const kubectlObjects = bundle('kc');
  const manifest = join(work, 'kubectl.json');
  await writeFile(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: kubectlObjects }));
  const kubectl = () => promisify(execFile)(binaries.kubectl, ['apply', '--server-side', '--kubeconfig', server.kubeconfigPath, '-f', manifest], { maxBuffer: 64 << 20 });
  const owner = { name: 'bench', namespace: 'flux-system' };

  const endpoint = await endpointFromKubeconfigFile(server.kubeconfigPath, undefined);
  // Warm-up (not measured): the first write of each kind makes the apiserver build its schema
  // models; neither tool should pay for that inside its measurement.
  const warmClient = new ClusterClient(endpoint);
  await reconcileObjects(warmClient, { owner: { name: 'warm-up', namespace: 'flux-system' }, revision: 'r0', objects: bundle('warm').filter((o) => o.kind === 'Namespace' || o.metadata.name.startsWith('app-0')).slice(0, 10) });
  warmClient.close();
  const firstClient = new ClusterClient(endpoint);
  const first = await timed(() => reconcileObjects(firstClient, { owner, revision: 'r1', objects: tidelineObjects, prune: true }));
  if (first.value.failure) throw new Error(`tideline first apply failed: ${JSON.stringify(first.value.changeSet.errors.slice(0, 3))}`);
  const firstRequests = firstClient.requestCount;
  firstClient.close();
  const kubectlFirst = await timed(kubectl);
  // The same first apply without the all-or-nothing dry-run validation (one request per object).
  const unvalidatedClient = new ClusterClient(endpoint);
  const unvalidated = await timed(() => reconcileObjects(unvalidatedClient, { owner: { name: 'bench-unvalidated', namespace: 'flux-system' }, revision: 'r1', objects: bundle('tu'), validate: false }));
  if (unvalidated.value.failure) throw new Error(`tideline unvalidated first apply failed: ${JSON.stringify(unvalidated.value.changeSet.errors.slice(0, 3))}`);
  const unvalidatedRequests = unvalidatedClient.requestCount;
  unvalidatedClient.close();

  // A fresh client for the no-op, as a new function invocation would have (discovery stays cached).
  const noopClient = new ClusterClient(endpoint);
  const noop = await timed(() => reconcileObjects(noopClient, { owner, revision: 'r1', objects: tidelineObjects, prune: true }));
  const unchanged = noop.value.changeSet.entries.filter((e) => e.action === 'Unchanged').length;
  const noopRequests = noopClient.requestCount;
  noopClient.close();
  const kubectlNoop = await timed(kubectl);

  const kinds = new Set(tidelineObjects.map((o) => `${o.apiVersion}/${o.kind}`)).size;
  const result = {
    bench: 'apply',
    objects: tidelineObjects.length,
    kinds,
    tidelineFirstMs: Math.round(first.ms),
    kubectlFirstMs: Math.round(kubectlFirst.ms),
    firstRatio: Number((first.ms / kubectlFirst.ms).toFixed(3)),
    tidelineUnvalidatedFirstMs: Math.round(unvalidated.ms),
    unvalidatedFirstRatio: Number((unvalidated.ms / kubectlFirst.ms).toFixed(3)),
    tidelineUnvalidatedFirstRequests: unvalidatedRequests,
    tidelineNoopMs: Math.round(noop.ms),
    kubectlNoopMs: Math.round(kubectlNoop.ms),
    noopRatio: Number((noop.ms / kubectlNoop.ms).toFixed(3)),
    tidelineFirstRequests: firstRequests,
    tidelineNoopRequests: noopRequests,
    noopRequestBudget: kinds + 5,
    noopUnchanged: unchanged,
    goals: { firstRatioMax: 0.5, noopRequestsMax: kinds + 5 },
  };
  process.stdout.write(
    `first apply: tideline ${result.tidelineFirstMs} ms, kubectl ${result.kubectlFirstMs} ms, ratio ${result.firstRatio} (goal <= 0.5)\n` +
      `first apply without dry-run validation (validate: false): tideline ${result.tidelineUnvalidatedFirstMs} ms, ratio ${result.unvalidatedFirstRatio}\n` +
      `no-op:       tideline ${result.tidelineNoopMs} ms, kubectl ${result.kubectlNoopMs} ms, ratio ${result.noopRatio}\n` +
      `no-op requests: ${noopRequests} (goal <= ${kinds + 5}), unchanged ${unchanged}/${tidelineObjects.length}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
