/**
 * The roots of a fleet repository: one per `clusters/<name>/` directory.
 *
 * `flux bootstrap` writes `clusters/<name>/flux-system/gotk-sync.yaml` holding a GitRepository and
 * a Kustomization (both named after Flux's namespace, `flux-system` by default) whose `path` is
 * `./clusters/<name>`: the Kustomization renders the very directory that defines it. When a
 * cluster directory has such a Kustomization, Tideline honours it as the root — its interval,
 * prune, patches and its GitRepository's url and ref (a production cluster following a tag while
 * staging follows a branch). A directory without one gets the Kustomization bootstrap would have
 * written, following the fleet's bootstrap source.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '#shared/errors/index.ts';
import type { SourceRef } from '#shared/ports/index.ts';
import { isFluxKind, readFleetDocuments, type FleetDocument } from '#shared/config/fleet.ts';
import { parseKustomization, type FluxKustomization } from '#shared/config/kustomization.ts';
import { DEFAULT_FLUX_NAMESPACE, parseGitRepositoryEnvelope, type FleetGitRepository } from './objects.ts';

/** The source every cluster without its own bootstrap follows (the deploy-time fleet repository). */
export interface FleetBootstrap {
  source: SourceRef;
  /** The bootstrap source as a GitRepository, when the caller has one; kept in the tree of clusters that follow it. */
  gitRepository?: FleetGitRepository;
}

/** The root Kustomization of one cluster. */
export interface ClusterRoot {
  cluster: string;
  kustomization: FluxKustomization;
  /** `bootstrap`: found in the cluster directory (`flux bootstrap`'s gotk-sync.yaml); `synthetic`: made up by Tideline. */
  origin: 'bootstrap' | 'synthetic';
  /** The file that defines the root (bootstrap roots only). */
  file?: string;
  /** The GitRepository the root follows when the cluster directory defines it (gotk-sync.yaml). */
  gitRepository?: FleetGitRepository;
  gitRepositoryFile?: string;
}

/** Name and namespace of the Kustomization Tideline makes up for a cluster directory without a bootstrap. */
export const SYNTHETIC_ROOT = { name: 'flux-system', namespace: DEFAULT_FLUX_NAMESPACE } as const;

function normalisePath(value: string): string {
  const normal = path.posix.normalize(value.replaceAll('\\', '/'));
  return normal.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function rootRank(document: FleetDocument): number {
  const name = (document.value as { metadata?: { name?: unknown } }).metadata?.name;
  if (path.posix.basename(document.file) === 'gotk-sync.yaml') return 0;
  return name === SYNTHETIC_ROOT.name ? 1 : 2;
}

/**
 * One root per `clusters/<name>/` directory of a checkout, in name order (see the module comment).
 * The bootstrap root is any Kustomization under the directory whose `path` is the directory
 * itself (gotk-sync.yaml's first, then one named flux-system). Throws NotFoundError when the
 * checkout has no `clusters/` directory and InvalidInputError, naming the file, for unreadable
 * YAML or an invalid root: falling back to a made-up root would silently follow another ref.
 */
export async function findClusterRoots(checkoutDir: string, bootstrap: FleetBootstrap): Promise<ClusterRoot[]> {
  const clustersDir = path.join(checkoutDir, 'clusters');
  let entries;
  try {
    entries = await readdir(clustersDir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`the fleet repository has no clusters/ directory (${checkoutDir})`, { cause });
    throw cause;
  }
  const names = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  const roots: ClusterRoot[] = [];
  for (const cluster of names) {
    const clusterPath = `clusters/${cluster}`;
    const documents = await readFleetDocuments(checkoutDir, { dir: path.join(clustersDir, cluster) });
    const candidates = documents
      .filter(({ value }) => isFluxKind(value, 'kustomize', 'Kustomization'))
      .filter(({ value }) => {
        const spec = (value as { spec?: { path?: unknown } }).spec;
        return typeof spec?.path === 'string' && normalisePath(spec.path) === clusterPath;
      })
      .sort((a, b) => rootRank(a) - rootRank(b));
    const chosen = candidates[0];
    if (chosen === undefined) {
      roots.push({ cluster, origin: 'synthetic', kustomization: syntheticRoot(cluster, bootstrap.source) });
      continue;
    }
    const kustomization = parseKustomization(chosen.value, chosen.file);
    const root: ClusterRoot = { cluster, origin: 'bootstrap', kustomization, file: chosen.file };
    const ref = kustomization.spec.sourceRef;
    const refNamespace = ref.namespace ?? kustomization.metadata.namespace;
    const repository = documents.find(({ value }) => {
      if (!isFluxKind(value, 'source', 'GitRepository')) return false;
      const metadata = (value as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
      return metadata?.name === ref.name && (metadata.namespace ?? DEFAULT_FLUX_NAMESPACE) === refNamespace;
    });
    if (repository) {
      root.gitRepository = parseGitRepositoryEnvelope(repository.value, repository.file);
      root.gitRepositoryFile = repository.file;
    }
    roots.push(root);
  }
  return roots;
}

/** The Kustomization `flux bootstrap` would have written for a cluster directory: every 10 minutes, pruning, following `source`. */
export function syntheticRoot(cluster: string, source: SourceRef): FluxKustomization {
  return parseKustomization(
    {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { ...SYNTHETIC_ROOT },
      spec: {
        interval: '10m',
        path: `./clusters/${cluster}`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name: source.name, namespace: source.namespace },
      },
    },
    `clusters/${cluster}`,
  );
}
