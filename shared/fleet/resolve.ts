/**
 * Walking a fleet's tree from its roots, as Flux's controllers do across reconciles: render the
 * root, record the Flux objects it defines, render each new Kustomization, and so on until no
 * Kustomization is left unrendered. Checkout and rendering are injected, so the same walk serves
 * local mode's first sync and the tests.
 */
import path from 'node:path';
import { InvalidInputError, TidelineError } from '#shared/errors/index.ts';
import type { SourceRef } from '#shared/ports/index.ts';
import { groupOf, type KubeObject } from '#shared/kube/objects.ts';
import { readFleetDocuments } from '#shared/config/fleet.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { classifyRendered, type ClassifiedBundle, type ClassifyOptions } from './classify.ts';
import { isSuspended } from './dependencies.ts';
import { DEFAULT_FLUX_NAMESPACE, isFluxGroup, objectIdOf, stableJson, type FleetGitRepository, type FleetKey, type FleetObjectId } from './objects.ts';
import type { ClusterRoot, FleetBootstrap } from './roots.ts';
import {
  createFleetSnapshot,
  recordRender,
  sourceOfKustomization,
  withClusterRoots,
  type ClusterFleet,
  type FleetProblem,
  type FleetSnapshot,
} from './snapshot.ts';

/** A fetched source: its directory and Flux's name for the revision (`main@sha1:<sha>`). */
export interface FleetCheckout {
  dir: string;
  revision: string;
}

/** What the walk asks of its caller. */
export interface ResolveFleetOptions {
  roots: readonly ClusterRoot[];
  bootstrap?: FleetBootstrap;
  /** A snapshot to continue from (its clusters are brought in line with `roots`); a new one otherwise. */
  snapshot?: FleetSnapshot;
  /**
   * Fetches the source a Kustomization of `cluster` follows. `gitRepository` is the cluster's
   * definition of it, absent for the bootstrap source. Called once per cluster, source and spec.
   */
  checkout: (request: { cluster: string; source: SourceRef; gitRepository?: FleetGitRepository }) => Promise<FleetCheckout>;
  /** Renders a Kustomization from its source's checkout into objects (renderKustomization + parseManifests). */
  render: (request: { cluster: string; key: FleetKey; kustomization: FluxKustomization; dir: string }) => Promise<KubeObject[]>;
  /** Passed to `classifyRendered`. */
  classify?: ClassifyOptions;
}

/** One render of the walk. */
export interface FleetRender {
  cluster: string;
  key: FleetKey;
  revision: string;
  classified: ClassifiedBundle;
  /** What the render changed in the tree (see `recordRender`). */
  added: FleetObjectId[];
  removed: FleetObjectId[];
  changed: FleetObjectId[];
}

/** The tree found, every render made (with the workload to apply) and what went wrong. */
export interface ResolvedFleet {
  snapshot: FleetSnapshot;
  renders: FleetRender[];
  /** Suspended Kustomizations: not rendered, so nothing below them is discovered (as in Flux). */
  suspended: { cluster: string; key: FleetKey }[];
  problems: FleetProblem[];
}

/** Finds the file defining a rendered Flux object; `under` (the render path) breaks ties between clusters. */
export type FluxObjectLocator = (object: KubeObject, under?: string) => string | undefined;

/**
 * Where each Flux object of a checkout is defined, for messages that name files: a function from
 * a rendered object to the file that defines it. A patch names the object too, so a document with
 * the object's required fields wins over one without; then a file under the render path (each
 * cluster defines its own `apps`), then one in the object's namespace. Best effort: unreadable
 * YAML only means files are not named.
 */
