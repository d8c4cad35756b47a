/**
 * `dependsOn` and `suspend`, decided as Flux's kustomize-controller decides them.
 *
 * Before it reconciles a Kustomization with `dependsOn`, kustomize-controller checks each
 * dependency in order and stops at the first that fails, with the Ready condition
 * `False / DependencyNotReady` and the check's error as the message:
 * - the dependency must exist (`dependency '<ns>/<name>' not found: …`);
 * - it must be Ready (`dependency '<ns>/<name>' is not ready`);
 * - when it follows the same source as the dependent, it must have applied the revision the
 *   dependent is about to apply (`dependency '<ns>/<name>' revision is not up to date`).
 * A dependency's namespace defaults to the dependent's. Tideline adds what Flux leaves to a
 * requeue loop: a cycle is reported by its chain instead of waiting forever in silence.
 */
import { NotFoundError } from '#shared/errors/index.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { sourceOfKustomization, type ClusterFleet, type FleetSnapshot } from './snapshot.ts';
import type { FleetKey } from './objects.ts';

/** What a dependency's status says, as the status store records it. */
export interface DependencyStatus {
  /** Ready condition True. */
  ready: boolean;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  reason?: string;
  message?: string;
}

/** Whether a Kustomization may reconcile now. */
export type DependencyState =
  | { state: 'ready' }
  | {
      state: 'waiting';
      reason: 'DependencyNotReady';
      message: string;
      /** The dependency that holds it. */
      dependency: FleetKey;
      /** Set when the Kustomization is part of a dependsOn cycle: the chain, first key repeated at the end. */
      cycle?: FleetKey[];
    };

/** The keys a Kustomization depends on, namespaces defaulted to its own (as in Flux). */
export function dependenciesOf(kustomization: FluxKustomization): FleetKey[] {
  return (kustomization.spec.dependsOn ?? []).map((dep) => `${dep.namespace ?? kustomization.metadata.namespace}/${dep.name}`);
}

const SHA_TYPES: [RegExp, string][] = [
  [/^[0-9a-f]{40}$/, 'sha1'],
  [/^[0-9a-f]{64}$/, 'sha256'],
];

function shaType(value: string): string | undefined {
  return SHA_TYPES.find(([pattern]) => pattern.test(value))?.[1];
}

/**
 * A revision in Flux's current form: `main/<sha>` (Flux before v2.0) becomes `main@sha1:<sha>`, a
 * bare `<sha>` becomes `sha1:<sha>`, so revisions written by either compare equal (as Flux's
 * `Artifact.HasRevision` does).
 */
export function normaliseRevision(revision: string): string {
  if (revision === '' || revision.includes(':')) return revision;
  const slash = revision.lastIndexOf('/');
  if (slash >= 0) {
    const sha = revision.slice(slash + 1);
    const type = shaType(sha);
    if (type) {
      const name = revision.slice(0, slash);
      return name === 'HEAD' ? `${type}:${sha}` : `${name}@${type}:${sha}`;
    }
  }
  const type = shaType(revision);
  return type ? `${type}:${revision}` : revision;
}

/** True when two revisions name the same commit of the same ref (legacy forms included). */
export function sameRevision(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && normaliseRevision(a) === normaliseRevision(b);
}

function treeOf(snapshot: FleetSnapshot, cluster: string): ClusterFleet {
  const tree = snapshot.clusters[cluster];
  if (!tree) throw new NotFoundError(`cluster ${cluster} is not in the fleet snapshot`);
  return tree;
}

