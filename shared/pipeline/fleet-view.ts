/**
 * The pipeline's view of the fleet snapshot: which Kustomizations follow a fetch, which source a
 * Kustomization follows (a GitRepository of its cluster's tree, or the bootstrap repository for
 * a root Tideline made up), and the configuration intake and alerts read from it.
 */
import type { FleetDocument } from '#shared/config/fleet.ts';
import { parseGitRepository, type FluxGitRepository } from '#shared/config/git-repository.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import type { FluxReceiver } from '#shared/config/receiver.ts';
import type { ReceiverResource, RenderTarget } from '#shared/events/catalog.ts';
import {
  dependencyState,
  dependenciesOf,
  findClusterRoots,
  keyOf,
  kustomizationsOf,
  receivers,
  recordRender,
  sourceOfKustomization,
  withClusterRoots,
  type ClassifiedBundle,
  type DependencyStatus,
  type FleetBootstrap,
  type FleetKey,
  type FleetSnapshot,
} from '#shared/fleet/index.ts';
import type { KustomizationKey, KustomizationStatus, SourceKey } from '#shared/ports/index.ts';
import { fetchKeyOf, normalizeRepoUrl } from './sources.ts';

/** The cluster name under which the bootstrap repository itself (read for `clusters/<name>/`) is tracked. */
export const BOOTSTRAP_CLUSTER = '*';

/** A source of one cluster (or of the whole fleet, for the bootstrap) and its GitRepository. */
export interface SourceEntry {
  key: SourceKey;
  repository: FluxGitRepository;
}

/** A Kustomization of one cluster, ready to render: the event target, its spec and its source. */
export interface TargetEntry {
  target: RenderTarget;
  kustomization: FluxKustomization;
  source: SourceEntry;
}

const parsedRepositories = new WeakMap<object, FluxGitRepository>();

function parsed(object: object, file: string): FluxGitRepository | undefined {
  let repository = parsedRepositories.get(object);
  if (!repository) {
    try {
      repository = parseGitRepository(object, file);
    } catch {
      return undefined; // refused when the render that found it classified it; nothing to fetch
    }
    parsedRepositories.set(object, repository);
  }
  return repository;
}

/** The bootstrap repository as a source of the whole fleet. */
export function bootstrapSource(bootstrap: FluxGitRepository): SourceEntry {
  return {
    key: { kind: 'GitRepository', cluster: BOOTSTRAP_CLUSTER, namespace: bootstrap.metadata.namespace, name: bootstrap.metadata.name },
    repository: bootstrap,
  };
}

/** What the fleet tree needs to know of the bootstrap. */
export function fleetBootstrap(bootstrap: FluxGitRepository): FleetBootstrap {
  return {
    source: { kind: 'GitRepository', namespace: bootstrap.metadata.namespace, name: bootstrap.metadata.name } as SourceKey,
    gitRepository: bootstrap as unknown as NonNullable<FleetBootstrap['gitRepository']>,
  };
}

/** The source a Kustomization of `cluster` follows, or undefined when its GitRepository is not in the tree. */
function sourceOf(snapshot: FleetSnapshot, bootstrap: FluxGitRepository, cluster: string, kustomization: FluxKustomization): SourceEntry | undefined {
  const ref = sourceOfKustomization(kustomization);
  if (ref.kind !== 'GitRepository') return undefined;
  const key = `${ref.namespace}/${ref.name}`;
  const entry = snapshot.clusters[cluster]?.gitRepositories[key];
  const repository = entry
    ? parsed(entry.object, entry.file ?? `fleet snapshot (cluster ${cluster})`)
    : key === `${bootstrap.metadata.namespace}/${bootstrap.metadata.name}`
      ? bootstrap
      : undefined;
  return repository ? { key: { kind: 'GitRepository', cluster, namespace: ref.namespace, name: ref.name }, repository } : undefined;
}

