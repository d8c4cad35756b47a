/**
 * `replacements`: copying a field of one object into fields of others.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import type { BuildContext, Kustomization } from './kustomize.ts';
import type { Resource } from './resource.ts';

/** Applies the kustomization's replacements to the resources. */
export async function applyReplacements(_ctx: BuildContext, k: Kustomization, _resources: Resource[]): Promise<void> {
  await Promise.resolve();
  throw new InvalidInputError('replacements are not supported yet', { source: { file: k.file } });
}
