/**
 * The fleet tree: per cluster, every Flux object Tideline reads as configuration, each with the
 * Kustomization whose rendered output defined it (its parent).
 *
 * Flux builds this tree in the cluster: the root Kustomization applies the Kustomizations and
 * sources it renders, which render and apply the next layer (infrastructure → apps → tenants).
 * Tideline keeps the same tree as a plain JSON snapshot (stored in the artifact store by the
 * pipeline) and updates it after each render, so configuration takes effect from Git without a
 * redeploy. Every operation here is pure: it returns a new snapshot and a report.
 */
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { SourceRef } from '#shared/ports/index.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { parseAlert, type FluxAlert } from '#shared/config/alert.ts';
import { parseProvider, type FluxProvider } from '#shared/config/provider.ts';
import { parseReceiver, type FluxReceiver } from '#shared/config/receiver.ts';
import type { ClassifiedBundle, UnsupportedFluxObject } from './classify.ts';
import { crossNamespaceRefProblem, reconcileIdentity, type KustomizeControllerOptions, type ReconcileIdentity } from './controller.ts';
import type { ClusterRoot, FleetBootstrap } from './roots.ts';
import {
  keyOf,
  objectIdOf,
  sourceKeyString,
  splitKey,
  stableJson,
  type ConfigKind,
  type FleetGitRepository,
  type FleetKey,
  type FleetObjectId,
} from './objects.ts';

/** Version of the snapshot's JSON layout; a reader refuses any other. */
export const FLEET_SNAPSHOT_FORMAT = 1;

/** One configuration object of a cluster's tree. */
export interface FleetEntry<T> {
  object: T;
  /** The Kustomization whose output defines it; absent for the root and for the bootstrap source. */
  parent?: FleetKey;
  /** The file that defines it, when known. */
  file?: string;
}

/** A Kustomization of the tree and the source revision it was last rendered at. */
export interface KustomizationEntry extends FleetEntry<FluxKustomization> {
  revision?: string;
}

/** An Alert as stored: the validated object without its compiled regexes (re-parsed when read). */
export type StoredAlert = Omit<FluxAlert, 'inclusion' | 'exclusion'>;
/** A Provider as stored (re-parsed when read). */
export type StoredProvider = Omit<FluxProvider, 'timeoutMs'>;

/** A Flux object of the tree that Tideline does not reconcile yet. */
export interface UnsupportedEntry extends UnsupportedFluxObject {
  parent: FleetKey;
}

/** The tree of one cluster. */
export interface ClusterFleet {
  root: FleetKey;
  rootOrigin: 'bootstrap' | 'synthetic';
  kustomizations: Record<FleetKey, KustomizationEntry>;
  gitRepositories: Record<FleetKey, FleetEntry<FleetGitRepository>>;
  alerts: Record<FleetKey, FleetEntry<StoredAlert>>;
  providers: Record<FleetKey, FleetEntry<StoredProvider>>;
  receivers: Record<FleetKey, FleetEntry<FluxReceiver>>;
  /** Keyed by `<Kind>/<namespace>/<name>`. */
  unsupported: Record<FleetObjectId, UnsupportedEntry>;
  /** Flux's own controllers found in a Kustomization's output (gotk-components.yaml), by that Kustomization. */
  fluxComponents: Record<FleetKey, FluxComponentsEntry>;
}

/** What Tideline keeps of Flux's own controllers: how many objects were skipped, their accounts and kustomize-controller's flags. */
export interface FluxComponentsEntry {
  count: number;
  serviceAccounts: string[];
  kustomizeController?: KustomizeControllerOptions;
}

/** Every cluster's tree: plain JSON. */
export interface FleetSnapshot {
  format: typeof FLEET_SNAPSHOT_FORMAT;
  clusters: Record<string, ClusterFleet>;
}

/** Something wrong with the fleet's configuration; it never stops the rest of the tree. */
export interface FleetProblem {
  type: 'duplicate' | 'cycle' | 'invalid' | 'conflict' | 'render' | 'source-not-found' | 'source-failed';
  cluster?: string;
  /** The object concerned (`<Kind>/<namespace>/<name>`). */
  object?: FleetObjectId;
  /** The files involved, when known. */
  files?: string[];
  message: string;
}