/** A dependsOn cycle through `key`, as a chain ending where it started; undefined when there is none. */
function dependencyCycleThrough(tree: ClusterFleet, key: FleetKey): FleetKey[] | undefined {
  const path: FleetKey[] = [];
  const done = new Set<FleetKey>();
  const visit = (current: FleetKey): FleetKey[] | undefined => {
    path.push(current);
    const entry = tree.kustomizations[current];
    for (const dep of entry ? dependenciesOf(entry.object) : []) {
      if (dep === key) return [...path, key];
      if (!done.has(dep) && !path.includes(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    done.add(current);
    return undefined;
  };
  return visit(key);
}

function waiting(dependency: FleetKey, message: string, cycle?: FleetKey[]): DependencyState {
  return { state: 'waiting', reason: 'DependencyNotReady', message, dependency, ...(cycle ? { cycle } : {}) };
}

/**
 * Whether the Kustomization `key` of `cluster` may reconcile, by Flux's rules (see the module
 * comment). `statusOf` gives a dependency's status (undefined when it has never reconciled).
 * `revision` is the source revision the dependent is about to apply; it defaults to the revision
 * the snapshot last rendered it at. A dependency still working on a newer attempt than it
 * applied (Flux would show Ready Unknown while it progresses) is not ready either.
 * Throws NotFoundError when the cluster or the Kustomization is not in the snapshot.
 */
export function dependencyState(
  snapshot: FleetSnapshot,
  cluster: string,
  key: FleetKey,
  statusOf: (key: FleetKey) => DependencyStatus | undefined,
  options: { revision?: string } = {},
): DependencyState {
  const tree = treeOf(snapshot, cluster);
  const entry = tree.kustomizations[key];
  if (!entry) throw new NotFoundError(`Kustomization ${key} is not in the fleet tree of cluster ${cluster}`);
  const dependencies = dependenciesOf(entry.object);
  if (dependencies.length === 0) return { state: 'ready' };
  const cycle = dependencyCycleThrough(tree, key);
  if (cycle) return waiting(cycle[1] as FleetKey, `dependency cycle: ${cycle.map((k) => `'${k}'`).join(' -> ')}; none of them can become ready`, cycle);
  const revision = options.revision ?? entry.revision;
  const ownSource = sourceOfKustomization(entry.object);
  for (const dep of dependencies) {
    const depEntry = tree.kustomizations[dep];
    if (!depEntry) {
      const unsupported = tree.unsupported[`Kustomization/${dep}`];
      if (unsupported) return waiting(dep, `dependency '${dep}' is not ready: Tideline does not reconcile it (${unsupported.reason})`);
      const name = dep.slice(dep.indexOf('/') + 1);
      return waiting(dep, `dependency '${dep}' not found: kustomizations.kustomize.toolkit.fluxcd.io "${name}" not found`);
    }
    const status = statusOf(dep);
    if (!status?.ready) return waiting(dep, `dependency '${dep}' is not ready`);
    if (
      status.lastAttemptedRevision !== undefined &&
      status.lastAppliedRevision !== undefined &&
      !sameRevision(status.lastAttemptedRevision, status.lastAppliedRevision)
    ) {
      return waiting(dep, `dependency '${dep}' is not ready`);
    }
    const depSource = sourceOfKustomization(depEntry.object);
    const sameSource = depSource.kind === ownSource.kind && depSource.namespace === ownSource.namespace && depSource.name === ownSource.name;
    if (sameSource && revision !== undefined && !sameRevision(status.lastAppliedRevision, revision)) {
      return waiting(dep, `dependency '${dep}' revision is not up to date`);
    }
  }
  return { state: 'ready' };
}

/**
 * True when a Kustomization must not be reconciled: its own `spec.suspend` (from Git) or a
 * `tideline suspend` recorded in status (`statusSuspended`). As with the Flux CLI, a suspend set
 * from the command line lasts until resumed; one written in Git is lifted only in Git.
 */
export function isSuspended(kustomization: FluxKustomization, statusSuspended?: boolean): boolean {
  return kustomization.spec.suspend === true || statusSuspended === true;
}

/**
 * The Kustomizations of a cluster in an order that honours both `dependsOn` (a dependency first)
 * and the tree (a parent before the children it defines), ties broken by key: the order of a first
 * sync. Kustomizations caught in a cycle (of either kind of edge) come last, in key order, and
 * each cycle is listed as a chain, each waiting for the next, ending where it started.
 */
export function applyOrder(snapshot: FleetSnapshot, cluster: string): { order: FleetKey[]; cycles: FleetKey[][] } {
  const tree = treeOf(snapshot, cluster);
  const keys = Object.keys(tree.kustomizations).sort();
  const before = new Map<FleetKey, Set<FleetKey>>();
  for (const key of keys) {
    const entry = tree.kustomizations[key];
    if (!entry) continue;
    const preds = new Set<FleetKey>();
    for (const dep of dependenciesOf(entry.object)) if (dep !== key && dep in tree.kustomizations) preds.add(dep);
    if (entry.parent !== undefined && entry.parent !== key && entry.parent in tree.kustomizations) preds.add(entry.parent);
    before.set(key, preds);
  }
  const order: FleetKey[] = [];
  const placed = new Set<FleetKey>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const key of keys) {
      if (placed.has(key)) continue;
      if ([...(before.get(key) ?? [])].every((pred) => placed.has(pred))) {
        order.push(key);
        placed.add(key);
        progress = true;
        break;
      }
    }
  }
  const left = keys.filter((key) => !placed.has(key));
  const cycles: FleetKey[][] = [];
  const inCycle = new Set<FleetKey>();
  for (const start of left) {
    if (inCycle.has(start)) continue;
    // Walk predecessors among the unplaced until a key repeats: that repetition closes a cycle.
    const path: FleetKey[] = [];
    let current: FleetKey | undefined = start;
    while (current !== undefined && !path.includes(current)) {
      path.push(current);
      current = [...(before.get(current) ?? [])].sort().find((pred) => !placed.has(pred));
    }
    if (current === undefined) continue;
    const loop = path.slice(path.indexOf(current));
    if (loop.some((key) => inCycle.has(key))) continue;
    for (const key of loop) inCycle.add(key);
    cycles.push([...loop, loop[0] as FleetKey]);
  }
  return { order: [...order, ...left], cycles };
}
