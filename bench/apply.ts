// Benchmark: first apply and no-op re-apply of 1,000 objects (ConfigMaps, Secrets, Deployments,
// Services across 10 namespaces) by Tideline and by `kubectl apply --server-side`, on a fresh
// private kube-apiserver, each run in its own namespaces so every first apply is a real one.
// Tideline is measured validated (the default: dry-run of the whole set, then apply) and with
// `validate: false`. Prints times, ratios, Tideline's request counts, and one JSON line.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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

/**
 * CPU time (ms) the private control plane (kube-apiserver and etcd, children of this process) has
 * used so far, from /proc. The machine may be shared: CPU time per run says where the work goes
 * even when wall times are noisy. 0 where /proc is missing.
 */
async function controlPlaneCpuMs(): Promise<number> {
  let ticks = 0;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid … utime(14) stime(15), 1-based overall.
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || !/kube-apiserver|etcd/.test(command)) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process went away meanwhile.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux.
}

interface Timed<T> {
  ms: number;
  /** CPU time of the control plane during the run. */
  serverCpuMs: number;
  /** CPU time of this process during the run (Tideline's client; kubectl runs in its own process). */
  clientCpuMs: number;
  value: T;
}

async function timed<T>(action: () => Promise<T>): Promise<Timed<T>> {
  const server0 = await controlPlaneCpuMs();
  const client0 = process.cpuUsage();
  const start = performance.now();
  const value = await action();
  const ms = performance.now() - start;
  const client = process.cpuUsage(client0);
  return { ms, serverCpuMs: (await controlPlaneCpuMs()) - server0, clientCpuMs: (client.user + client.system) / 1000, value };
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
  // Control plane and client CPU time of the fastest run of each kind.
  const cpu: Partial<Record<keyof typeof best, { serverCpuMs: number; clientCpuMs: number }>> = {};
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
      const { ms, value, serverCpuMs, clientCpuMs } = await timed(run);
      if (ms < best[name]) cpu[name] = { serverCpuMs, clientCpuMs: name === 'kubectl' ? 0 : Math.round(clientCpuMs) };
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
    cpu,
    loadAverage: Number(loadavg()[0]?.toFixed(2)),
  };
  const cpuLine = (name: 'tideline' | 'unvalidated' | 'kubectl') => `${name} server ${cpu[name]?.serverCpuMs ?? 0} ms${name === 'kubectl' ? '' : ` + client ${cpu[name]?.clientCpuMs ?? 0} ms`}`;
  process.stdout.write(
    `first apply: tideline ${result.tidelineFirstMs} ms (${firstRequests} requests), kubectl ${result.kubectlFirstMs} ms, ratio ${result.firstRatio} (goal <= 0.5)\n` +
      `first apply, validate: false: tideline ${result.tidelineUnvalidatedFirstMs} ms (${unvalidatedRequests} requests), ratio ${result.unvalidatedFirstRatio}\n` +
      `no-op:       tideline ${result.tidelineNoopMs} ms, kubectl ${result.kubectlNoopMs} ms, ratio ${result.noopRatio}\n` +
      `no-op requests: ${noopRequests} (goal <= ${kinds + 5}), unchanged ${noopUnchanged}/${tidelineObjects.length}; load average ${result.loadAverage}\n` +
      `CPU time of the first applies (apiserver + etcd, and Tideline's own process): ${cpuLine('tideline')}; ${cpuLine('unvalidated')}; ${cpuLine('kubectl')}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