const COLLECTIONS = {
  Kustomization: 'kustomizations',
  GitRepository: 'gitRepositories',
  Alert: 'alerts',
  Provider: 'providers',
  Receiver: 'receivers',
} as const satisfies Record<ConfigKind, keyof ClusterFleet>;

type Collection = (typeof COLLECTIONS)[ConfigKind];

function collections(tree: ClusterFleet): [ConfigKind, Record<FleetKey, FleetEntry<unknown>>][] {
  return (Object.entries(COLLECTIONS) as [ConfigKind, Collection][]).map(([kind, name]) => [kind, tree[name] as Record<FleetKey, FleetEntry<unknown>>]);
}

function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * A cluster's tree rooted at `root` that holds no object yet, not even the root's Kustomization:
 * the one place that lists every collection a tree has.
 */
export function emptyClusterFleet(root: FleetKey, rootOrigin: ClusterFleet['rootOrigin']): ClusterFleet {
  return { root, rootOrigin, kustomizations: {}, gitRepositories: {}, alerts: {}, providers: {}, receivers: {}, unsupported: {}, fluxComponents: {} };
}

function emptyTree(root: ClusterRoot, bootstrap?: FleetBootstrap): ClusterFleet {
  const key = keyOf(root.kustomization);
  const tree = emptyClusterFleet(key, root.origin);
  tree.kustomizations[key] = { object: cloneJson(root.kustomization), ...(root.file ? { file: root.file } : {}) };
  if (root.gitRepository) {
    // gotk-sync.yaml defines the root's source next to the root: the root's output owns it.
    tree.gitRepositories[keyOf(root.gitRepository)] = {
      object: cloneJson(root.gitRepository),
      parent: key,
      ...(root.gitRepositoryFile ? { file: root.gitRepositoryFile } : {}),
    };
  } else if (root.origin === 'synthetic' && bootstrap?.gitRepository) {
    tree.gitRepositories[keyOf(bootstrap.gitRepository)] = { object: cloneJson(bootstrap.gitRepository) };
  }
  return tree;
}

/** A snapshot holding only the roots (and their sources): the start of a first sync. */
export function createFleetSnapshot(roots: readonly ClusterRoot[], bootstrap?: FleetBootstrap): FleetSnapshot {
  return withClusterRoots({ format: FLEET_SNAPSHOT_FORMAT, clusters: {} }, roots, bootstrap).snapshot;
}

/**
 * Brings the snapshot's clusters in line with the roots found at a new fleet revision: new
 * clusters start with their root, clusters whose directory is gone are dropped, and a cluster
 * whose root changed identity (e.g. it was bootstrapped since) starts over. An unchanged root
 * keeps its tree: a bootstrap root's own render updates its spec (with the patches its
 * kustomization applies, which the raw file found here does not have); a synthetic root takes the
 * new spec here (the bootstrap source may have changed).
 */
export function withClusterRoots(
  snapshot: FleetSnapshot,
  roots: readonly ClusterRoot[],
  bootstrap?: FleetBootstrap,
): { snapshot: FleetSnapshot; addedClusters: string[]; removedClusters: string[]; replacedRoots: string[] } {
  const clusters: Record<string, ClusterFleet> = {};
  const addedClusters: string[] = [];
  const replacedRoots: string[] = [];
  for (const root of roots) {
    const existing = snapshot.clusters[root.cluster];
    if (existing && existing.root === keyOf(root.kustomization) && existing.rootOrigin === root.origin) {
      const current = existing.kustomizations[existing.root];
      // A made-up root never renders a new spec for itself: a changed bootstrap source reaches it only here.
      if (root.origin === 'synthetic' && current && stableJson(current.object.spec) !== stableJson(root.kustomization.spec)) {
        clusters[root.cluster] = {
          ...existing,
          kustomizations: { ...existing.kustomizations, [existing.root]: { ...current, object: cloneJson(root.kustomization) } },
        };
      } else clusters[root.cluster] = existing;
      continue;
    }
    if (existing) replacedRoots.push(root.cluster);
    else addedClusters.push(root.cluster);
    clusters[root.cluster] = emptyTree(root, bootstrap);
  }
  const removedClusters = Object.keys(snapshot.clusters).filter((cluster) => !(cluster in clusters));
  return { snapshot: { format: FLEET_SNAPSHOT_FORMAT, clusters }, addedClusters, removedClusters, replacedRoots };
}