export async function locateFluxObjects(checkoutDir: string): Promise<FluxObjectLocator> {
  const byName = new Map<string, { file: string; namespace?: string; complete: boolean }[]>();
  try {
    for (const { value, file } of await readFleetDocuments(checkoutDir)) {
      const object = value as {
        apiVersion?: unknown;
        kind?: unknown;
        metadata?: { name?: unknown; namespace?: unknown };
        spec?: Record<string, unknown>;
      } | null;
      if (
        typeof object?.apiVersion !== 'string' ||
        typeof object.kind !== 'string' ||
        typeof object.metadata?.name !== 'string' ||
        !isFluxGroup(groupOf(object.apiVersion))
      )
        continue;
      const spec = object.spec;
      const complete =
        spec !== undefined &&
        spec !== null &&
        typeof spec === 'object' &&
        ['sourceRef', 'url', 'type', 'providerRef', 'interval'].some((field) => field in spec);
      const id = `${object.kind}/${object.metadata.name}`;
      const list = byName.get(id) ?? [];
      list.push({ file, ...(typeof object.metadata.namespace === 'string' ? { namespace: object.metadata.namespace } : {}), complete });
      byName.set(id, list);
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return () => undefined;
  }
  return (object, under) => {
    const candidates = byName.get(`${object.kind}/${object.metadata.name}`) ?? [];
    const namespace = object.metadata.namespace ?? DEFAULT_FLUX_NAMESPACE;
    const prefix =
      under === undefined
        ? undefined
        : `${path.posix
            .normalize(under)
            .replace(/^(\.\/)+/, '')
            .replace(/\/+$/, '')}/`;
    const rank = (c: { file: string; namespace?: string; complete: boolean }): number =>
      (c.complete ? 0 : 10) +
      (prefix !== undefined && (prefix === './' || c.file.startsWith(prefix)) ? 0 : 4) +
      (c.namespace === namespace ? 0 : c.namespace === undefined ? 1 : 2);
    return [...candidates].sort((a, b) => rank(a) - rank(b))[0]?.file;
  };
}

/**
 * Walks every cluster's tree from its root (see the module comment) and returns the snapshot.
 * A Kustomization whose source is not (yet) defined waits until another render defines it, and is
 * reported as `source-not-found` if none does. A Kustomization whose render changes its own spec is
 * rendered once more with the new spec (`renders` holds the last render). A checkout or render failing with one of Tideline's
 * typed errors is a `source-failed` or `render` problem of the Kustomizations concerned, which keep
 * their children as they were; the rest of the fleet is still walked. Other errors propagate.
 */
export async function resolveFleetTree(options: ResolveFleetOptions): Promise<ResolvedFleet> {
  let snapshot = options.snapshot
    ? withClusterRoots(options.snapshot, options.roots, options.bootstrap).snapshot
    : createFleetSnapshot(options.roots, options.bootstrap);
  const result: Omit<ResolvedFleet, 'snapshot'> = { renders: [], suspended: [], problems: [] };
  const checkouts = new Map<string, Promise<FleetCheckout>>();
  const locators = new Map<string, Promise<FluxObjectLocator>>();

  for (const root of options.roots) {
    const cluster = root.cluster;
    const done = new Set<FleetKey>();
    const rerendered = new Set<FleetKey>();
    const renderIndex = new Map<FleetKey, number>();
    let pending: FleetKey[] = [(snapshot.clusters[cluster] as ClusterFleet).root];
    while (pending.length > 0) {
      const waiting: FleetKey[] = [];
      let progressed = false;
      for (const key of pending) {
        const tree = snapshot.clusters[cluster] as ClusterFleet;
        const entry = tree.kustomizations[key];
        if (!entry || done.has(key)) continue;
        const source = sourceOfKustomization(entry.object);
        const sourceKey = `${source.namespace}/${source.name}`;
        const gitRepository = tree.gitRepositories[sourceKey]?.object;
        const isRootSource =
          sourceKey === `${root.kustomization.spec.sourceRef.namespace ?? root.kustomization.metadata.namespace}/${root.kustomization.spec.sourceRef.name}`;
        if (!gitRepository && !isRootSource) {
          waiting.push(key);
          continue;
        }
        done.add(key);
        progressed = true;
        if (isSuspended(entry.object)) {
          result.suspended.push({ cluster, key });
          continue;
        }
        const sourceRef: SourceRef = { kind: 'GitRepository', namespace: source.namespace, name: source.name };
        const checkoutId = `${cluster}\u0000${sourceKey}\u0000${gitRepository ? stableJson(gitRepository.spec) : ''}`;
        let checkout = checkouts.get(checkoutId);
        if (!checkout) {
          checkout = options.checkout({ cluster, source: sourceRef, ...(gitRepository ? { gitRepository } : {}) });
          checkouts.set(checkoutId, checkout);
        }
        let fetched: FleetCheckout;
        try {
          fetched = await checkout;
        } catch (error) {
          // A source that cannot be fetched (host down, refused URL, bad credentials) holds only
          // the Kustomizations that follow it.
          if (!(error instanceof TidelineError)) throw error;
          result.problems.push(
            kustomizationProblem('source-failed', cluster, key, `Kustomization ${key}: source GitRepository/${sourceKey}: ${error.message}`),
          );
          continue;
        }
        const { dir, revision } = fetched;
        let locate = locators.get(dir);
        if (!locate) {
          locate = locateFluxObjects(dir);
          locators.set(dir, locate);
        }
        let objects: KubeObject[];
        try {
          objects = await options.render({ cluster, key, kustomization: entry.object, dir });
        } catch (error) {
          if (!(error instanceof TidelineError)) throw error;
          result.problems.push(kustomizationProblem('render', cluster, key, error.message, error.source ? [error.source.file] : undefined));
          continue;
        }
        const renderPath = entry.object.spec.path ?? '.';
        const locator = await locate;
        const classified = classifyRendered(
          objects,
          { cluster, owner: key, file: renderPath, fileOf: (object) => locator(object, renderPath) },
          options.classify,
        );
        const recorded = recordRender(snapshot, cluster, key, classified, revision);
        snapshot = recorded.snapshot;
        const render: FleetRender = { cluster, key, revision, classified, added: recorded.added, removed: recorded.removed, changed: recorded.changed };
        const earlier = renderIndex.get(key);
        if (earlier === undefined) {
          renderIndex.set(key, result.renders.length);
          result.renders.push(render);
        } else {
          // The second render of a Kustomization whose first changed its own spec replaces the first.
          const first = result.renders[earlier] as FleetRender;
          const union = (a: FleetObjectId[], b: FleetObjectId[]): FleetObjectId[] => [...new Set([...a, ...b])];
          result.renders[earlier] = {
            ...render,
            added: union(first.added, render.added),
            removed: union(first.removed, render.removed),
            changed: union(first.changed, render.changed),
          };
        }
        result.problems.push(...recorded.problems);
        // A Kustomization that changed its own spec (flux-system/kustomization.yaml patching the
        // root, e.g. adding decryption) is rendered once more with it, as Flux's next reconcile would.
        if (recorded.changed.includes(objectIdOf('Kustomization', key)) && !rerendered.has(key)) {
          rerendered.add(key);
          done.delete(key);
          waiting.push(key);
        }
        // Newly defined Kustomizations render next; so do updated ones not rendered yet in this walk.
        for (const child of Object.keys((snapshot.clusters[cluster] as ClusterFleet).kustomizations).sort()) {
          if (!done.has(child) && !waiting.includes(child) && !pending.includes(child)) waiting.push(child);
        }
      }
      if (!progressed) {
        for (const key of waiting) {
          const entry = (snapshot.clusters[cluster] as ClusterFleet).kustomizations[key];
          if (!entry) continue;
          const ref = entry.object.spec.sourceRef;
          result.problems.push(
            kustomizationProblem(
              'source-not-found',
              cluster,
              key,
              `Kustomization ${key}: Source '${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}' not found`,
            ),
          );
        }
        break;
      }
      pending = waiting;
    }
  }
  const seen = new Set<string>();
  result.problems = result.problems.filter((problem) => {
    const id = `${problem.type}\u0000${problem.cluster ?? ''}\u0000${problem.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return { snapshot, ...result };
}

/** A problem of Kustomization `key` in `cluster`, with the files it concerns when known. */
function kustomizationProblem(type: FleetProblem['type'], cluster: string, key: FleetKey, message: string, files?: string[]): FleetProblem {
  return { type, cluster, object: objectIdOf('Kustomization', key), ...(files ? { files } : {}), message };
}
