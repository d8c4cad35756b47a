// walkFleet: the whole fleet walk for tests — roots from the fleet checkout, then resolveFleetTree
// with the real renderer over fixture directories standing in for Git checkouts.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findClusterRoots, resolveFleetTree, sourceKeyString, type FleetBootstrap, type FleetSnapshot, type ResolvedFleet } from '#shared/fleet/index.ts';
import { parseManifests } from '#shared/kube/manifests.ts';
import { buildOptionsFromKustomization, renderKustomization } from '#shared/render/index.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A fixture directory under test/unit/fleet/fixtures/. */
export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** A revision named as Flux names it, stable for a (source, ref) pair. */
export function fakeRevision(ref: string, seed: string): string {
  return `${ref}@sha1:${createHash('sha1').update(seed).digest('hex')}`;
}

/**
 * Walks a fleet: `checkoutDirs` maps a source (`namespace/name`, or `cluster:namespace/name` for
 * one cluster only) to the directory standing in for its checkout. The revision of each checkout
 * is made up from the GitRepository's ref, so a cluster following a tag gets another revision than
 * one following a branch.
 */
export async function walkFleet(checkoutDirs: Record<string, string>, bootstrap: FleetBootstrap, snapshot?: FleetSnapshot): Promise<ResolvedFleet> {
  const fleetDir = checkoutDirs[sourceKeyString(bootstrap.source)];
  if (fleetDir === undefined) throw new Error(`no checkout for the bootstrap source ${sourceKeyString(bootstrap.source)}`);
  const roots = await findClusterRoots(fleetDir, bootstrap);
  return resolveFleetTree({
    roots,
    bootstrap,
    ...(snapshot ? { snapshot } : {}),
    checkout: async ({ cluster, source, gitRepository }) => {
      const key = sourceKeyString(source);
      const dir = checkoutDirs[`${cluster}:${key}`] ?? checkoutDirs[key];
      if (dir === undefined) throw new Error(`no checkout for source ${key} of cluster ${cluster}`);
      const ref = (gitRepository?.spec['ref'] ?? { branch: 'main' }) as { branch?: string; tag?: string };
      const name = ref.tag ?? ref.branch ?? 'main';
      return { dir, revision: fakeRevision(name, `${key}:${name}`) };
    },
    render: async ({ kustomization, dir }) => {
      const spec = kustomization.spec;
      const rendered = await renderKustomization({ root: dir, path: spec.path ?? '.', flux: buildOptionsFromKustomization(spec) });
      return parseManifests(rendered.yaml, path.posix.join(dir, spec.path ?? '.'));
    },
  });
}