/**
 * Reads a stored snapshot (already JSON-parsed). Throws InvalidInputError for another format
 * version or a malformed document, so a newer writer's snapshot is never half-understood.
 */
export function parseFleetSnapshot(value: unknown, where = 'fleet snapshot'): FleetSnapshot {
  const snapshot = value as Partial<FleetSnapshot> | null;
  if (typeof snapshot !== 'object' || snapshot === null) throw new InvalidInputError('the fleet snapshot is not a JSON object', { source: { file: where } });
  if (snapshot.format !== FLEET_SNAPSHOT_FORMAT) {
    throw new InvalidInputError(
      `fleet snapshot format ${JSON.stringify(snapshot.format)} is not understood (this version reads format ${FLEET_SNAPSHOT_FORMAT})`,
      { source: { file: where } },
    );
  }
  if (typeof snapshot.clusters !== 'object' || snapshot.clusters === null)
    throw new InvalidInputError('the fleet snapshot has no clusters', { source: { file: where } });
  for (const [cluster, tree] of Object.entries(snapshot.clusters)) {
    const valid =
      typeof tree === 'object' &&
      tree !== null &&
      typeof tree.root === 'string' &&
      tree.kustomizations?.[tree.root] !== undefined &&
      (Object.values(COLLECTIONS) as Collection[]).every((name) => typeof tree[name] === 'object' && tree[name] !== null) &&
      typeof tree.unsupported === 'object' &&
      typeof tree.fluxComponents === 'object';
    if (!valid) throw new InvalidInputError(`the fleet snapshot's tree of cluster ${cluster} is malformed`, { source: { file: where } });
  }
  return snapshot as FleetSnapshot;
}

function treeOf(snapshot: FleetSnapshot, cluster: string): ClusterFleet {
  const tree = snapshot.clusters[cluster];
  if (!tree) throw new NotFoundError(`cluster ${cluster} is not in the fleet snapshot`);
  return tree;
}

/** The Kustomization `key` of a cluster and its ancestors, nearest first, ending at the root. */
function ancestry(tree: ClusterFleet, key: FleetKey): FleetKey[] {
  const chain: FleetKey[] = [];
  let current: FleetKey | undefined = key;
  while (current !== undefined && !chain.includes(current)) {
    chain.push(current);
    current = tree.kustomizations[current]?.parent;
  }
  return chain;
}

/** What `recordRender` changed and found. */
export interface RenderRecord {
  snapshot: FleetSnapshot;
  /** Objects the owner defines for the first time. */
  added: FleetObjectId[];
  /** Objects the owner no longer defines, and everything below them. */
  removed: FleetObjectId[];
  /** Objects whose spec differs from the last render (the owner itself included). */
  changed: FleetObjectId[];
  problems: FleetProblem[];
}

interface Produced {
  kind: ConfigKind;
  key: FleetKey;
  object: unknown;
  file?: string;
}

function producedObjects(classified: ClassifiedBundle): Produced[] {
  const out: Produced[] = [];
  const { kustomizations, gitRepositories, alerts, providers, receivers } = classified.config;
  for (const { object, file } of kustomizations) out.push({ kind: 'Kustomization', key: keyOf(object), object, ...(file ? { file } : {}) });
  for (const { object, file } of gitRepositories) out.push({ kind: 'GitRepository', key: keyOf(object), object, ...(file ? { file } : {}) });
  for (const { object, file } of alerts) {
    const { inclusion: _inclusion, exclusion: _exclusion, ...stored } = object;
    out.push({ kind: 'Alert', key: keyOf(object), object: stored, ...(file ? { file } : {}) });
  }
  for (const { object, file } of providers) {
    const { timeoutMs: _timeoutMs, ...stored } = object;
    out.push({ kind: 'Provider', key: keyOf(object), object: stored, ...(file ? { file } : {}) });
  }
  for (const { object, file } of receivers) out.push({ kind: 'Receiver', key: keyOf(object), object, ...(file ? { file } : {}) });
  return out;
}

function specOf(object: unknown): string {
  return stableJson((object as { spec?: unknown }).spec);
}

