/**
 * Walking a fleet's tree from its roots, as Flux's controllers do across reconciles: render the
 * root, record the Flux objects it defines, render each new Kustomization, and so on until no
 * Kustomization is left unrendered. Checkout and rendering are injected, so the same walk serves
 * local mode's first sync and the tests.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import type { SourceRef } from '#shared/ports/index.ts';
import type { KubeObject } from '#shared/kube/objects.ts';
import { isFluxKind, readFleetDocuments } from '#shared/config/fleet.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { classifyRendered, type ClassifiedBundle, type ClassifyOptions } from './classify.ts';
import { isSuspended } from './dependencies.ts';
import { DEFAULT_FLUX_NAMESPACE, objectIdOf, stableJson, type FleetGitRepository, type FleetKey } from './objects.ts';
import type { ClusterRoot, FleetBootstrap } from './roots.ts';
import { createFleetSnapshot, recordRender, sourceOfKustomization, withClusterRoots, type ClusterFleet, type FleetProblem, type FleetSnapshot } from './snapshot.ts';

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
}

/** The tree found, every render made (with the workload to apply) and what went wrong. */
export interface ResolvedFleet {
  snapshot: FleetSnapshot;
  renders: FleetRender[];
  /** Suspended Kustomizations: not rendered, so nothing below them is discovered (as in Flux). */
  suspended: { cluster: string; key: FleetKey }[];
  problems: FleetProblem[];
}

/**
 * Where each Flux object of a checkout is defined, for error messages: a function from a rendered
 * object to the file that defines it (the full definition when a patch names it too). Best effort:
 * unreadable YAML only means files are not named.
 */
export async function locateFluxObjects(checkoutDir: string): Promise<(object: KubeObject) => string | undefined> {
  const byName = new Map<string, { file: string; namespace?: string; complete: boolean }[]>();
  try {
    for (const { value, file } of await readFleetDocuments(checkoutDir)) {
      const object = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: Record<string, unknown> };
      if (typeof object?.kind !== 'string' || typeof object.metadata?.name !== 'string') continue;
      if (!isFluxKind(value, 'kustomize', object.kind) && !isFluxKind(value, 'source', object.kind) && !isFluxKind(value, 'notification', object.kind)) continue;
      // A patch names the object too; the definition is the document with the required fields.
      const complete = object.spec !== undefined && ('sourceRef' in object.spec || 'url' in object.spec || 'type' in object.spec || 'providerRef' in object.spec || 'interval' in object.spec);
      const id = `${object.kind}/${object.metadata.name}`;
      const list = byName.get(id) ?? [];
      list.push({ file, ...(typeof object.metadata.namespace === 'string' ? { namespace: object.metadata.namespace } : {}), complete });
      byName.set(id, list);
    }
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return () => undefined;
  }
  return (object) => {
    const candidates = byName.get(`${object.kind}/${object.metadata.name}`) ?? [];
    const namespace = object.metadata.namespace ?? DEFAULT_FLUX_NAMESPACE;
    const rank = (c: { namespace?: string; complete: boolean }): number => (c.namespace === namespace ? 0 : c.namespace === undefined ? 1 : 2) + (c.complete ? 0 : 3);
    return [...candidates].sort((a, b) => rank(a) - rank(b))[0]?.file;
  };
}

/**
 * Walks every cluster's tree from its root (see the module comment) and returns the snapshot.
 * A Kustomization whose source is not (yet) defined waits until another render defines it, and is
 * reported as `source-not-found` if none does. A render failing with InvalidInputError is a
 * `render` problem and leaves that Kustomization's children as they were; other errors propagate.
 */
export async function resolveFleetTree(options: ResolveFleetOptions): Promise<ResolvedFleet> {
  let snapshot = options.snapshot ? withClusterRoots(options.snapshot, options.roots, options.bootstrap).snapshot : createFleetSnapshot(options.roots, options.bootstrap);
  const result: Omit<ResolvedFleet, 'snapshot'> = { renders: [], suspended: [], problems: [] };
  const checkouts = new Map<string, Promise<FleetCheckout>>();
  const locators = new Map<string, Promise<(object: KubeObject) => string | undefined>>();

  for (const root of options.roots) {
    const cluster = root.cluster;
    const done = new Set<FleetKey>();
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
        const isRootSource = sourceKey === `${root.kustomization.spec.sourceRef.namespace ?? root.kustomization.metadata.namespace}/${root.kustomization.spec.sourceRef.name}`;
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
        const { dir, revision } = await checkout;
        let locate = locators.get(dir);
        if (!locate) {
          locate = locateFluxObjects(dir);
          locators.set(dir, locate);
        }
        let objects: KubeObject[];
        try {
          objects = await options.render({ cluster, key, kustomization: entry.object, dir });
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          result.problems.push({ type: 'render', cluster, object: objectIdOf('Kustomization', key), ...(error.source ? { files: [error.source.file] } : {}), message: error.message });
          continue;
        }
        const classified = classifyRendered(objects, { cluster, owner: key, file: entry.object.spec.path ?? '.', fileOf: await locate }, options.classify);
        const recorded = recordRender(snapshot, cluster, key, classified, revision);
        snapshot = recorded.snapshot;
        result.renders.push({ cluster, key, revision, classified });
        result.problems.push(...recorded.problems);
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
          result.problems.push({
            type: 'source-not-found',
            cluster,
            object: objectIdOf('Kustomization', key),
            message: `Kustomization ${key}: Source '${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}' not found`,
          });
        }
        break;
      }
      pending = waiting;
    }
  }
  return { snapshot, ...result };
}
