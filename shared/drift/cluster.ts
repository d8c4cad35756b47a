/**
 * The drift check of one cluster: which of its Kustomizations applied what (their inventories, in
 * the cluster), the bundles they applied (artifact store, by digest), then one LIST per kind for
 * all of them and a request only for objects the managed-fields comparison cannot clear
 * (`checkDrift`). The inventories come with the first LIST — of ConfigMaps, the kind an inventory
 * is — so a cluster in sync costs one request per kind its bundles hold.
 */
import { errorMessage, InvalidInputError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import type { UnreachableReason } from '#shared/events/catalog.ts';
import { kustomizationsOf, reconcileAccess } from '#shared/fleet/index.ts';
import type { FleetSnapshot } from '#shared/fleet/index.ts';
import {
  ClusterClient,
  INVENTORY_NAMESPACE,
  checkDrift,
  endpointFromClusterRecord,
  inventoryName,
  listOwnedObjects,
  parseInventory,
  requestFromKustomization,
} from '#shared/kube/index.ts';
import type { DriftFinding, DriftTarget, KubeObject, ObjectError, OwnerRef } from '#shared/kube/index.ts';
import type { DriftMode } from '#shared/events/catalog.ts';
import type { KustomizationKey } from '#shared/ports/index.ts';
import { bundleKey, type StoredBundle } from '#shared/pipeline/render.ts';
import type { DriftDeps } from './deps.ts';
import { driftModeOf } from './mode.ts';

/** The outcome of one Kustomization in one cluster. */
export interface KustomizationDrift {
  key: KustomizationKey;
  mode: DriftMode;
  /** The revision the inventory records (what the cluster should hold). */
  revision: string;
  digest: string;
  checked: number;
  drifted: DriftFinding[];
  errors: ObjectError[];
}

/** What checking one cluster found. */
export type ClusterDrift =
  | {
      cluster: string;
      outcome: 'checked';
      kustomizations: KustomizationDrift[];
      skipped: { key: KustomizationKey; reason: string }[];
      requests: number;
      discoveryRequests: number;
      durationMs: number;
    }
  | { cluster: string; outcome: 'unreachable'; reason: UnreachableReason; message: string; requests: number; discoveryRequests: number; durationMs: number };

/**
 * Clients kept while the process is warm (a Lambda container, local mode), one per cluster and
 * record: discovery and sockets are reused, so a cluster in sync costs one LIST per kind from the
 * second sweep on. A client whose check timed out is closed and forgotten.
 */
const clients = new Map<string, { fingerprint: string; client: ClusterClient }>();

/** Closes every kept client (the command line and tests, when done). */
export function closeDriftClients(): void {
  for (const { client } of clients.values()) client.close();
  clients.clear();
}

const DISCOVERY = 'GET discovery';

/** Options of one cluster's check. */
export interface ClusterCheckOptions {
  /** The check gives up after this long: the cluster is reported `Timeout`. */
  deadlineMs: number;
  /** The fleet as the last render recorded it (which Kustomizations target the cluster, and their specs). */
  snapshot: FleetSnapshot;
  /** Override every Kustomization's mode (the command line's `--correct` / default detect). */
  mode?: DriftMode;
  /** The record version the sweep listed: a cached record of that version is used without reading it again. */
  recordVersion?: string;
}

/**
 * Checks one cluster within its deadline; never throws for the cluster's own failures (those are
 * an `unreachable` outcome with the reason), so one bad cluster cannot stop a shard.
 */
export async function checkCluster(cluster: string, deps: DriftDeps, options: ClusterCheckOptions): Promise<ClusterDrift> {
  const started = deps.clock.now();
  const controller = new AbortController();
  let client: ClusterClient | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineError(`no answer within the drift check's deadline of ${options.deadlineMs} ms`));
    }, options.deadlineMs);
  });
  let before = { requests: 0, discovery: 0 };
  const work = (async () => {
    const targets = await activeTargets(cluster, deps, options.snapshot);
    if (targets.length === 0) return { kustomizations: [], skipped: [] };
    const record = await deps.clusters.get(cluster, options.recordVersion !== undefined ? { version: options.recordVersion } : {});
    const fingerprint = JSON.stringify(record.access);
    const kept = clients.get(cluster);
    if (kept?.fingerprint === fingerprint) client = kept.client;
    else {
      kept?.client.close();
      const endpoint = await endpointFromClusterRecord(record, { ...deps.connection, clock: deps.clock });
      // A dead or hung cluster must fail fast: short per-request timeouts, few retries.
      client = new ClusterClient(endpoint, {
        clock: deps.clock,
        maxAttempts: 2,
        requestTimeoutMs: Math.max(1_000, Math.min(10_000, Math.floor(options.deadlineMs / 2))),
      });
      clients.set(cluster, { fingerprint, client });
    }
    before = { requests: client.requestCount, discovery: client.requestsByVerb.get(DISCOVERY) ?? 0 };
    return checkTargets(client, cluster, targets, deps, options, controller.signal);
  })();
  const counts = () => {
    const discoveryRequests = (client?.requestsByVerb.get(DISCOVERY) ?? 0) - before.discovery;
    return { requests: (client?.requestCount ?? 0) - before.requests - discoveryRequests, discoveryRequests };
  };
  try {
    const found = await Promise.race([work, timeout]);
    return { cluster, outcome: 'checked', ...found, ...counts(), durationMs: deps.clock.now() - started };
  } catch (error) {
    work.catch(() => undefined); // after a deadline the abandoned check ends on its own: its client is closed
    const result = {
      cluster,
      outcome: 'unreachable' as const,
      reason: reasonOf(error),
      message: errorMessage(error).slice(0, 4000),
      ...counts(),
      durationMs: deps.clock.now() - started,
    };
    if (client) {
      client.close();
      if (clients.get(cluster)?.client === client) clients.delete(cluster);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

class DeadlineError extends TransientError {}

/** Why a cluster could not be checked, for ClusterUnreachable. */
export function reasonOf(error: unknown): UnreachableReason {
  if (error instanceof DeadlineError) return 'Timeout';
  if (error instanceof UnauthorizedError) return 'Unauthorized';
  return 'Unreachable';
}

interface ActiveTarget {
  key: KustomizationKey;
  kustomization: ReturnType<typeof kustomizationsOf>[number]['kustomization'];
}

/** The cluster's Kustomizations in the fleet that are not suspended (in Git or by `tideline suspend`). */
async function activeTargets(cluster: string, deps: DriftDeps, snapshot: FleetSnapshot): Promise<ActiveTarget[]> {
  const entries = kustomizationsOf(snapshot, cluster);
  if (entries.length === 0) return [];
  const suspended = new Set((await deps.status.listKustomizations({ cluster })).filter((s) => s.suspended).map((s) => `${s.namespace}/${s.name}`));
  return entries
    .filter((e) => !e.kustomization.spec.suspend && !suspended.has(`${e.kustomization.metadata.namespace}/${e.kustomization.metadata.name}`))
    .map((e) => ({ key: { cluster, namespace: e.kustomization.metadata.namespace, name: e.kustomization.metadata.name }, kustomization: e.kustomization }));
}

async function checkTargets(
  client: ClusterClient,
  cluster: string,
  targets: ActiveTarget[],
  deps: DriftDeps,
  options: ClusterCheckOptions,
  signal: AbortSignal,
): Promise<{ kustomizations: KustomizationDrift[]; skipped: { key: KustomizationKey; reason: string }[] }> {
  const owners: OwnerRef[] = targets.map((t) => ({ name: t.key.name, namespace: t.key.namespace }));
  // The inventories are ConfigMaps carrying the owner labels: the ConfigMap LIST brings them.
  const configMaps = await listOwnedObjects(client, owners, 'v1', 'ConfigMap');
  const inventories = new Map<string, KubeObject>();
  for (const item of configMaps) if (item.metadata.namespace === INVENTORY_NAMESPACE) inventories.set(item.metadata.name, item);
  const skipped: { key: KustomizationKey; reason: string }[] = [];
  const failed: KustomizationDrift[] = [];
  const planned: { target: ActiveTarget; drift: DriftTarget; mode: DriftMode; revision: string; digest: string }[] = [];
  await Promise.all(
    targets.map(async (target) => {
      const owner = { name: target.key.name, namespace: target.key.namespace };
      const stored = inventories.get(inventoryName(owner));
      if (!stored) return void skipped.push({ key: target.key, reason: 'never applied to this cluster' });
      let mode: DriftMode = 'correct';
      let revision = '';
      let digest = '';
      try {
        const inventory = parseInventory(stored);
        revision = inventory.revision;
        if (!inventory.digest) return void skipped.push({ key: target.key, reason: 'applied without a bundle digest (by the command line)' });
        digest = inventory.digest;
        mode = options.mode ?? driftModeOf(target.kustomization);
        const objects = (JSON.parse(Buffer.from(await deps.artifacts.get(bundleKey(digest))).toString('utf8')) as StoredBundle).objects;
        const access = reconcileAccess(options.snapshot, cluster, `${owner.namespace}/${owner.name}`);
        if (access.sourceRefProblem) throw new InvalidInputError(access.sourceRefProblem);
        const { serviceAccountName: _asWritten, ...fromGit } = requestFromKustomization(target.kustomization, { objects, revision, digest });
        const request = access.identity.impersonate ? { ...fromGit, serviceAccountName: access.identity.name } : fromGit;
        planned.push({ target, mode, revision, digest, drift: { ...request, correct: mode === 'correct' } });
      } catch (error) {
        if (error instanceof TransientError && !(error instanceof InvalidInputError)) throw error;
        failed.push({ key: target.key, mode, revision, digest, checked: 0, drifted: [], errors: [{ message: errorMessage(error).slice(0, 4000) }] });
      }
    }),
  );
  const results = await checkDrift(
    client,
    planned.map((p) => p.drift),
    { listed: new Map([['v1/ConfigMap', configMaps]]), signal },
  );
  const kustomizations = results.map((result, i): KustomizationDrift => {
    const p = planned[i] as (typeof planned)[number];
    return { key: p.target.key, mode: p.mode, revision: p.revision, digest: p.digest, checked: result.checked, drifted: result.drifted, errors: result.errors };
  });
  return { kustomizations: [...kustomizations, ...failed], skipped };
}
