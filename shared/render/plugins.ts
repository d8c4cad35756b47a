/**
 * `transformers:` and `generators:` entries that configure kustomize's *builtin* plugins
 * (`apiVersion: builtin`, e.g. `kind: LabelTransformer`), from files, kustomization directories or
 * inline YAML. They run after the kustomization's own generators and transformers, in the order
 * listed, as in kustomize. Exec, Go and KRM-function plugins need code from outside the repository
 * and are refused.
 */
import { YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { generateObjects } from './generators.ts';
import { applyReplacements } from './replacements.ts';
import { type Resource, getString, mapGet, mapSet, stringScalar } from './resource.ts';
import { CLUSTER_SCOPED_KINDS, fieldSpecString } from './field-specs.ts';
import { addMapEntries } from './transformers/map-entries.ts';
import { addPluginAffixes } from './transformers/name-affixes.ts';
import { setImages, type ImageRule } from './transformers/images.ts';
import { setReplicas } from './transformers/replicas.ts';
import { setStringAt } from './transformers/spec-fields.ts';
import { applyPatches, readPatchTarget, type PatchSpec } from './patch.ts';
import { scalarText } from './yaml/go-value.ts';
import type { BuildContext, Kustomization } from './kustomize.ts';

const TRANSFORMER_KINDS = new Set([
  'PrefixSuffixTransformer',
  'PrefixTransformer',
  'SuffixTransformer',
  'LabelTransformer',
  'AnnotationsTransformer',
  'NamespaceTransformer',
  'ImageTagTransformer',
  'ReplicaCountTransformer',
  'PatchTransformer',
  'PatchStrategicMergeTransformer',
  'PatchJson6902Transformer',
  'ReplacementTransformer',
]);
const GENERATOR_KINDS = new Set(['ConfigMapGenerator', 'SecretGenerator']);

/** Refuses a configuration that is not one of kustomize's builtin plugins of that list's kind. */
function checkedConfigs(configs: readonly Resource[], field: 'transformers' | 'generators'): readonly Resource[] {
  const expected = field === 'transformers' ? TRANSFORMER_KINDS : GENERATOR_KINDS;
  for (const config of configs) {
    if (config.apiVersion !== 'builtin') {
      throw new InvalidInputError(
        `${field} plugin ${config.kind || '(no kind)'} "${config.name}" (apiVersion ${config.apiVersion || 'none'}) is not a kustomize builtin; exec, Go and KRM-function plugins are not supported`,
        { source: { file: config.file } },
      );
    }
    if (!expected.has(config.kind)) {
      throw new InvalidInputError(
        `builtin ${field === 'transformers' ? 'transformer' : 'generator'} ${config.kind} is not supported (supported: ${[...expected].join(', ')})`,
        { source: { file: config.file } },
      );
    }
  }
  return configs;
}

function field(config: Resource, key: string): YamlNode | undefined {
  return mapGet(config.node, key);
}

function text(node: YamlNode | undefined): string | undefined {
  return isScalar(node) && node.value !== null ? (scalarText(node) ?? '') : undefined;
}

function stringMap(config: Resource, key: string): Record<string, string> {
  const node = field(config, key);
  const out: Record<string, string> = {};
  if (node === undefined || (isScalar(node) && node.value === null)) return out;
  if (!isMap(node)) throw new InvalidInputError(`${config.kind} "${config.name}": "${key}" must be a map`, { source: { file: config.file } });
  for (const pair of node.items) out[text(pair.key as YamlNode) ?? ''] = text(pair.value as YamlNode) ?? '';
  return out;
}

/** The plugin's `fieldSpecs` in the compact `group/version/kind path[!]` form. */
function fieldSpecs(config: Resource): string[] {
  const node = field(config, 'fieldSpecs');
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new InvalidInputError(`${config.kind} "${config.name}": "fieldSpecs" must be a list`, { source: { file: config.file } });
  return node.items.filter(isMap).map((spec) => {
    const path = getString(spec, ['path']) ?? '';
    if (!path) throw new InvalidInputError(`${config.kind} "${config.name}": a field spec needs a path`, { source: { file: config.file } });
    return fieldSpecString(spec, path);
  });
}

function target(config: Resource): Record<string, string> | undefined {
  const node = field(config, 'target');
  return isMap(node) ? readPatchTarget(node) : undefined;
}

/**
 * A NamespaceTransformer plugin: like kustomize's namespace filter, metadata.namespace of every
 * namespaced object and (Cluster)RoleBinding subjects by mode, then only the fields its fieldSpecs
 * name (`metadata/name` only on `v1` objects, i.e. Namespaces). `unsetOnly` keeps values already set.
 */
function setNamespaceOnly(
  resources: readonly Resource[],
  namespace: string,
  specs: readonly string[],
  options: { unsetOnly: boolean; subjects: string },
): void {
  const next = (current: string): string => (options.unsetOnly && current !== '' ? current : namespace);
  const isNameSpec = (spec: string): boolean => / metadata\/name!?$/.test(spec);
  const rest = specs.filter((spec) => !/ metadata\/namespace!?$/.test(spec) && !/^[^ ]*\/(Cluster)?RoleBinding subjects\/namespace!?$/.test(spec));
  for (const resource of resources) {
    const kind = resource.kind;
    resource.namespaceTransformed = true;
    if (!CLUSTER_SCOPED_KINDS.has(kind)) resource.setNamespace(next(resource.namespace));
    if ((kind === 'RoleBinding' || kind === 'ClusterRoleBinding') && options.subjects !== 'none') {
      const subjects = mapGet(resource.node, 'subjects');
      for (const subject of isSeq(subjects) ? subjects.items : []) {
        if (!isMap(subject)) continue;
        const selected = options.subjects === 'defaultOnly' ? getString(subject, ['name']) === 'default' : getString(subject, ['kind']) === 'ServiceAccount';
        if (selected) mapSet(subject, 'namespace', stringScalar(next(getString(subject, ['namespace']) ?? '')));
      }
    }
    const own = resource.apiVersion === 'v1' ? rest : rest.filter((spec) => !isNameSpec(spec));
    if (own.length > 0) setStringAt(resource, own, next);
  }
}

async function readPatchFile(ctx: BuildContext, k: Kustomization, ref: string): Promise<string> {
  return ctx.fs.readText(await ctx.fs.resolve(k.dir, ref, k.file));
}

/** Runs a kustomization's `transformers:` builtin plugin configurations (read by the builder) over its objects, in order. */
export async function runTransformerPlugins(ctx: BuildContext, k: Kustomization, configs: readonly Resource[], resources: Resource[]): Promise<void> {
  for (const config of checkedConfigs(configs, 'transformers')) {
    const specs = fieldSpecs(config);
    const where = { source: { file: config.file } };
    switch (config.kind) {
      case 'PrefixSuffixTransformer':
      case 'PrefixTransformer':
      case 'SuffixTransformer':
        addPluginAffixes(
          resources,
          config.kind === 'SuffixTransformer' ? '' : (text(field(config, 'prefix')) ?? ''),
          config.kind === 'PrefixTransformer' ? '' : (text(field(config, 'suffix')) ?? ''),
          specs,
        );
        break;
      case 'LabelTransformer':
      case 'AnnotationsTransformer': {
        const entries = stringMap(config, config.kind === 'LabelTransformer' ? 'labels' : 'annotations');
        if (Object.keys(entries).length > 0) addMapEntries(resources, specs, entries);
        break;
      }
      case 'NamespaceTransformer': {
        const namespace = getString(config.node, ['metadata', 'namespace']) ?? '';
        const subjects = text(field(config, 'setRoleBindingSubjects')) ?? '';
        if (!['', 'defaultOnly', 'allServiceAccounts', 'none'].includes(subjects)) {
          throw new InvalidInputError(
            `NamespaceTransformer "${config.name}": setRoleBindingSubjects must be defaultOnly, allServiceAccounts or none, not "${subjects}"`,
            where,
          );
        }
        setNamespaceOnly(resources, namespace, specs, {
          unsetOnly: text(field(config, 'unsetOnly')) === 'true',
          subjects: subjects === '' ? 'defaultOnly' : subjects,
        });
        break;
      }
      case 'ImageTagTransformer': {
        const tag = field(config, 'imageTag');
        const name = isMap(tag) ? getString(tag, ['name']) : undefined;
        if (!isMap(tag) || !name) throw new InvalidInputError(`ImageTagTransformer "${config.name}": imageTag.name is required`, where);
        const rule: ImageRule = { name };
        for (const key of ['newName', 'newTag', 'digest', 'tagSuffix'] as const) {
          const value = getString(tag, [key]);
          if (value !== undefined) rule[key] = value;
        }
        setImages(resources, [rule], specs, false);
        break;
      }
      case 'ReplicaCountTransformer': {
        const replica = field(config, 'replica');
        const name = isMap(replica) ? getString(replica, ['name']) : undefined;
        const count = isMap(replica) ? Number(getString(replica, ['count'])) : Number.NaN;
        if (!name || !Number.isInteger(count))
          throw new InvalidInputError(`ReplicaCountTransformer "${config.name}": replica needs a name and an integer count`, where);
        setReplicas(resources, [{ name, count }], specs, false, config.file);
        break;
      }
      case 'PatchTransformer': {
        const inline = text(field(config, 'patch'));
        const ref = text(field(config, 'path'));
        if ((inline === undefined) === (ref === undefined))
          throw new InvalidInputError(`PatchTransformer "${config.name}": needs exactly one of patch and path`, where);
        const options: Record<string, string> = {};
        const optionNode = field(config, 'options');
        if (isMap(optionNode)) for (const pair of optionNode.items) options[text(pair.key as YamlNode) ?? ''] = text(pair.value as YamlNode) ?? '';
        const t = target(config);
        await applyPatches(
          resources,
          [{ patch: inline ?? (await readPatchFile(ctx, k, ref as string)), file: ref ?? config.file, kind: 'auto', ...(t ? { target: t } : {}), options }],
          config.file,
        );
        break;
      }
      case 'PatchStrategicMergeTransformer': {
        const patches: PatchSpec[] = [];
        const paths = field(config, 'paths');
        for (const item of isSeq(paths) ? paths.items : []) {
          const ref = text(item as YamlNode);
          if (ref) patches.push({ patch: await readPatchFile(ctx, k, ref), file: ref, kind: 'strategic' });
        }
        const inline = text(field(config, 'patches'));
        if (inline) patches.push({ patch: inline, file: config.file, kind: 'strategic' });
        if (patches.length === 0) throw new InvalidInputError(`PatchStrategicMergeTransformer "${config.name}": needs paths or patches`, where);
        await applyPatches(resources, patches, config.file);
        break;
      }
      case 'PatchJson6902Transformer': {
        const t = target(config);
        const ref = text(field(config, 'path'));
        const inline = text(field(config, 'jsonOp'));
        if (!t) throw new InvalidInputError(`PatchJson6902Transformer "${config.name}": needs a target`, where);
        if ((inline === undefined) === (ref === undefined))
          throw new InvalidInputError(`PatchJson6902Transformer "${config.name}": needs exactly one of jsonOp and path`, where);
        await applyPatches(
          resources,
          [{ patch: inline ?? (await readPatchFile(ctx, k, ref as string)), file: ref ?? config.file, kind: 'json6902', target: t }],
          config.file,
        );
        break;
      }
      case 'ReplacementTransformer': {
        // Same entries as a kustomization's `replacements` (inline or `path:`), paths relative to the kustomization.
        const body = new YAMLMap();
        const replacements = field(config, 'replacements');
        if (!isSeq(replacements)) throw new InvalidInputError(`ReplacementTransformer "${config.name}": needs a replacements list`, where);
        mapSet(body, 'replacements', replacements);
        await applyReplacements(ctx, { ...k, file: config.file, body }, resources);
        break;
      }
    }
  }
}

/** Runs a kustomization's `generators:` builtin ConfigMap/Secret generator configurations (read by the builder). */
export async function runGeneratorPlugins(ctx: BuildContext, k: Kustomization, configs: readonly Resource[], resources: Resource[]): Promise<Resource[]> {
  if (configs.length === 0) return resources;
  let out = resources;
  for (const config of checkedConfigs(configs, 'generators')) {
    // A generator configuration is a generator entry whose name and namespace sit in metadata.
    const item = new YAMLMap();
    mapSet(item, 'name', stringScalar(config.name));
    const namespace = getString(config.node, ['metadata', 'namespace']);
    if (namespace) mapSet(item, 'namespace', stringScalar(namespace));
    for (const pair of config.node.items) {
      const key = text(pair.key as YamlNode) ?? '';
      if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata') item.items.push(pair);
    }
    out = await generateObjects(ctx, k, config.kind === 'ConfigMapGenerator' ? 'ConfigMap' : 'Secret', [item], undefined, out);
  }
  return out;
}
