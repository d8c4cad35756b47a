// The pipeline end to end in local mode, on real components: the shared test cluster as `dev`, a
// private API server as `prod`, fleet and app repositories on the test Git HTTP server, a real
// HTTP server standing in for Slack, and signed GitHub webhooks sent to the pipeline's intake.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { ConsoleLogger } from '#shared/adapters/local/console-logger.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';
import { ClusterClient, endpointFromKubeconfigFile, type KubeObject } from '#shared/kube/index.ts';
import { startLocalPipeline, type LocalPipeline } from '#shared/local/runtime.ts';
import { silentLogger, type Clock, type KustomizationStatus, type Logger } from '#shared/ports/index.ts';
import { fleetKubeconfig } from '#test/support/kubeconfig.ts';
import { githubPushBody, githubPushHeaders } from '#test/support/webhooks.ts';
import { createGitRepo, getTestEnv, startPrivateKubeApiServer, type PrivateKubeApiServer, type TestGitRepo } from '#test/env/index.ts';

/** A clock on real time that a test can move forward (intervals come due without waiting). */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** A Slack-like incoming-webhook server that keeps what it receives. */
export async function startSlackServer(): Promise<{ url: string; messages: string[]; stop(): Promise<void> }> {
  const messages: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      messages.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/services/T0/B0/x`,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Everything a scenario needs. */
export interface FleetHarness {
  pipeline: LocalPipeline;
  /** Every line the pipeline logged (message and attributes as JSON). */
  logLines: string[];
  /** Every event on the bus, as JSON envelopes. */
  events: string[];
  /** The value the dev cluster's `cluster-vars` ConfigMap gives `region`. */
  region: string;
  dataDir: string;
  clock: ReturnType<typeof movableClock>;
  fleet: TestGitRepo;
  app: TestGitRepo;
  /** Namespaces the fleet's apps and the tenant live in. */
  ns: string;
  tenantNs: string;
  slack: Awaited<ReturnType<typeof startSlackServer>>;
  dev: ClusterClient;
  prod: ClusterClient;
  /** Sends the signed GitHub push webhook of `repo` at its current head (or `sha`) to the fleet's Receiver; returns the HTTP status. */
  webhook(repo: TestGitRepo, receiver: { name: string; token: string }, options?: { ref?: string; sha?: string }): Promise<number>;
  /** Commits to the fleet repository, sends its webhook and waits until the pipeline is idle; returns the commit. */
  push(files: Record<string, string | null>, message: string): Promise<string>;
  status(cluster: string, name: string, namespace?: string): Promise<KustomizationStatus | undefined>;
  get(client: ClusterClient, kind: string, name: string, namespace?: string, apiVersion?: string): Promise<KubeObject | undefined>;
  stop(): Promise<void>;
}

export const FLEET_TOKEN = `fleet-${randomBytes(8).toString('hex')}`;
export const APP_TOKEN = `app-${randomBytes(8).toString('hex')}`;

/** The fleet repository's files: two clusters bootstrapped like Flux, an infrastructure layer, apps with overlays, a tenant from another repository. */
export function fleetFiles(urls: { fleet: string; app: string }, ns: string, tenantNs: string): Record<string, string> {
  const doc = (...objects: unknown[]): string => objects.map((object) => yaml.dump(object)).join('---\n');
  const ks = (name: string, spec: Record<string, unknown>): unknown => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
  });
  const gitRepository = (name: string, url: string, ref: Record<string, string>): unknown => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '1m', url, ref },
  });
  const files: Record<string, string> = {};
  for (const cluster of ['dev', 'prod']) {
    files[`clusters/${cluster}/flux-system/gotk-sync.yaml`] = doc(
      gitRepository('flux-system', urls.fleet, cluster === 'dev' ? { branch: 'main' } : { tag: 'prod' }),
      ks('flux-system', { path: `./clusters/${cluster}` }),
    );
    files[`clusters/${cluster}/flux-system/gotk-components.yaml`] = doc(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'flux-system', labels: { 'app.kubernetes.io/instance': 'flux-system', 'app.kubernetes.io/part-of': 'flux' } },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'source-controller',
          namespace: 'flux-system',
          labels: { 'app.kubernetes.io/instance': 'flux-system', 'app.kubernetes.io/part-of': 'flux', 'app.kubernetes.io/component': 'source-controller' },
        },
        spec: {
          selector: { matchLabels: { app: 'source-controller' } },
          template: {
            metadata: { labels: { app: 'source-controller' } },
            spec: { containers: [{ name: 'manager', image: 'ghcr.io/fluxcd/source-controller:v1.7.0' }] },
          },
        },
      },
    );
    files[`clusters/${cluster}/flux-system/kustomization.yaml`] = doc({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['gotk-components.yaml', 'gotk-sync.yaml'],
    });
    files[`clusters/${cluster}/infrastructure.yaml`] = doc(ks('infrastructure', { path: './infrastructure' }));
    files[`clusters/${cluster}/apps.yaml`] = doc(
      ks('apps', {
        path: `./apps/${cluster}`,
        targetNamespace: ns,
        dependsOn: [{ name: 'infrastructure' }],
        interval: '1m',
        retryInterval: '30s',
        postBuild: cluster === 'dev' ? { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }] } : { substitute: { region: 'us-1' } },
      }),
    );
  }
  files['clusters/dev/notifications.yaml'] = doc(
    {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'fleet-push', namespace: 'flux-system' },
      spec: { type: 'github', events: ['push'], secretRef: { name: 'fleet-webhook' }, resources: [{ kind: 'GitRepository', name: 'flux-system' }] },
    },
    {
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name: 'slack', namespace: 'flux-system' },
      spec: { type: 'slack', channel: 'fleet', secretRef: { name: 'slack-url' } },
    },
    {
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Alert',
      metadata: { name: 'errors', namespace: 'flux-system' },
      spec: { providerRef: { name: 'slack' }, eventSeverity: 'error', eventSources: [{ kind: 'Kustomization', name: '*' }] },
    },
  );
  files['clusters/dev/tenants.yaml'] = doc(ks('tenants', { path: './tenants' }));
  files['tenants/team-a.yaml'] = doc(
    {
      ...(gitRepository('team-a', urls.app, { branch: 'main' }) as { spec: object }),
      spec: { ...(gitRepository('team-a', urls.app, { branch: 'main' }) as { spec: object }).spec, secretRef: { name: 'team-a-auth' } },
    },
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'team-a', namespace: 'flux-system' },
      spec: { interval: '10m', prune: true, path: './deploy', targetNamespace: tenantNs, sourceRef: { kind: 'GitRepository', name: 'team-a' } },
    },
  );
  files['infrastructure/kustomization.yaml'] = doc({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['namespaces.yaml'] });
  files['infrastructure/namespaces.yaml'] = doc(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenantNs } },
  );
  files['apps/base/kustomization.yaml'] = doc({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['web.yaml', 'settings.yaml'],
  });
  files['apps/base/web.yaml'] = WEB;
  files['apps/base/settings.yaml'] = SETTINGS;
  for (const [cluster, replicas, tag] of [
    ['dev', 2, '1.27.1'],
    ['prod', 3, '1.27.0'],
  ] as const) {
    files[`apps/${cluster}/kustomization.yaml`] = overlay(cluster, replicas, tag);
  }
  return files;
}

/** The app's base: its Deployment (nginx 1.27.0, one replica) and Service. */
export const WEB =
  yaml.dump({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27.0' }] } },
    },
  }) +
  '---\n' +
  yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });

/** The app's ConfigMap: `region` comes from the dev cluster's `cluster-vars` ConfigMap (postBuild.substituteFrom). */
export const SETTINGS = yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { greeting: 'hello ${region:=nowhere}' } });

/** The overlay of `cluster` with other replicas and tag. */
export function overlay(cluster: string, replicas: number, tag: string): string {
  return yaml.dump({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['../base'],
    namePrefix: `${cluster}-`,
    images: [{ name: 'nginx', newTag: tag }],
    replicas: [{ name: 'web', count: replicas }],
  });
}

/** Starts the whole pipeline on a fresh fleet; the first sync has finished when it resolves. */
export async function startFleetHarness(): Promise<FleetHarness> {
  const env = await getTestEnv();
  const suffix = randomBytes(3).toString('hex');
  const ns = `e2e-apps-${suffix}`;
  const tenantNs = `e2e-team-${suffix}`;
  const prodServer: PrivateKubeApiServer = await startPrivateKubeApiServer();
  const work = mkdtempSync(path.join(tmpdir(), 'tideline-e2e-'));
  const kubeconfig = path.join(work, 'kubeconfig');
  const plane = (name: string, connection: { server: string; caData: string; token: string }) => ({
    name,
    server: connection.server,
    caData: connection.caData,
    token: connection.token,
  });
  const planes = [plane('dev', env.kube), plane('prod', prodServer)];
  writeFileSync(kubeconfig, yaml.dump(fleetKubeconfig(planes, 'dev')));
  const app = await createGitRepo({
    name: 'team-a',
    auth: true,
    files: { 'deploy/config.yaml': yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'team-a' }, data: { version: '1' } }) },
  });
  const fleet = await createGitRepo({ name: 'fleet', files: { 'README.md': 'fleet\n' } });
  await fleet.commit(fleetFiles({ fleet: fleet.url, app: app.url }, ns, tenantNs), 'Fleet');
  await fleet.tag('prod');
  const slack = await startSlackServer();
  const clock = movableClock();
  const logLines: string[] = [];
  // postBuild.substituteFrom reads this ConfigMap from the dev cluster, in the Kustomization's namespace.
  const core = env.kube.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'flux-system' } } }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  await core.createNamespacedConfigMap({ namespace: 'flux-system', body: { metadata: { name: 'cluster-vars' }, data: { region: `eu-${suffix}` } } });
  const pipeline = await startLocalPipeline({
    bootstrap: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', url: fleet.url, ref: { branch: 'main' }, timeout: '60s' },
    } as never,
    kubeconfig,
    dataDir: path.join(work, 'data'),
    secrets: {
      'flux-system/fleet-webhook': FLEET_TOKEN,
      'flux-system/team-a-webhook': APP_TOKEN,
      'flux-system/slack-url': JSON.stringify({ address: slack.url }),
      'flux-system/team-a-auth': JSON.stringify({ username: app.username, password: app.password }),
    },
    logger: recorder(process.env['TIDELINE_E2E_LOG'] === '1' ? new ConsoleLogger({ level: 'debug' }) : silentLogger, logLines),
    shardSize: 2,
    clock,
    tickMs: 3_600_000,
  });
  await waitUntil(
    async () => (await pipeline.deps.status.listKustomizations()).some((s) => s.name === 'apps' && s.cluster === 'prod' && s.lastAppliedRevision !== undefined),
    60_000,
    pipeline,
  );
  const dev = new ClusterClient(await endpointFromKubeconfigFile(kubeconfig, 'dev'));
  const prod = new ClusterClient(await endpointFromKubeconfigFile(kubeconfig, 'prod'));

  const events: string[] = [];
  pipeline.bus.subscribe(
    {
      source: ['tideline.intake', 'tideline.source', 'tideline.render', 'tideline.apply', 'tideline.control'],
      'detail-type': [
        'GitPushReceived',
        'SourceChanged',
        'RenderRequested',
        'ManifestsRendered',
        'RenderFailed',
        'ReconcileSucceeded',
        'ReconcileFailed',
        'HealthCheckFailed',
        'ClusterUnreachable',
        'ReconcileRequested',
      ],
    },
    (envelope) => void events.push(JSON.stringify(envelope)),
  );
  const harness: FleetHarness = {
    pipeline,
    logLines,
    events,
    region: `eu-${suffix}`,
    dataDir: path.join(work, 'data'),
    clock,
    fleet,
    app,
    ns,
    tenantNs,
    slack,
    dev,
    prod,
    webhook: async (repo, receiver, hookOptions = {}) => {
      const ref = hookOptions.ref ?? 'refs/heads/main';
      const after = hookOptions.sha ?? (await repo.head());
      const body = githubPushBody({ ref, sha: after, repository: { full_name: 'test/repo', clone_url: repo.url }, pusher: { name: 'test' } });
      const response = await fetch(`${pipeline.url}${receiverWebhookPath(receiver.token, receiver.name, 'flux-system')}`, {
        method: 'POST',
        headers: githubPushHeaders(body, receiver.token, randomUUID()),
        body,
      });
      await response.text();
      return response.status;
    },
    push: async (files, message) => {
      const sha = await fleet.commit(files, message);
      const status = await harness.webhook(fleet, { name: 'fleet-push', token: FLEET_TOKEN });
      if (status !== 200) throw new Error(`webhook answered ${status}`);
      await pipeline.idle();
      return sha;
    },
    status: (cluster, name, namespace = 'flux-system') => pipeline.deps.status.getKustomization({ cluster, namespace, name }),
    get: (client, kind, name, namespace, apiVersion) =>
      client.get({ apiVersion: apiVersion ?? (kind === 'Deployment' ? 'apps/v1' : 'v1'), kind, name, ...(namespace ? { namespace } : {}) }) as Promise<
        KubeObject | undefined
      >,
    stop: async () => {
      await pipeline.stop();
      dev.close();
      prod.close();
      await slack.stop();
      await prodServer.stop();
      await Promise.allSettled([
        core.deleteNamespace({ name: ns }),
        core.deleteNamespace({ name: tenantNs }),
        core.deleteNamespacedConfigMap({ namespace: 'flux-system', name: 'cluster-vars' }),
      ]);
      rmSync(work, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A logger that keeps every line (to check that no secret is ever logged) and passes it on. */
function recorder(next: Logger, lines: string[]): Logger {
  const keep =
    (level: keyof Logger) =>
    (message: string, ...attributes: Record<string, unknown>[]): void => {
      lines.push(`${level} ${message} ${JSON.stringify(attributes)}`);
      next[level](message, ...attributes);
    };
  return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** Polls `probe` (letting the pipeline settle in between) until it is true. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, pipeline?: LocalPipeline): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    if (pipeline) await pipeline.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