/**
 * Records the classified output of the Kustomization `owner` of `cluster`, rendered at source
 * `revision`: the Flux objects it defines become (or stay) its children, children it no longer
 * defines are removed with everything below them, and the owner's revision is noted.
 *
 * A Kustomization that defines itself (the bootstrap root renders the directory holding its own
 * gotk-sync.yaml) updates its own spec. An object another owner already defines is a `duplicate`
 * problem naming both files, and the first owner keeps it. Defining an ancestor (A defines B,
 * B defines A, or any longer loop) is a `cycle` problem naming the chain, and is not followed.
 * An object of the bundle that failed validation keeps its previous version: an invalid commit
 * never removes configuration. Throws NotFoundError when the cluster or owner is not in the tree.
 */
export function recordRender(snapshot: FleetSnapshot, cluster: string, owner: FleetKey, classified: ClassifiedBundle, revision: string): RenderRecord {
  const tree = cloneJson(treeOf(snapshot, cluster));
  const ownerEntry = tree.kustomizations[owner];
  if (!ownerEntry) throw new NotFoundError(`Kustomization ${owner} is not in the fleet tree of cluster ${cluster}`);
  const ancestors = ancestry(tree, owner);
  const record: Omit<RenderRecord, 'snapshot'> = { added: [], removed: [], changed: [], problems: [] };
  const kept = new Set<FleetObjectId>();

  for (const item of producedObjects(classified)) {
    const id = objectIdOf(item.kind, item.key);
    const collection = tree[COLLECTIONS[item.kind]] as Record<FleetKey, FleetEntry<unknown>>;
    const existing = collection[item.key];
    const update = (entry: FleetEntry<unknown>): void => {
      if (specOf(entry.object) !== specOf(item.object)) record.changed.push(id);
      // A copy: the caller keeps the classified bundle, and the snapshot must not change with it.
      entry.object = cloneJson(item.object);
      if (item.file) entry.file = item.file;
    };
    if (item.kind === 'Kustomization' && item.key === owner) {
      update(ownerEntry);
      continue;
    }
    if (item.kind === 'Kustomization' && ancestors.includes(item.key)) {
      const chain = [...ancestors.slice(0, ancestors.indexOf(item.key) + 1).reverse(), item.key];
      record.problems.push({
        type: 'cycle',
        cluster,
        object: id,
        ...(item.file ? { files: [item.file] } : {}),
        message: `Kustomization ${item.key} is part of a cycle in cluster ${cluster}: ${chain.join(' → ')} (each defines the next); the definition in the output of Kustomization ${owner}${item.file ? ` (${item.file})` : ''} is ignored`,
      });
      continue;
    }
    if (existing && existing.parent !== owner) {
      // The bootstrap source (no parent) is adopted by the first Kustomization that defines it in Git.
      if (existing.parent === undefined && item.kind !== 'Kustomization') {
        existing.parent = owner;
        update(existing);
        kept.add(id);
        continue;
      }
      const files = [existing.file ?? `the output of Kustomization ${existing.parent}`, item.file ?? `the output of Kustomization ${owner}`];
      record.problems.push({
        type: 'duplicate',
        cluster,
        object: id,
        files,
        message: `${item.kind} ${item.key} is defined twice in cluster ${cluster}: by Kustomization ${existing.parent} (${files[0]}) and by Kustomization ${owner} (${files[1]}); the first definition is kept`,
      });
      continue;
    }
    kept.add(id);
    if (existing) update(existing);
    else {
      collection[item.key] = { object: cloneJson(item.object), parent: owner, ...(item.file ? { file: item.file } : {}) };
      record.added.push(id);
    }
  }

  for (const invalid of classified.invalid) kept.add(objectIdOf(invalid.kind, `${invalid.namespace}/${invalid.name}`));
  classified.errors.forEach((error, index) => {
    const invalid = classified.invalid[index];
    record.problems.push({
      type: 'invalid',
      cluster,
      ...(invalid ? { object: objectIdOf(invalid.kind, `${invalid.namespace}/${invalid.name}`) } : {}),
      ...(error.source ? { files: [error.source.file] } : {}),
      message: error.message,
    });
  });

  for (const [kind, collection] of collections(tree)) {
    for (const [key, entry] of Object.entries(collection)) {
      if (entry.parent === owner && !kept.has(objectIdOf(kind, key)) && !(kind === 'Kustomization' && key === owner))
        removeSubtree(tree, kind, key, record.removed);
    }
  }
  for (const [id, entry] of Object.entries(tree.unsupported)) if (entry.parent === owner) delete tree.unsupported[id];
  for (const object of classified.unsupported) {
    tree.unsupported[objectIdOf(object.kind, `${object.namespace ?? '-'}/${object.name}`)] = { ...object, parent: owner };
  }
  delete tree.fluxComponents[owner];
  if (classified.fluxComponents.count > 0) {
    const { count, serviceAccounts, kustomizeController } = classified.fluxComponents;
    tree.fluxComponents[owner] = { count, serviceAccounts, ...(kustomizeController ? { kustomizeController } : {}) };
  }
  ownerEntry.revision = revision;
  return { snapshot: { format: FLEET_SNAPSHOT_FORMAT, clusters: { ...snapshot.clusters, [cluster]: tree } }, ...record };
}

