// A small fleet for the drift tests and the drift benchmark: clusters as kubeconfig contexts (any
// number of them per API server), Kustomizations applied to them the way the pipeline applies
// (bundle stored by digest in a folder artifact store, inventory written by the apply engine,
// the Kustomization recorded in the fleet snapshot), and the drift sweep's dependencies over the
// local adapters, with every published event and log line kept for assertions.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '#shared/adapters/local/fs-artifact-store.ts';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { KubeconfigClusterRegistry } from '#shared/adapters/local/kubeconfig-cluster-registry.ts';
import { parseKustomization } from '#shared/config/kustomization.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { closeDriftClients, type DriftDeps } from '#shared/drift/index.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { FLEET_SNAPSHOT_FORMAT, emptyClusterFleet, type ClusterFleet, type FleetSnapshot } from '#shared/fleet/index.ts';
import { ClusterClient, endpointFromClusterRecord, reconcileObjects, requestFromKustomization } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { FLEET_SNAPSHOT_KEY, FleetStore } from '#shared/pipeline/fleet-store.ts';
import { bundleKey } from '#shared/pipeline/render.ts';
import { systemClock, type Logger } from '#shared/ports/index.ts';
import { fleetKubeconfig } from '#test/support/kubeconfig.ts';

/** A cluster of the fleet: a context on some API server, with its own token. */
export interface FleetCluster {
  name: string;
  server: string;
  caData: string;
  token: string;
}

/** A Kustomization to deploy to a cluster. */
export interface DeployOptions {
  name: string;
  objects: KubeObject[];
  annotations?: Record<string, string>;
  revision?: string;
  /** Apply through this cluster's credentials (e.g. before the cluster's own token was revoked). */
  applyThrough?: string;
  /** Skip the dry-run validation of a first apply (the benchmark's set-up). */
  validate?: false;
}

export interface DriftFleet {
  deps: DriftDeps;
  /** Every event published so far. */
  events: CatalogEvent[];
  /** Every log line so far, as JSON text (message and attributes). */
  logs: string[];
  kubeconfigPath: string;
  dataDir: string;
  /** Applies a Kustomization to a cluster as the pipeline does; returns its Flux object. */
  deploy(cluster: string, options: DeployOptions): Promise<FluxKustomization>;
  /** A client of a cluster (closed by {@link DriftFleet.close}). */
  client(cluster: string, fieldManager?: string): Promise<ClusterClient>;
  close(): Promise<void>;
}

/** A Flux Kustomization named `name` in `flux-system`. */
export function fluxKustomization(name: string, annotations?: Record<string, string>): FluxKustomization {
  return parseKustomization({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system', ...(annotations ? { annotations } : {}) },
    spec: { interval: '10m', path: `./apps/${name}`, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
  });
}

/** Creates the fleet's files (kubeconfig with one context per cluster, data directory). */
export async function createDriftFleet(clusters: readonly FleetCluster[]): Promise<DriftFleet> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tideline-drift-'));
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  await writeFile(kubeconfigPath, JSON.stringify(fleetKubeconfig(clusters, clusters[0]?.name ?? '')), { mode: 0o600 });
  const events: CatalogEvent[] = [];
  const logs: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      void logs.push(JSON.stringify({ level, message, ...Object.assign({}, ...attributes) }));
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const artifacts = new FsArtifactStore(join(dataDir, 'artifacts'));
  const registry = new KubeconfigClusterRegistry({ path: kubeconfigPath });
  const deps: DriftDeps = {
    bus: { publish: async (published) => (events.push(...published), { published: published.length, failed: [] }) },
    artifacts,
    status: new FileStatusStore(join(dataDir, 'status.json')),
    clusters: registry,
    fleet: new FleetStore(artifacts),
    clock: systemClock,
    logger,
  };
  const snapshot: FleetSnapshot = { format: FLEET_SNAPSHOT_FORMAT, clusters: {} };
  const clients: ClusterClient[] = [];
  const client = async (cluster: string, fieldManager?: string): Promise<ClusterClient> => {
    const made = new ClusterClient(await endpointFromClusterRecord(await registry.get(cluster)), fieldManager ? { fieldManager } : {});
    clients.push(made);
    return made;
  };
  // Snapshot writes are serialised: deploys may run concurrently.
  let writing: Promise<unknown> = Promise.resolve();
  return {
    deps,
    events,
    logs,
    kubeconfigPath,
    dataDir,
    client,
    deploy: async (cluster, options) => {
      const kustomization = fluxKustomization(options.name, options.annotations);
      const body = Buffer.from(JSON.stringify({ objects: options.objects }));
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      await artifacts.put(bundleKey(digest), body);
      const applier = await client(options.applyThrough ?? cluster);
      const revision = options.revision ?? `main@sha1:${'a'.repeat(40)}`;
      const result = await reconcileObjects(applier, {
        ...requestFromKustomization(kustomization, { objects: options.objects, revision, digest }),
        ...(options.validate === false ? { validate: false } : {}),
      });
      if (result.failure) throw new Error(`deploy of ${options.name} to ${cluster} failed: ${result.changeSet.errors.map((e) => e.message).join('; ')}`);
      const key = `flux-system/${options.name}`;
      const tree: ClusterFleet = snapshot.clusters[cluster] ?? emptyClusterFleet(key, 'synthetic');
      tree.kustomizations[key] = { object: kustomization };
      snapshot.clusters[cluster] = tree;
      writing = writing.then(() => artifacts.put(FLEET_SNAPSHOT_KEY, Buffer.from(JSON.stringify(snapshot))));
      await writing;
      return kustomization;
    },
    close: async () => {
      for (const c of clients) c.close();
      closeDriftClients();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
