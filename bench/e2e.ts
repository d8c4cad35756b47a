// Benchmark: push → applied, end to end in local mode. A fleet with one cluster (the test
// environment's API server) and a 50-object app (ConfigMaps, Secrets, ServiceAccounts,
// Deployments, Services); 30 pushes, each changing one ConfigMap and a Deployment's replicas,
// each announced by a signed GitHub webhook to the pipeline's HTTP intake. Measured per push:
// from the webhook request to the ReconcileSucceeded of that revision, with the split the status
// records (verify = the webhook's HTTP answer, fetch, render, apply). Goal: p50 ≤ 0.5 s, p99 ≤ 1.5 s.
// The reference is Flux (source-, kustomize- and notification-controller on the same kind of API
// server and machine): a median of 0.84 s, p90 0.93 s, from push to the changed ConfigMap.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { bootstrapGitRepository } from '#shared/config/git-repository.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';
import { startLocalPipeline } from '#shared/local/runtime.ts';
import { silentLogger } from '#shared/ports/index.ts';
import { ConsoleLogger } from '#shared/adapters/local/console-logger.ts';
import { createGitRepo, getTestEnv } from '#test/env/index.ts';
import { githubPushBody, githubPushHeaders } from '#test/support/webhooks.ts';

const PUSHES = Number(process.env['BENCH_PUSHES'] ?? 30);
const TOKEN = 'bench-token-0123456789';
const FLUX_MEDIAN_MS = 840;

function app(version: number): Record<string, string> {
  const objects: unknown[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
  for (let i = 0; i < 10; i++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `config-${i}` },
      data: { 'settings.yaml': `name: app-${i}\nversion: ${i === 0 ? version : 1}\n`, LOG_LEVEL: 'info' },
    });
    if (i > 0) objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `app-${i}` } }); // 1 Namespace + 49 = 50 objects
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}` }, type: 'Opaque', stringData: { password: `pw-${i}` } });
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}`, labels: { app: `app-${i}` } },
      spec: {
        replicas: i === 0 ? 1 + (version % 3) : 2,
        selector: { matchLabels: { app: `app-${i}` } },
        template: {
          metadata: { labels: { app: `app-${i}` } },
          spec: {
            ...(i > 0 ? { serviceAccountName: `app-${i}` } : {}),
            containers: [{ name: 'main', image: `registry.example.com/app-${i}:1.0.0`, envFrom: [{ configMapRef: { name: `config-${i}` } }] }],
          },
        },
      },
    });
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `app-${i}` },
      spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
    });
  }
  return { 'app/objects.yaml': objects.map((o) => yaml.dump(o)).join('---\n') };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const env = await getTestEnv();
const ns = `bench-e2e-${Date.now().toString(36)}`;
const repo = await createGitRepo({ name: 'bench-fleet', files: { README: 'bench\n' } });
const ks = (name: string, spec: Record<string, unknown>): string =>
  yaml.dump({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
  });
await repo.commit(
  {
    'clusters/bench/app.yaml': ks('app', { path: './app', targetNamespace: ns }),
    'clusters/bench/receiver.yaml': yaml.dump({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'push', namespace: 'flux-system' },
      spec: { type: 'github', secretRef: { name: 'hook' }, resources: [{ kind: 'GitRepository', name: 'flux-system' }] },
    }),
    ...app(0),
  },
  'fleet',
);
const work = mkdtempSync(path.join(tmpdir(), 'tideline-bench-e2e-'));
const kubeconfig = env.kube.kubeconfigPath;
const { readFileSync, writeFileSync } = await import('node:fs');
// The test kubeconfig's context is `tideline-test`; the fleet's cluster is `bench`.
writeFileSync(path.join(work, 'kubeconfig'), readFileSync(kubeconfig, 'utf8').replaceAll('tideline-test', 'bench'));
const pipeline = await startLocalPipeline({
  bootstrap: bootstrapGitRepository(repo.url, { branch: 'main' }, 'bench bootstrap', { timeout: '60s' }),
  kubeconfig: path.join(work, 'kubeconfig'),
  dataDir: path.join(work, 'data'),
  secrets: { 'flux-system/hook': TOKEN },
  logger: process.env['BENCH_LOG'] === '1' ? new ConsoleLogger() : silentLogger,
  tickMs: 3_600_000,
});