/** Every Kustomization of the fleet that has a source to render from, in cluster then key order. */
export function allTargets(snapshot: FleetSnapshot, bootstrap: FluxGitRepository): TargetEntry[] {
  const out: TargetEntry[] = [];
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    for (const { kustomization } of kustomizationsOf(snapshot, cluster)) {
      const source = sourceOf(snapshot, bootstrap, cluster, kustomization);
      if (source)
        out.push({
          target: { cluster, kustomization: { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace } },
          kustomization,
          source,
        });
    }
  }
  return out;
}

/** One Kustomization of one cluster, when the fleet has it. */
export function findTarget(snapshot: FleetSnapshot, bootstrap: FluxGitRepository, target: RenderTarget): TargetEntry | undefined {
  const entry = snapshot.clusters[target.cluster]?.kustomizations[`${target.kustomization.namespace}/${target.kustomization.name}`];
  if (!entry) return undefined;
  const source = sourceOf(snapshot, bootstrap, target.cluster, entry.object);
  return source ? { target: { cluster: target.cluster, kustomization: { ...target.kustomization } }, kustomization: entry.object, source } : undefined;
}

/** The Kustomizations, of every cluster, whose source fetches `url` at `ref` (a `refKey`). */
export function targetsFollowing(snapshot: FleetSnapshot, bootstrap: FluxGitRepository, url: string, ref: string): TargetEntry[] {
  const wanted = `${normalizeRepoUrl(url)}#${ref}`;
  return allTargets(snapshot, bootstrap).filter((entry) => fetchKeyOf(entry.source.repository) === wanted);
}

/** True when a fetch is the bootstrap repository's (a move re-reads the cluster roots). */
export function isBootstrapFetch(bootstrap: FluxGitRepository, url: string, ref: string): boolean {
  return fetchKeyOf(bootstrap) === `${normalizeRepoUrl(url)}#${ref}`;
}

