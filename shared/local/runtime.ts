/**
 * Local mode: the whole pipeline in one process — intake (an HTTP server on localhost serving
 * `/hook/<digest>`), source, render, apply, alerts and the schedule — wired by the in-process bus
 * with the same catalog patterns the AWS rules use, and the local adapters: a folder for
 * artifacts, a JSON file for status, a secrets file, kubeconfig contexts as clusters.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { FsArtifactStore } from '#shared/adapters/local/fs-artifact-store.ts';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { InProcessBus } from '#shared/adapters/local/in-process-bus.ts';
import { KubeconfigClusterRegistry } from '#shared/adapters/local/kubeconfig-cluster-registry.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { handleControlRequest } from '#shared/adapters/local/control-endpoint.ts';
import { dispatchEvent } from '#shared/alerts/dispatch.ts';
import { ALERTABLE_TYPES, isAlertable } from '#shared/alerts/notification.ts';
import { MemoryThreadStore } from '#shared/adapters/local/memory-thread-store.ts';
import type { FluxGitRepository } from '#shared/config/git-repository.ts';
import { errorMessage } from '#shared/errors/index.ts';
import { patternFor, type CatalogEvent, type DetailType, type EventDetail } from '#shared/events/catalog.ts';
import { parseEvent } from '#shared/events/parse.ts';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import { MAX_BODY_BYTES, handleWebhook, type IntakeDeps } from '#shared/intake/index.ts';
import type { ConnectionOptions } from '#shared/kube/index.ts';
import { applyRendered } from '#shared/pipeline/apply.ts';
import { ClusterClients } from '#shared/pipeline/clusters.ts';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { FleetConfiguration } from '#shared/pipeline/fleet-config.ts';
import { bootstrapSource, sourcesNamed } from '#shared/pipeline/fleet-view.ts';
import { handleKustomizationRequest, handleRenderRequested, handleSourceChanged } from '#shared/pipeline/render.ts';
import { runSchedule } from '#shared/pipeline/schedule.ts';
import { handleGitPush, syncSources } from '#shared/pipeline/source.ts';
import { systemClock, type Clock, type Logger } from '#shared/ports/index.ts';
import { DEFAULT_DRIFT_SETTINGS, closeDriftClients, runDriftShard, startDriftSweep, type DriftSettings } from '#shared/drift/index.ts';
import { KeyedApplyQueue } from './apply-queue.ts';

export interface LocalPipelineOptions {
  /** The fleet repository (its GitRepository), followed by every cluster's root. */
  bootstrap: FluxGitRepository;
  /** Kubeconfig file(s): each context is a cluster, named like `clusters/<name>/`. */
  kubeconfig: string | readonly string[];
  /** Where artifacts, status, the Git cache and `dev.json` live. */
  dataDir: string;
  /** Secrets file (webhook tokens, Git credentials, provider addresses), as for `tideline receivers`. */
  secretsFile?: string;
  /** Secret values given directly (the embedded default's); the file and `TIDELINE_SECRET_*` override them. */
  secrets?: Readonly<Record<string, string>>;
  /** Port of the HTTP server (default: a free one). */
  port?: number;
  logger: Logger;
  clock?: Clock;
  /** How often the schedule runs (default 1 s: intervals are checked, not waited for). */
  tickMs?: number;
  connection?: ConnectionOptions;
  shardSize?: number;
  /** How often the drift sweep runs (default 5 minutes; 0 turns it off). */
  driftIntervalMs?: number;
  /** The drift sweep's shard size, concurrency and per-cluster deadline (defaults of `shared/drift`). */
  drift?: Partial<DriftSettings>;
}

export interface LocalPipeline {
  /** `http://127.0.0.1:<port>`: webhooks at `/hook/<digest>`, the CLI's control endpoint at `/control/events`. */
  url: string;
  deps: PipelineDeps;
  bus: InProcessBus;
  /** Resolves when no event, render or apply is in flight. */
  idle(): Promise<void>;
  /** Stops the server, the timer and the queues; work in flight finishes first. */
  stop(): Promise<void>;
}