const applied = new Map<string, number>();
pipeline.bus.subscribe({ source: ['tideline.apply'], 'detail-type': ['ReconcileSucceeded'] }, (envelope) => {
  const detail = envelope.detail as { kustomization: { name: string }; revision: string };
  if (detail.kustomization.name === 'app') applied.set(detail.revision, performance.now());
});
const waitApplied = async (revision: string, timeoutMs = 60_000): Promise<number> => {
  const deadline = performance.now() + timeoutMs;
  while (!applied.has(revision)) {
    if (performance.now() > deadline) throw new Error(`revision ${revision} not applied within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return applied.get(revision) as number;
};
await waitApplied(`main@sha1:${await repo.head()}`, 120_000);

const totals: number[] = [];
const split = { verify: [] as number[], fetch: [] as number[], render: [] as number[], apply: [] as number[] };
const hookUrl = `${pipeline.url}${receiverWebhookPath(TOKEN, 'push', 'flux-system')}`;
for (let push = 1; push <= PUSHES; push++) {
  const sha = await repo.commit(app(push), `push ${push}`);
  const body = githubPushBody({ sha, repository: { clone_url: repo.url } });
  const started = performance.now();
  const response = await fetch(hookUrl, {
    method: 'POST',
    headers: githubPushHeaders(body, TOKEN, randomUUID()),
    body,
  });
  await response.text();
  const answered = performance.now();
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  const done = await waitApplied(`main@sha1:${sha}`);
  totals.push(done - started);
  const status = await pipeline.deps.status.getKustomization({ cluster: 'bench', namespace: 'flux-system', name: 'app' });
  split.verify.push(answered - started);
  split.fetch.push(status?.timings?.fetchMs ?? Number.NaN);
  split.render.push(status?.timings?.renderMs ?? Number.NaN);
  split.apply.push(status?.timings?.applyMs ?? Number.NaN);
  await pipeline.idle();
}
await pipeline.stop();
rmSync(work, { recursive: true, force: true });

const p50 = percentile(totals, 50);
const p99 = percentile(totals, 99);
const median = (values: number[]): number => Math.round(percentile(values, 50) * 10) / 10;
process.stdout.write(
  [
    `push → applied, ${PUSHES} pushes of a 50-object app (local mode, real API server, signed webhooks)`,
    `  p50 ${p50.toFixed(0)} ms, p90 ${percentile(totals, 90).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...totals).toFixed(0)} ms (goal p50 ≤ 500, p99 ≤ 1500)`,
    `  split (medians): verify ${median(split.verify)} ms, fetch ${median(split.fetch)} ms, render ${median(split.render)} ms, apply ${median(split.apply)} ms`,
    `  Flux reference median ${FLUX_MEDIAN_MS} ms → ratio ${(p50 / FLUX_MEDIAN_MS).toFixed(2)}`,
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    '',
  ].join('\n'),
);
process.stdout.write(
  `${JSON.stringify({ bench: 'e2e', pushes: PUSHES, objects: 50, p50Ms: Math.round(p50), p90Ms: Math.round(percentile(totals, 90)), p99Ms: Math.round(p99), splitMedianMs: { verify: median(split.verify), fetch: median(split.fetch), render: median(split.render), apply: median(split.apply) }, fluxMedianMs: FLUX_MEDIAN_MS, ratioToFlux: Math.round((p50 / FLUX_MEDIAN_MS) * 100) / 100, goalMet: p50 <= 500 && p99 <= 1500 })}\n`,
);
process.exit(0);