function removeSubtree(tree: ClusterFleet, kind: ConfigKind, key: FleetKey, removed: FleetObjectId[]): void {
  const collection = tree[COLLECTIONS[kind]] as Record<FleetKey, FleetEntry<unknown>>;
  if (!(key in collection)) return;
  delete collection[key];
  removed.push(objectIdOf(kind, key));
  if (kind !== 'Kustomization') return;
  for (const [childKind, children] of collections(tree)) {
    for (const [childKey, child] of Object.entries(children)) if (child.parent === key) removeSubtree(tree, childKind, childKey, removed);
  }
  for (const [id, entry] of Object.entries(tree.unsupported)) if (entry.parent === key) delete tree.unsupported[id];
  delete tree.fluxComponents[key];
}

/** Every object below the Kustomization `key` of a cluster (children, their children …), as `<Kind>/<namespace>/<name>`. */
export function descendantsOf(snapshot: FleetSnapshot, cluster: string, key: FleetKey): FleetObjectId[] {
  const tree = treeOf(snapshot, cluster);
  const out: FleetObjectId[] = [];
  const visit = (parent: FleetKey): void => {
    for (const [kind, collection] of collections(tree)) {
      for (const [childKey, child] of Object.entries(collection)) {
        if (child.parent !== parent || (kind === 'Kustomization' && childKey === parent)) continue;
        const id = objectIdOf(kind, childKey);
        if (out.includes(id)) continue;
        out.push(id);
        if (kind === 'Kustomization') visit(childKey);
      }
    }
  };
  visit(key);
  return out;
}

/** A Kustomization of one cluster. */
export interface ClusterKustomization {
  cluster: string;
  key: FleetKey;
  kustomization: FluxKustomization;
  /** The source revision it was last rendered at. */
  revision?: string;
}

/** The source a Kustomization follows, its namespace defaulting to the Kustomization's own (as in Flux). */
export function sourceOfKustomization(kustomization: FluxKustomization): SourceRef & { kind: string } {
  const ref = kustomization.spec.sourceRef;
  return { kind: ref.kind, namespace: ref.namespace ?? kustomization.metadata.namespace, name: ref.name } as SourceRef & { kind: string };
}

/**
 * The Kustomizations whose `sourceRef` is `source` (namespace defaulting to the Kustomization's
 * own, as in Flux), in cluster then key order: what a push to that repository reaches. `clusters`
 * narrows the search to the clusters where the source has the spec that moved (see `sourcesOf`).
 */
export function kustomizationsFollowing(snapshot: FleetSnapshot, source: SourceRef & { clusters?: readonly string[] }): ClusterKustomization[] {
  const out: ClusterKustomization[] = [];
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    if (source.clusters && !source.clusters.includes(cluster)) continue;
    const tree = snapshot.clusters[cluster] as ClusterFleet;
    for (const key of Object.keys(tree.kustomizations).sort()) {
      const entry = tree.kustomizations[key] as KustomizationEntry;
      const followed = sourceOfKustomization(entry.object);
      if (followed.kind === source.kind && followed.namespace === source.namespace && followed.name === source.name) {
        out.push({ cluster, key, kustomization: entry.object, ...(entry.revision ? { revision: entry.revision } : {}) });
      }
    }
  }
  return out;
}

/** The Kustomizations of one cluster, in key order. */
export function kustomizationsOf(snapshot: FleetSnapshot, cluster: string): ClusterKustomization[] {
  const tree = treeOf(snapshot, cluster);
  return Object.keys(tree.kustomizations)
    .sort()
    .map((key) => {
      const entry = tree.kustomizations[key] as KustomizationEntry;
      return { cluster, key, kustomization: entry.object, ...(entry.revision ? { revision: entry.revision } : {}) };
    });
}