/** Every source the fleet follows (one entry per cluster that has it), the bootstrap first. */
export function allSources(snapshot: FleetSnapshot, bootstrap: FluxGitRepository): SourceEntry[] {
  const out = [bootstrapSource(bootstrap)];
  const seen = new Set<string>();
  for (const entry of allTargets(snapshot, bootstrap)) {
    const id = `${entry.source.key.cluster}/${entry.source.key.namespace}/${entry.source.key.name}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(entry.source);
    }
  }
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    for (const [key, entry] of Object.entries(snapshot.clusters[cluster]?.gitRepositories ?? {})) {
      const [namespace = '', name = ''] = key.split('/');
      const id = `${cluster}/${namespace}/${name}`;
      const repository = parsed(entry.object, entry.file ?? `fleet snapshot (cluster ${cluster})`);
      if (!seen.has(id) && repository) {
        seen.add(id);
        out.push({ key: { kind: 'GitRepository', cluster, namespace, name }, repository });
      }
    }
  }
  return out;
}

/** The GitRepositories called `object` (in one cluster, or in every cluster that has one). */
export function sourcesNamed(
  snapshot: FleetSnapshot,
  bootstrap: FluxGitRepository,
  object: { name: string; namespace: string },
  cluster?: string,
): SourceEntry[] {
  return allSources(snapshot, bootstrap).filter(
    (entry) =>
      entry.key.name === object.name &&
      entry.key.namespace === object.namespace &&
      (cluster === undefined || entry.key.cluster === cluster || entry.key.cluster === BOOTSTRAP_CLUSTER),
  );
}

/**
 * The sources a webhook's Receiver lists, as Flux's notification-controller reads `spec.resources`:
 * GitRepositories by name (or `*` with `matchLabels`), and for a listed Kustomization the source it follows.
 */
export function sourcesForResources(snapshot: FleetSnapshot, bootstrap: FluxGitRepository, resources: readonly ReceiverResource[]): SourceEntry[] {
  const sources = allSources(snapshot, bootstrap);
  const out = new Map<string, SourceEntry>();
  const add = (entry: SourceEntry): void => void out.set(`${entry.key.cluster}/${entry.key.namespace}/${entry.key.name}`, entry);
  for (const resource of resources) {
    if (resource.kind === 'GitRepository') {
      for (const entry of sources) {
        if (entry.key.namespace !== resource.namespace) continue;
        const labels = entry.repository.metadata.labels ?? {};
        const matches =
          resource.name === '*' ? Object.entries(resource.matchLabels ?? {}).every(([k, v]) => labels[k] === v) : entry.key.name === resource.name;
        if (matches) add(entry);
      }
    } else if (resource.kind === 'Kustomization') {
      for (const entry of allTargets(snapshot, bootstrap)) {
        const { name, namespace } = entry.target.kustomization;
        if (namespace === resource.namespace && (resource.name === '*' || resource.name === name)) add(entry.source);
      }
    }
  }
  return [...out.values()];
}

/**
 * Brings the snapshot's clusters in line with `clusters/<name>/` of the bootstrap checkout.
 * Returns the clusters added and the roots to render (those of new or re-bootstrapped clusters).
 */
export async function discoverRoots(
  snapshot: FleetSnapshot,
  checkoutDir: string,
  bootstrap: FluxGitRepository,
): Promise<{ snapshot: FleetSnapshot; result: { clusters: string[]; roots: TargetEntry[] } }> {
  const fleet = fleetBootstrap(bootstrap);
  const roots = await findClusterRoots(checkoutDir, fleet);
  const updated = withClusterRoots(snapshot, roots, fleet);
  const fresh = [...updated.addedClusters, ...updated.replacedRoots];
  const rootEntries = fresh
    .map((cluster) => {
      const tree = updated.snapshot.clusters[cluster];
      return tree ? findTarget(updated.snapshot, bootstrap, { cluster, kustomization: splitFleetKey(tree.root) }) : undefined;
    })
    .filter((entry): entry is TargetEntry => entry !== undefined);
  return { snapshot: updated.snapshot, result: { clusters: updated.addedClusters, roots: rootEntries } };
}

function splitFleetKey(key: FleetKey): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** What a render changed in the fleet, for the render engine. */
export interface RecordedRender {
  /** Kustomizations the output defines for the first time or changed (the owner itself included): render them (again). */
  added: TargetEntry[];
  /** Kustomizations the owner no longer defines while it prunes: their objects are removed as their deletionPolicy says. */
  removed: { cluster: string; kustomization: FluxKustomization }[];
  /** Problems of the configuration (duplicates, cycles, invalid Flux objects), one line each. */
  problems: string[];
  /** One line each: Flux's own controllers skipped, kinds not supported yet. */
  notes: string[];
}

/** Records a render's Flux objects in the snapshot (see `recordRender` in shared/fleet). */
export function recordRendered(
  snapshot: FleetSnapshot,
  bootstrap: FluxGitRepository,
  cluster: string,
  owner: FluxKustomization,
  classified: ClassifiedBundle,
  revision: string,
): { snapshot: FleetSnapshot; result: RecordedRender } {
  const ownerKey = keyOf(owner);
  const before = snapshot.clusters[cluster];
  const record = recordRender(snapshot, cluster, ownerKey, classified, revision);
  const renderAgain = new Set<string>();
  // A Kustomization that changed its own spec (the root's kustomization.yaml patches it) renders again with it.
  for (const id of [...record.added, ...record.changed]) {
    if (id.startsWith('Kustomization/')) renderAgain.add(id.slice('Kustomization/'.length));
  }
  // A changed GitRepository changes what its Kustomizations render from.
  for (const id of record.changed) {
    if (!id.startsWith('GitRepository/')) continue;
    const repositoryKey = id.slice('GitRepository/'.length);
    for (const { kustomization } of kustomizationsOf(record.snapshot, cluster)) {
      const ref = sourceOfKustomization(kustomization);
      if (`${ref.namespace}/${ref.name}` === repositoryKey) renderAgain.add(keyOf(kustomization));
    }
  }
  const added = [...renderAgain]
    .map((key) => findTarget(record.snapshot, bootstrap, { cluster, kustomization: splitFleetKey(key) }))
    .filter((entry): entry is TargetEntry => entry !== undefined);
  const removed = owner.spec.prune
    ? record.removed
        .filter((id) => id.startsWith('Kustomization/'))
        .map((id) => before?.kustomizations[id.slice('Kustomization/'.length)]?.object)
        .filter((kustomization): kustomization is FluxKustomization => kustomization !== undefined)
        .map((kustomization) => ({ cluster, kustomization }))
    : [];
  const notes = [
    ...(classified.fluxComponents.count > 0 ? [classified.fluxComponents.summary] : []),
    ...classified.unsupported.map(
      (object) => `${object.kind} ${object.namespace ?? ''}${object.namespace ? '/' : ''}${object.name}: ${object.reason}; not reconciled, the rest is`,
    ),
  ];
  return { snapshot: record.snapshot, result: { added, removed, problems: record.problems.map((problem) => problem.message), notes } };
}

/** Flux's dependsOn rule for one Kustomization, its dependencies' status read from the store. */
export async function dependencyStateOf(
  snapshot: FleetSnapshot,
  _bootstrap: FluxGitRepository,
  key: KustomizationKey,
  statusOf: (key: KustomizationKey) => Promise<KustomizationStatus | undefined>,
  revision?: string,
): Promise<{ state: 'ready' } | { state: 'waiting'; message: string }> {
  const entry = snapshot.clusters[key.cluster]?.kustomizations[`${key.namespace}/${key.name}`];
  if (!entry) return { state: 'ready' };
  const statuses = new Map<FleetKey, DependencyStatus>();
  for (const dependency of dependenciesOf(entry.object)) {
    const status = await statusOf({ cluster: key.cluster, ...splitFleetKey(dependency) });
    if (status) {
      statuses.set(dependency, {
        ready: status.ready.status === 'True',
        ...(status.lastAppliedRevision ? { lastAppliedRevision: status.lastAppliedRevision } : {}),
        ...(status.lastAttemptedRevision ? { lastAttemptedRevision: status.lastAttemptedRevision } : {}),
        reason: status.ready.reason,
        message: status.ready.message,
      });
    }
  }
  const state = dependencyState(snapshot, key.cluster, `${key.namespace}/${key.name}`, (dependency) => statuses.get(dependency), revision ? { revision } : {});
  return state.state === 'ready' ? state : { state: 'waiting', message: state.message };
}

/** The Kustomizations of the same cluster that depend on `key`. */
export function dependentsOf(snapshot: FleetSnapshot, key: KustomizationKey): KustomizationKey[] {
  if (!snapshot.clusters[key.cluster]) return [];
  const wanted = `${key.namespace}/${key.name}`;
  return kustomizationsOf(snapshot, key.cluster)
    .filter(({ kustomization }) => dependenciesOf(kustomization).includes(wanted))
    .map(({ kustomization }) => ({ cluster: key.cluster, namespace: kustomization.metadata.namespace, name: kustomization.metadata.name }));
}

/** The fleet's Receivers (deduplicated across clusters). */
export function fleetReceivers(snapshot: FleetSnapshot): FluxReceiver[] {
  return receivers(snapshot).items.map((item) => item.object);
}

/**
 * The fleet's Alerts, Providers and Kustomizations as documents for the alerting configuration,
 * each placed under `clusters/<name>/` so it is scoped to the clusters whose trees define it.
 */
export function alertingDocuments(snapshot: FleetSnapshot): FleetDocument[] {
  const documents: FleetDocument[] = [];
  for (const [cluster, tree] of Object.entries(snapshot.clusters)) {
    const place = (file: string | undefined): string => `clusters/${cluster}/${file ?? 'fleet.yaml'}`;
    for (const entry of Object.values(tree.alerts)) documents.push({ value: entry.object, file: place(entry.file) });
    for (const entry of Object.values(tree.providers)) documents.push({ value: entry.object, file: place(entry.file) });
    for (const entry of Object.values(tree.kustomizations)) documents.push({ value: entry.object, file: place(entry.file) });
    for (const entry of Object.values(tree.gitRepositories)) documents.push({ value: entry.object, file: place(entry.file) });
  }
  return documents;
}
