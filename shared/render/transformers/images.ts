/** The `images:` transformer and the builtin ImageTagTransformer plugin. */
import { type YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { parseSpecs } from '../field-specs.ts';
import { type Resource, getNode, mapGet, mapSet, stringScalar } from '../resource.ts';
import { forEachSpecField } from './spec-fields.ts';

/** An `images:` entry. */
export interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

function splitImage(image: string): { name: string; tag: string; digest: string } {
  let name = image;
  let digest = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag = '';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, tag, digest };
}

function updateImage(value: string, rule: ImageRule): string | undefined {
  const parts = splitImage(value);
  if (parts.name !== rule.name) return undefined;
  let name = rule.newName ?? parts.name;
  let suffix = parts.tag ? `:${parts.tag}` : '';
  if (parts.digest) suffix += `@${parts.digest}`;
  if (rule.newTag !== undefined) suffix = `:${rule.newTag}`;
  if (rule.digest !== undefined) suffix = `@${rule.digest}`;
  if (rule.newTag !== undefined && rule.digest !== undefined) suffix = `:${rule.newTag}@${rule.digest}`;
  // A tag suffix extends the tag (and drops a digest) only when neither a new tag nor a digest is set.
  if (rule.tagSuffix !== undefined && rule.tagSuffix !== '' && rule.newTag === undefined && rule.digest === undefined)
    suffix = `:${parts.tag}${rule.tagSuffix}`;
  if (rule.newName === undefined) name = parts.name;
  return name + suffix;
}

/**
 * Applies the rules in order, each to the result of the previous ones, as kustomize's passes do.
 * `twice`: the field is reached by both of kustomize's passes per image (its walk of every
 * containers list, then its builtin field specs), so each rule runs twice in a row there, which only
 * shows with `tagSuffix` (appended twice, exactly as kustomize prints it).
 */
function applyImageAt(parent: YAMLMap, key: string, rules: readonly ImageRule[], twice = false): void {
  const node = mapGet(parent, key);
  if (!isScalar(node) || typeof node.value !== 'string') return;
  let value = node.value;
  for (const rule of rules) {
    value = updateImage(value, rule) ?? value;
    if (twice) value = updateImage(value, rule) ?? value;
  }
  if (value !== node.value) mapSet(parent, key, stringScalar(value));
}

/** Container lists kustomize's builtin image field specs reach (below the object root). */
const BUILTIN_CONTAINER_PATHS = new Set(['spec', 'spec/template/spec']);

function walkContainers(node: YamlNode | undefined, rules: readonly ImageRule[], builtinSpecs: boolean, at: string): void {
  if (isSeq(node)) {
    for (const item of node.items) if (isMap(item) || isSeq(item)) walkContainers(item as YamlNode, rules, builtinSpecs, '[]');
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const value = pair.value;
    if (!isMap(value) && !isSeq(value)) continue;
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    walkContainers(value as YamlNode, rules, builtinSpecs, at === '' ? String(key) : `${at}/${String(key)}`);
    if ((key === 'containers' || key === 'initContainers') && isSeq(value)) {
      const twice = builtinSpecs && BUILTIN_CONTAINER_PATHS.has(at);
      for (const container of value.items) if (isMap(container)) applyImageAt(container, 'image', rules, twice);
    }
  }
}

/**
 * `images:` — containers/initContainers anywhere in an object, plus image volumes and configured
 * fields. `builtinSpecs` says kustomize's builtin image field specs apply too (the kustomization's
 * `images`, not an ImageTagTransformer given its own).
 */
export function setImages(resources: readonly Resource[], rules: readonly ImageRule[], extraSpecs: readonly string[] = [], builtinSpecs = true): void {
  if (rules.length === 0) return;
  const extra = extraSpecs.length > 0 ? parseSpecs(extraSpecs) : [];
  for (const resource of resources) {
    if (extra.length > 0) forEachSpecField(resource, extra, (parent, key) => applyImageAt(parent, key, rules));
    if (resource.kind === 'CustomResourceDefinition') continue;
    walkContainers(resource.node, rules, builtinSpecs, '');
    for (const base of [getNode(resource.node, ['spec']), getNode(resource.node, ['spec', 'template', 'spec'])]) {
      const volumes = isMap(base) ? mapGet(base, 'volumes') : undefined;
      if (isSeq(volumes)) {
        for (const volume of volumes.items) {
          const image = isMap(volume) ? mapGet(volume, 'image') : undefined;
          if (isMap(image)) applyImageAt(image, 'reference', rules);
        }
      }
    }
  }
}