/** A source of the fleet: one GitRepository spec and the clusters where it has that spec. */
export interface FleetSource {
  source: SourceRef;
  /** Absent when no cluster's tree defines it: the bootstrap source, known to the caller only. */
  gitRepository?: FleetGitRepository;
  clusters: string[];
}

/**
 * Every source a Kustomization of the fleet follows or a tree defines, grouped by identity and
 * spec: each cluster's `flux-system` GitRepository has the same name, but production may follow a
 * tag where staging follows a branch, and those are two sources to poll and fetch.
 */
export function sourcesOf(snapshot: FleetSnapshot): FleetSource[] {
  const grouped = new Map<string, FleetSource>();
  const add = (source: SourceRef, gitRepository: FleetGitRepository | undefined, cluster: string): void => {
    const id = `${sourceKeyString(source)}\u0000${gitRepository ? stableJson(gitRepository.spec) : ''}`;
    const found = grouped.get(id);
    if (found) {
      if (!found.clusters.includes(cluster)) found.clusters.push(cluster);
    } else grouped.set(id, { source, ...(gitRepository ? { gitRepository } : {}), clusters: [cluster] });
  };
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    const tree = snapshot.clusters[cluster] as ClusterFleet;
    for (const [key, entry] of Object.entries(tree.gitRepositories)) add({ kind: 'GitRepository', ...splitKey(key) }, entry.object, cluster);
    for (const entry of Object.values(tree.kustomizations)) {
      const followed = sourceOfKustomization(entry.object);
      if (followed.kind === 'GitRepository' && !(`${followed.namespace}/${followed.name}` in tree.gitRepositories))
        add({ kind: 'GitRepository', namespace: followed.namespace, name: followed.name }, undefined, cluster);
    }
  }
  return [...grouped.values()].sort((a, b) =>
    sourceKeyString(a.source) < sourceKeyString(b.source) ? -1 : sourceKeyString(a.source) > sourceKeyString(b.source) ? 1 : 0,
  );
}

/** A notification object of the fleet, deduplicated across clusters. */
export interface SharedObject<T> {
  object: T;
  /** The clusters whose trees define it with this spec. */
  clusters: string[];
  file?: string;
}

/** Objects deduplicated across clusters, and the definitions left out because they conflict. */
export interface SharedObjects<T> {
  items: SharedObject<T>[];
  conflicts: FleetProblem[];
}

function shared<S, T>(snapshot: FleetSnapshot, kind: 'Alert' | 'Provider' | 'Receiver', parse: (stored: S, file: string) => T): SharedObjects<T> {
  const byKey = new Map<FleetKey, { spec: string; item: SharedObject<T> }>();
  const conflicts: FleetProblem[] = [];
  // Config repos are shared: every cluster that renders infrastructure/configs defines the same
  // Alert. Same namespace/name and spec is one object; a different spec under the same name keeps
  // the definition of the first cluster in name order and reports the others.
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    const collection = (snapshot.clusters[cluster] as ClusterFleet)[COLLECTIONS[kind]] as Record<FleetKey, FleetEntry<S>>;
    for (const key of Object.keys(collection).sort()) {
      const entry = collection[key] as FleetEntry<S>;
      const spec = stableJson((entry.object as { spec?: unknown }).spec);
      const found = byKey.get(key);
      if (!found) {
        byKey.set(key, {
          spec,
          item: {
            object: parse(entry.object, entry.file ?? `fleet snapshot (cluster ${cluster})`),
            clusters: [cluster],
            ...(entry.file ? { file: entry.file } : {}),
          },
        });
      } else if (found.spec === spec) {
        found.item.clusters.push(cluster);
      } else {
        conflicts.push({
          type: 'conflict',
          cluster,
          object: objectIdOf(kind, key),
          files: [found.item.file ?? '?', entry.file ?? '?'],
          message: `${kind} ${key} of cluster ${cluster} differs from the one of cluster ${found.item.clusters[0]}; the one of cluster ${found.item.clusters[0]} is used`,
        });
      }
    }
  }
  return { items: [...byKey.values()].map(({ item }) => item), conflicts };
}