function keyOfRendered(detail: EventDetail<'ManifestsRendered'>): string {
  return `${detail.cluster}/${detail.kustomization.namespace}/${detail.kustomization.name}`;
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Starts local mode; the first sync of every source begins at once. */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  mkdirSync(options.dataDir, { recursive: true });
  const bus = new InProcessBus({
    clock,
    onError: (error, envelope) => logger.error('handler failed', { event: envelope['detail-type'], error: errorMessage(error) }),
  });
  const artifacts = new FsArtifactStore(path.join(options.dataDir, 'artifacts'));
  const secrets = new LocalSecretStore({
    ...(options.secretsFile ? { file: options.secretsFile } : {}),
    ...(options.secrets ? { values: options.secrets } : {}),
    env: process.env,
  });
  const clusters = new KubeconfigClusterRegistry({ path: options.kubeconfig });
  const connection = options.connection;
  const deps: PipelineDeps = {
    bus,
    git: new IsomorphicGitSource({ cacheDir: path.join(options.dataDir, 'git-cache'), clock }),
    artifacts,
    status: new FileStatusStore(path.join(options.dataDir, 'status.json')),
    secrets,
    clusters,
    fleet: new FleetStore(artifacts),
    kube: new ClusterClients({ clusters, clock, ...(connection ? { connection } : {}) }),
    clock,
    logger,
    bootstrap: options.bootstrap,
    ...(options.connection ? { connection: options.connection } : {}),
    ...(options.shardSize ? { shardSize: options.shardSize } : {}),
  };

  const applyQueue = new KeyedApplyQueue<EventDetail<'ManifestsRendered'>>((detail) => applyRendered(detail, deps), {
    onError: (error, key) => logger.error('apply failed unexpectedly', { kustomization: key, error: errorMessage(error) }),
  });
  const on = <T extends DetailType>(type: T, work: (detail: EventDetail<T>) => Promise<unknown>): void => {
    bus.subscribe(patternFor(type), async (envelope) => {
      await work(parseEvent(type, envelope).detail);
    });
  };
  on('GitPushReceived', (detail) => handleGitPush(detail, deps));
  on('SourceChanged', (detail) => handleSourceChanged(detail, deps));
  on('RenderRequested', (detail) => handleRenderRequested(detail, deps));
  on('ReconcileRequested', async (detail) => {
    if (detail.object.kind === 'Kustomization') return handleKustomizationRequest(detail, deps);
    const sources = sourcesNamed(await deps.fleet.load(), deps.bootstrap, detail.object, detail.cluster);
    return syncSources(sources, deps, { correlationId: detail.correlationId, force: true });
  });
  on('ManifestsRendered', async (detail) => applyQueue.enqueue(keyOfRendered(detail), { value: detail, order: detail.order ?? 0 }));
  // The drift sweep: the timer below starts it, its shards come back over the bus as in AWS.
  const driftSettings: DriftSettings = { ...DEFAULT_DRIFT_SETTINGS, ...options.drift };
  on('DriftCheckRequested', (detail) => runDriftShard(detail, deps, driftSettings));

  // Alerts and intake: configuration from the fleet snapshot, so a commit that changes an Alert or adds a Receiver works at once.
  const configuration = new FleetConfiguration(deps.fleet, { clock });
  const dedup = new MemoryTtlStore(clock);
  const threads = new MemoryThreadStore();
  bus.subscribe(patternFor(...ALERTABLE_TYPES), async (envelope) => {
    const event = { detailType: envelope['detail-type'], source: envelope.source, detail: envelope.detail } as CatalogEvent;
    if (!isAlertable(event)) return;
    const report = await dispatchEvent(event, { config: await configuration.alerting(), secrets, dedup, threads, clock });
    for (const delivery of report.deliveries) {
      if (delivery.outcome === 'sent') logger.info('alert sent', { alert: delivery.alert, provider: delivery.provider, event: event.detailType });
      else if (delivery.outcome === 'failed') logger.warn('alert failed', { alert: delivery.alert, provider: delivery.provider, error: delivery.error ?? '' });
    }
  });

  // Intake: Receivers come from the fleet snapshot; the routing table is rebuilt when they change.
  const intakeDeps = async (): Promise<IntakeDeps> => ({
    receivers: await configuration.receiverDirectory(secrets, { logger, minRefreshIntervalMs: 1_000 }),
    bus,
    deliveries: dedup,
    clock,
    logger,
  });

  const token = randomBytes(24).toString('hex');
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      // A body over the intake's limit is cut off there; the handlers then answer 413 without reading more.
      const body = (await readBody(request, MAX_BODY_BYTES + 1)) ?? Buffer.alloc(MAX_BODY_BYTES + 1);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      let status: number;
      let text: string;
      let extra: Record<string, string> = {};
      if (url.pathname.startsWith('/hook/')) {
        const answer = await handleWebhook({ method: request.method ?? 'GET', path: url.pathname, headers, body }, await intakeDeps());
        ({ status } = answer);
        text = answer.body;
        extra = answer.headers ?? {};
        logger.info('webhook', { status, path: `${url.pathname.slice(0, 18)}…`, answer: (JSON.parse(answer.body) as { status?: string }).status ?? '' });
      } else if (url.pathname.startsWith('/control/')) {
        const answer = await handleControlRequest({ method: request.method ?? 'GET', path: url.pathname, headers, body }, { bus, token });
        ({ status } = answer);
        text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      } else if (url.pathname === '/healthz') {
        status = 200;
        text = '{"status":"ok"}';
      } else {
        status = 404;
        text = '{"status":"rejected","reason":"not found"}';
      }
      response.writeHead(status, { 'content-type': 'application/json', ...extra });
      response.end(text);
    })().catch((error: unknown) => {
      logger.error('http request failed', { error: errorMessage(error) });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"status":"error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const devFile = path.join(options.dataDir, 'dev.json');
  writeFileSync(devFile, `${JSON.stringify({ url, token, pid: process.pid }, null, 2)}\n`, { mode: 0o600 });

  let ticking: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    ticking ??= runSchedule(deps)
      .catch((error: unknown) => logger.error('schedule failed', { error: errorMessage(error) }))
      .finally(() => (ticking = undefined));
  }, options.tickMs ?? 1_000);

  let sweeping: Promise<unknown> | undefined;
  const driftIntervalMs = options.driftIntervalMs ?? 300_000;
  const driftTimer =
    driftIntervalMs > 0
      ? setInterval(() => {
          sweeping ??= startDriftSweep(deps, driftSettings)
            .catch((error: unknown) => logger.error('drift sweep failed', { error: errorMessage(error) }))
            .finally(() => (sweeping = undefined));
        }, driftIntervalMs)
      : undefined;

  // The first sync: resolve the bootstrap source, which renders every cluster's root.
  void syncSources([bootstrapSource(deps.bootstrap)], deps, { correlationId: `start-${randomBytes(4).toString('hex')}`, force: true }).catch((error: unknown) =>
    logger.error('first sync failed', { error: errorMessage(error) }),
  );

  const idle = async (): Promise<void> => {
    // Work starts more work (a render emits, an apply wakes dependents): settle until nothing moves.
    do {
      await bus.drain();
      await applyQueue.idle();
      if (ticking) await ticking;
      if (sweeping) await sweeping;
    } while (bus.busy || applyQueue.busy);
  };
  return {
    url,
    deps,
    bus,
    idle,
    stop: async () => {
      clearInterval(timer);
      if (driftTimer) clearInterval(driftTimer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ticking) await ticking;
      if (sweeping) await sweeping;
      await bus.drain();
      await applyQueue.stop();
      await deps.kube.close();
      closeDriftClients();
      rmSync(devFile, { force: true });
    },
  };
}