/** The fleet's Receivers, deduplicated across clusters by namespace/name (see `SharedObjects`). */
export function receivers(snapshot: FleetSnapshot): SharedObjects<FluxReceiver> {
  return shared<FluxReceiver, FluxReceiver>(snapshot, 'Receiver', (stored, file) => parseReceiver(stored, file));
}

/** The fleet's Alerts (regexes compiled), deduplicated across clusters by namespace/name. */
export function alerts(snapshot: FleetSnapshot): SharedObjects<FluxAlert> {
  return shared<StoredAlert, FluxAlert>(snapshot, 'Alert', (stored, file) => parseAlert(stored, file));
}

/** The fleet's Providers, deduplicated across clusters by namespace/name. */
export function providers(snapshot: FleetSnapshot): SharedObjects<FluxProvider> {
  return shared<StoredProvider, FluxProvider>(snapshot, 'Provider', (stored, file) => parseProvider(stored, file));
}

/** The Flux objects of the fleet that Tideline does not reconcile yet, per cluster. */
export function unsupportedObjects(snapshot: FleetSnapshot): (UnsupportedEntry & { cluster: string })[] {
  const out: (UnsupportedEntry & { cluster: string })[] = [];
  for (const cluster of Object.keys(snapshot.clusters).sort()) {
    const tree = snapshot.clusters[cluster] as ClusterFleet;
    for (const id of Object.keys(tree.unsupported).sort()) out.push({ cluster, ...(tree.unsupported[id] as UnsupportedEntry) });
  }
  return out;
}

/**
 * Flux's controller settings of a cluster, as its fleet repo configures them: kustomize-controller's
 * flags (merged over every Kustomization whose output holds Flux's installation, normally only the
 * root) and the controllers' ServiceAccounts.
 */
export function fluxControllerSettings(
  snapshot: FleetSnapshot,
  cluster: string,
): { kustomizeController: KustomizeControllerOptions; serviceAccounts: string[] } {
  const tree = treeOf(snapshot, cluster);
  const kustomizeController: KustomizeControllerOptions = {};
  const serviceAccounts: string[] = [];
  for (const owner of Object.keys(tree.fluxComponents).sort()) {
    const entry = tree.fluxComponents[owner] as FluxComponentsEntry;
    Object.assign(kustomizeController, entry.kustomizeController);
    for (const account of entry.serviceAccounts) if (!serviceAccounts.includes(account)) serviceAccounts.push(account);
  }
  return { kustomizeController, serviceAccounts };
}

/**
 * Who the Kustomization `key` of `cluster` acts as (see `reconcileIdentity`), and the refusal of its
 * `sourceRef` when the fleet blocks cross-namespace references. Throws NotFoundError when the
 * cluster or Kustomization is not in the snapshot.
 */
export function reconcileAccess(snapshot: FleetSnapshot, cluster: string, key: FleetKey): { identity: ReconcileIdentity; sourceRefProblem?: string } {
  const entry = treeOf(snapshot, cluster).kustomizations[key];
  if (!entry) throw new NotFoundError(`Kustomization ${key} is not in the fleet tree of cluster ${cluster}`);
  const settings = fluxControllerSettings(snapshot, cluster);
  const problem = crossNamespaceRefProblem(entry.object, settings.kustomizeController);
  return {
    identity: reconcileIdentity(entry.object, settings.kustomizeController, settings.serviceAccounts),
    ...(problem ? { sourceRefProblem: problem } : {}),
  };
}

/**
 * The part of a snapshot holding only `clusters`: lets a store keep one document per cluster, so
 * writers of different clusters never race each other.
 */
export function pickClusters(snapshot: FleetSnapshot, clusters: readonly string[]): FleetSnapshot {
  const picked: Record<string, ClusterFleet> = {};
  for (const cluster of clusters) if (snapshot.clusters[cluster]) picked[cluster] = snapshot.clusters[cluster];
  return { format: FLEET_SNAPSHOT_FORMAT, clusters: picked };
}

/** Snapshots joined; a cluster present in several takes the tree of the last. */
export function mergeFleetSnapshots(...snapshots: readonly FleetSnapshot[]): FleetSnapshot {
  const clusters: Record<string, ClusterFleet> = {};
  for (const snapshot of snapshots) Object.assign(clusters, snapshot.clusters);
  return { format: FLEET_SNAPSHOT_FORMAT, clusters };
}
