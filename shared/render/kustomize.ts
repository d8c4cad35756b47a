/**
 * Building one kustomization directory the way `kustomize build` does: resources (files,
 * directories, nested kustomizations), generators, components, then the builtin transformers in
 * kustomize's order. Remote bases are always refused (the renderer fetches nothing); cycles and
 * runaway depth are errors.
 */
import path from 'node:path';
import { YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { resolvePlainV2, scalarText } from './yaml/go-value.ts';
import { parseYamlDocuments, type RootedFs } from './load.ts';
import { generateObjects } from './generators.ts';
import { runGeneratorPlugins, runTransformerPlugins } from './plugins.ts';
import { applyReplacements } from './replacements.ts';
import { Resource, assertUniqueIds, getNode, getString, mapGet } from './resource.ts';
import { addMapEntries } from './transformers/map-entries.ts';
import { addNameAffixes } from './transformers/name-affixes.ts';
import { setImages, type ImageRule } from './transformers/images.ts';
import type { TargetRule } from './transformers/name-references.ts';
import { setNamespace } from './transformers/namespace.ts';
import { setReplicas } from './transformers/replicas.ts';
import { COMMON_ANNOTATION_SPECS, COMMON_LABEL_SPECS, METADATA_LABEL_SPECS, TEMPLATE_LABEL_SPECS, fieldSpecString, splitSpecPath } from './field-specs.ts';
import { applyPatches, readPatchTarget, type PatchSpec } from './patch.ts';
import { mergeVars, readVars, type VarState } from './vars.ts';

/** File names kustomize recognises as a directory's kustomization, in lookup order. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Top-level kustomization fields the renderer reads; any other key is refused as unknown. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'components',
  'crds',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'replacements',
  'sortOptions',
  'buildMetadata',
  'configurations',
  'vars',
  'transformers',
  'generators',
]);
const UNSUPPORTED_FIELDS: Record<string, string> = {
  validators: 'validator plugins are not supported',
  helmCharts: 'Helm charts are not supported; render them with a HelmRelease instead',
  helmGlobals: 'Helm charts are not supported',
  helmChartInflationGenerator: 'Helm charts are not supported',
  openapi: 'custom OpenAPI schemas are not supported',
};

/** Shared state of one render: the confined file system and the render options. */
export interface BuildContext {
  fs: RootedFs;
  /** Only changes the message a remote base is refused with: the renderer never fetches one. */
  allowRemoteBases: boolean;
  /** Directories currently being built, to detect cycles. */
  stack: string[];
  /** Kustomizations built so far in this render. */
  builds?: number;
  /** Field specs added by `configurations` files seen so far (they apply up the tree, as kustomize merges them upward). */
  config?: TransformerConfig;
  /** `vars` declared so far and the objects they are bound to. */
  vars?: VarState;
}

/** Extra field specs from `configurations` files. */
export interface TransformerConfig {
  nameReferences: TargetRule[];
  images: string[];
  commonLabels: string[];
  commonAnnotations: string[];
  varReferences: string[];
  namePrefix: string[];
  nameSuffix: string[];
  namespace: string[];
  templateLabels: string[];
  replicas: string[];
}

/** A parsed kustomization file. */
export interface Kustomization {
  file: string;
  dir: string;
  isComponent: boolean;
  body: YAMLMap;
}

/** Finds the kustomization file of a directory, or undefined when it has none. */
export async function findKustomizationFile(ctx: BuildContext, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (await ctx.fs.exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Refuses a kustomization that sets nothing, as kustomize does ("kustomization.yaml is empty"): no
 * field but `apiVersion`/`kind`, or only fields whose value is null or an empty string. An empty
 * list or map (`resources: []`) counts as set, as it does for kustomize's Go struct.
 */
export function assertNotEmpty(k: Kustomization): void {
  const set = k.body.items.some((pair) => {
    const key = isScalar(pair.key) ? (scalarText(pair.key) ?? '') : '';
    if (key === 'apiVersion' || key === 'kind') return false;
    const value = pair.value;
    return !(value === null || value === undefined || (isScalar(value) && (value.value === null || value.value === '')));
  });
  if (!set) throw new InvalidInputError(`the kustomization is empty: it sets no field`, { source: { file: k.file } });
}

/**
 * Reads and validates a kustomization file (unknown fields are refused by name). `checkEmpty: false`
 * leaves the emptiness check to the caller, for a file Flux adds fields to before the build.
 */
export async function readKustomization(ctx: BuildContext, file: string, checkEmpty = true): Promise<Kustomization> {
  const display = ctx.fs.display(file);
  const docs = await ctx.fs.readYaml(file);
  const body = docs[0]?.node ?? new YAMLMap();
  if (docs.length > 1) throw new InvalidInputError('a kustomization file must hold exactly one YAML document', { source: { file: display } });
  if (!isMap(body)) throw new InvalidInputError('a kustomization must be a YAML mapping', { source: { file: display } });
  for (const pair of body.items) {
    const key = isScalar(pair.key) ? (scalarText(pair.key) ?? '') : '';
    const why = UNSUPPORTED_FIELDS[key];
    if (why) throw new InvalidInputError(`kustomization field "${key}" is not supported: ${why}`, { source: { file: display } });
    if (!KNOWN_FIELDS.has(key)) throw new InvalidInputError(`unknown kustomization field "${key}"`, { source: { file: display } });
  }
  const kind = getString(body, ['kind']);
  if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') {
    throw new InvalidInputError(`kind must be Kustomization or Component, not "${kind}"`, { source: { file: display } });
  }
  const k = { file: display, dir: path.dirname(file), isComponent: kind === 'Component', body };
  if (checkEmpty) assertNotEmpty(k);
  return k;
}

/** A string list field, validated. */
export function stringList(k: Kustomization, field: string): string[] {
  const node = mapGet(k.body, field);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new InvalidInputError(`"${field}" must be a list`, { source: { file: k.file } });
  return node.items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string') throw new InvalidInputError(`"${field}" entries must be strings`, { source: { file: k.file } });
    return item.value;
  });
}

function stringField(k: Kustomization, field: string): string | undefined {
  const node = mapGet(k.body, field);
  if (node === undefined) return undefined;
  if (!isScalar(node)) throw new InvalidInputError(`"${field}" must be a string`, { source: { file: k.file } });
  return node.value === null ? undefined : (scalarText(node) ?? '');
}

function stringRecord(node: YamlNode | undefined, file: string, field: string, stringsOnly = true): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === undefined || (isScalar(node) && node.value === null)) return out;
  if (!isMap(node)) throw new InvalidInputError(`"${field}" must be a map of strings`, { source: { file } });
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? (scalarText(pair.key) ?? '') : '';
    const value = pair.value;
    // kustomize reads its kustomization with YAML 1.1 typing into string maps: `on`, `y` or `1`
    // unquoted are not strings and the build fails.
    if (stringsOnly && isScalar(value) && value.type === 'PLAIN' && value.value !== null) {
      const kind = resolvePlainV2(scalarText(value) ?? '').kind;
      if (kind !== 'str' && kind !== 'null') throw new InvalidInputError(`"${field}.${key}" must be a string; quote the value`, { source: { file } });
    }
    out[key] = isScalar(value) && value.value !== null ? (scalarText(value) ?? '') : '';
  }
  return out;
}

/** Whether a kustomization reference names something kustomize would fetch (URL, Git host), not a local path. */
export function isRemote(ref: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) ||
    /^git@/.test(ref) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) ||
    /\?ref=/.test(ref) ||
    ref.includes('.git//')
  );
}

/** Objects of one YAML file; `List` kinds are flattened into their items as kustomize does. */
export async function loadResourceFile(ctx: BuildContext, absolute: string): Promise<Resource[]> {
  const display = ctx.fs.display(absolute);
  const docs = await ctx.fs.readYaml(absolute);
  const out: Resource[] = [];
  for (const doc of docs) {
    const node = doc.node;
    if (node === null || (isScalar(node) && (node.value === null || node.value === ''))) continue;
    if (!isMap(node)) throw new InvalidInputError('a resource must be a YAML mapping', { source: { file: display, line: doc.line } });
    const kind = getString(node, ['kind']);
    if (kind !== undefined && kind.endsWith('List') && isSeq(mapGet(node, 'items'))) {
      const items = mapGet(node, 'items');
      if (isSeq(items)) {
        for (const item of items.items) {
          if (!isMap(item)) throw new InvalidInputError('List items must be mappings', { source: { file: display, line: doc.line } });
          out.push(checkedResource(item, display, doc.line));
        }
      }
      continue;
    }
    out.push(checkedResource(node, display, doc.line));
  }
  return out;
}

function checkedResource(node: YAMLMap, file: string, line: number): Resource {
  const resource = new Resource(node, file);
  const missing = [!resource.apiVersion && 'apiVersion', !resource.kind && 'kind', !resource.name && 'metadata.name'].filter(Boolean);
  if (missing.length > 0) throw new InvalidInputError(`object is missing ${missing.join(', ')}`, { source: { file, line } });
  return resource;
}

/** Builds a directory that has a kustomization file into its list of objects. */
export async function buildKustomization(ctx: BuildContext, dir: string, source: string | Kustomization, parent?: Resource[]): Promise<Resource[]> {
  const sourceFile = typeof source === 'string' ? ctx.fs.display(source) : source.file;
  // Compared by real path: through a symlink (`self -> .`) the same directory has endless names.
  const identity = ctx.fs.identity(dir);
  if (ctx.stack.some((entry) => ctx.fs.identity(entry) === identity)) {
    throw new InvalidInputError(`kustomization cycle: ${[...ctx.stack, dir].map((d) => ctx.fs.display(d)).join(' -> ')}`, { source: { file: sourceFile } });
  }
  if (ctx.stack.length >= ctx.fs.limits.maxDepth) {
    throw new InvalidInputError(`kustomizations nested deeper than ${ctx.fs.limits.maxDepth} levels`, { source: { file: sourceFile } });
  }
  // A base reached through many paths is rebuilt for each one, as kustomize does; cap the total so a
  // tree of diamonds cannot make the work exponential.
  ctx.builds = (ctx.builds ?? 0) + 1;
  if (ctx.builds > ctx.fs.limits.maxFiles) {
    throw new InvalidInputError(`more than ${ctx.fs.limits.maxFiles} kustomization builds; the tree includes its bases too many times`, {
      source: { file: sourceFile },
    });
  }
  ctx.stack.push(dir);
  try {
    const k = typeof source === 'string' ? await readKustomization(ctx, source) : source;
    await loadConfigurations(ctx, k);
    let resources: Resource[] = parent ?? [];
    for (const ref of [...stringList(k, 'resources'), ...stringList(k, 'bases')]) {
      resources = resources.concat(await accumulateReference(ctx, k, ref, false));
      // Checked while accumulating too, so a huge List fails before every transformer has walked it.
      if (resources.length > ctx.fs.limits.maxObjects) {
        throw new InvalidInputError(`bundle has more than ${ctx.fs.limits.maxObjects} objects, over the limit`, { source: { file: k.file } });
      }
    }
    assertUniqueIds(resources, k.file);
    resources = await runGenerators(ctx, k, resources);
    for (const ref of stringList(k, 'components')) {
      const componentDir = await resolveLocal(ctx, k, ref);
      const file = await findKustomizationFile(ctx, componentDir);
      if (!file) throw new InvalidInputError(`component "${ref}" has no kustomization file`, { source: { file: k.file } });
      const component = await readKustomization(ctx, file);
      if (!component.isComponent) throw new InvalidInputError(`"${ref}" is listed under components but is not kind Component`, { source: { file: k.file } });
      resources = await buildKustomization(ctx, componentDir, file, resources);
    }
    await runTransformers(ctx, k, resources);
    // kustomize binds a kustomization's vars to their objects after its own transformers ran.
    const decls = readVars(k.body, k.file);
    if (decls.length > 0) mergeVars((ctx.vars ??= { decls: new Map(), bound: new Map() }), decls, resources);
    return resources;
  } finally {
    ctx.stack.pop();
  }
}

async function resolveLocal(ctx: BuildContext, k: Kustomization, ref: string): Promise<string> {
  if (isRemote(ref)) {
    if (!ctx.allowRemoteBases) throw new InvalidInputError(`remote base "${ref}" is not allowed; vendor it into the repository`, { source: { file: k.file } });
    throw new InvalidInputError(`remote base "${ref}" cannot be fetched by the renderer; vendor it into the repository`, { source: { file: k.file } });
  }
  return ctx.fs.resolve(k.dir, ref, k.file);
}

/** Objects a `resources`-style entry names: a file, or a directory with a kustomization (built). */
export async function accumulateReference(ctx: BuildContext, k: Kustomization, ref: string, _component: boolean): Promise<Resource[]> {
  const target = await resolveLocal(ctx, k, ref);
  if (await ctx.fs.isDirectory(target)) {
    const file = await findKustomizationFile(ctx, target);
    if (!file) throw new InvalidInputError(`"${ref}" is a directory without a kustomization file`, { source: { file: k.file } });
    const nested = await readKustomization(ctx, file);
    if (nested.isComponent) throw new InvalidInputError(`"${ref}" is a Component; list it under components`, { source: { file: k.file } });
    return buildKustomization(ctx, target, file);
  }
  return loadResourceFile(ctx, target);
}

async function runTransformers(ctx: BuildContext, k: Kustomization, resources: Resource[]): Promise<void> {
  const patches = await collectPatches(ctx, k);
  if (patches.strategic.length > 0) await applyPatches(resources, patches.strategic, k.file);
  if (patches.patches.length > 0) await applyPatches(resources, patches.patches, k.file);
  const namespace = stringField(k, 'namespace');
  if (namespace) setNamespace(resources, namespace, ctx.config?.namespace);
  addNameAffixes(resources, stringField(k, 'namePrefix') ?? '', stringField(k, 'nameSuffix') ?? '', {
    prefix: ctx.config?.namePrefix ?? [],
    suffix: ctx.config?.nameSuffix ?? [],
  });
  applyLabels(k, resources, ctx.config?.commonLabels ?? [], ctx.config?.templateLabels ?? []);
  const annotations = stringRecord(mapGet(k.body, 'commonAnnotations'), k.file, 'commonAnnotations');
  if (Object.keys(annotations).length > 0) addMapEntries(resources, [...COMMON_ANNOTATION_SPECS, ...(ctx.config?.commonAnnotations ?? [])], annotations);
  if (patches.json6902.length > 0) await applyPatches(resources, patches.json6902, k.file);
  const replicas = readReplicas(k);
  if (replicas.length > 0) setReplicas(resources, replicas, ctx.config?.replicas, true, k.file);
  const images = readImages(k);
  if (images.length > 0) setImages(resources, images, ctx.config?.images);
  if (mapGet(k.body, 'replacements') !== undefined) await applyReplacements(ctx, k, resources);
  if (mapGet(k.body, 'transformers') !== undefined) await runTransformerPlugins(ctx, k, await pluginConfigs(ctx, k, 'transformers'), resources);
  assertUniqueIds(resources, k.file);
}

function applyLabels(k: Kustomization, resources: Resource[], extraSelectorSpecs: readonly string[], extraTemplateSpecs: readonly string[]): void {
  // kustomize runs one label transformer per `labels` entry, then the `commonLabels` one.
  const labels = mapGet(k.body, 'labels');
  if (labels !== undefined) {
    if (!isSeq(labels)) throw new InvalidInputError('"labels" must be a list', { source: { file: k.file } });
    for (const entry of labels.items) {
      if (!isMap(entry)) throw new InvalidInputError('"labels" entries must be mappings', { source: { file: k.file } });
      const pairs = stringRecord(mapGet(entry, 'pairs'), k.file, 'labels.pairs');
      if (Object.keys(pairs).length === 0) continue;
      const selectors = getString(entry, ['includeSelectors']) === 'true';
      const templates = getString(entry, ['includeTemplates']) === 'true';
      const table = selectors
        ? [...COMMON_LABEL_SPECS, ...extraSelectorSpecs]
        : templates
          ? [...TEMPLATE_LABEL_SPECS, ...extraTemplateSpecs]
          : METADATA_LABEL_SPECS;
      const fields = mapGet(entry, 'fields');
      addMapEntries(resources, table, pairs);
      if (isSeq(fields)) {
        const extra = fields.items.filter(isMap).map((f) => fieldSpecString(f, getString(f, ['path']) ?? ''));
        addMapEntries(resources, extra, pairs);
      }
    }
  }
  const common = stringRecord(mapGet(k.body, 'commonLabels'), k.file, 'commonLabels');
  if (Object.keys(common).length > 0) addMapEntries(resources, [...COMMON_LABEL_SPECS, ...extraSelectorSpecs], common);
}

function specString(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const specPath = getString(node, ['path']);
  return specPath ? fieldSpecString(node, specPath) : undefined;
}

/** `configurations` sections holding plain field specs, and where each goes. */
const SPEC_SECTIONS: Record<string, keyof Omit<TransformerConfig, 'nameReferences'>> = {
  images: 'images',
  commonLabels: 'commonLabels',
  commonAnnotations: 'commonAnnotations',
  varReference: 'varReferences',
  namePrefix: 'namePrefix',
  nameSuffix: 'nameSuffix',
  namespace: 'namespace',
  templateLabels: 'templateLabels',
  replicas: 'replicas',
};

/** Reads a kustomization's `configurations` files (nameReference, images, commonLabels, commonAnnotations field specs). */
async function loadConfigurations(ctx: BuildContext, k: Kustomization): Promise<void> {
  for (const ref of stringList(k, 'configurations')) {
    const absolute = await resolveLocal(ctx, k, ref);
    const display = ctx.fs.display(absolute);
    ctx.config ??= {
      nameReferences: [],
      images: [],
      commonLabels: [],
      commonAnnotations: [],
      varReferences: [],
      namePrefix: [],
      nameSuffix: [],
      namespace: [],
      templateLabels: [],
      replicas: [],
    };
    const config = ctx.config;
    for (const doc of await ctx.fs.readYaml(absolute)) {
      if (doc.node === null) continue;
      if (!isMap(doc.node)) throw new InvalidInputError('a transformer configuration must be a mapping', { source: { file: display, line: doc.line } });
      for (const pair of doc.node.items) {
        const section = isScalar(pair.key) ? (scalarText(pair.key) ?? '') : '';
        const specSection = Object.hasOwn(SPEC_SECTIONS, section) ? SPEC_SECTIONS[section] : undefined;
        if (section !== 'nameReference' && specSection === undefined) {
          throw new InvalidInputError(
            `transformer configuration "${section}" is not supported (only nameReference, ${Object.keys(SPEC_SECTIONS).join(', ')})`,
            { source: { file: display, line: doc.line } },
          );
        }
        const entries = isSeq(pair.value) ? pair.value.items : [];
        if (specSection !== undefined) {
          const target = config[specSection];
          for (const entry of entries) {
            const spec = specString(entry);
            if (spec) target.push(spec);
          }
          continue;
        }
        for (const entry of entries) {
          if (!isMap(entry)) continue;
          const kind = getString(entry, ['kind']);
          if (!kind) throw new InvalidInputError('a nameReference entry needs a kind', { source: { file: display, line: doc.line } });
          const fieldSpecs = mapGet(entry, 'fieldSpecs');
          const referrers = (isSeq(fieldSpecs) ? fieldSpecs.items : []).filter(isMap).map((spec) => ({
            group: getString(spec, ['group']) ?? '',
            version: getString(spec, ['version']) ?? '',
            kind: getString(spec, ['kind']) ?? '',
            path: splitSpecPath(getString(spec, ['path']) ?? ''),
          }));
          config.nameReferences.push({ group: getString(entry, ['group']) ?? '', version: getString(entry, ['version']) ?? '', kind, referrers });
        }
      }
    }
  }
}

function readImages(k: Kustomization): ImageRule[] {
  const node = mapGet(k.body, 'images');
  if (node === undefined) return [];
  if (!isSeq(node)) throw new InvalidInputError('"images" must be a list', { source: { file: k.file } });
  return node.items.map((item) => {
    if (!isMap(item)) throw new InvalidInputError('"images" entries must be mappings', { source: { file: k.file } });
    const name = getString(item, ['name']);
    if (!name) throw new InvalidInputError('an "images" entry needs a name', { source: { file: k.file } });
    const rule: ImageRule = { name };
    const newName = getString(item, ['newName']);
    const newTag = getString(item, ['newTag']);
    const digest = getString(item, ['digest']);
    const tagSuffix = getString(item, ['tagSuffix']);
    if (tagSuffix !== undefined) rule.tagSuffix = tagSuffix;
    if (newName !== undefined) rule.newName = newName;
    if (newTag !== undefined) rule.newTag = newTag;
    if (digest !== undefined) rule.digest = digest;
    return rule;
  });
}

function readReplicas(k: Kustomization): { name: string; count: number }[] {
  const node = mapGet(k.body, 'replicas');
  if (node === undefined) return [];
  if (!isSeq(node)) throw new InvalidInputError('"replicas" must be a list', { source: { file: k.file } });
  return node.items.map((item) => {
    const name = isMap(item) ? getString(item, ['name']) : undefined;
    const count = isMap(item) ? Number(getString(item, ['count'])) : Number.NaN;
    if (!name || !Number.isInteger(count)) throw new InvalidInputError('a "replicas" entry needs a name and an integer count', { source: { file: k.file } });
    return { name, count };
  });
}

async function collectPatches(ctx: BuildContext, k: Kustomization): Promise<{ strategic: PatchSpec[]; patches: PatchSpec[]; json6902: PatchSpec[] }> {
  const readPatchFile = async (ref: string): Promise<string> => ctx.fs.readText(await ctx.fs.resolve(k.dir, ref, k.file));
  const strategic: PatchSpec[] = [];
  for (const entry of listItems(k, 'patchesStrategicMerge')) {
    if (!isScalar(entry) || typeof entry.value !== 'string')
      throw new InvalidInputError('"patchesStrategicMerge" entries must be strings', { source: { file: k.file } });
    // Like kustomize: a single-line entry naming an existing file is that file, anything else is the patch itself.
    const value = entry.value;
    const looksInline = value.includes('\n') || /^\s*[{[]/.test(value);
    // A path is confined before its existence is tested, so the answer tells nothing about files outside the root.
    const isInline = looksInline || !(await ctx.fs.exists(ctx.fs.confine(k.dir, value.trim(), k.file)));
    const text = isInline ? value : await readPatchFile(value.trim());
    strategic.push({ patch: text, file: isInline ? k.file : value.trim(), kind: 'strategic' });
  }
  const patches: PatchSpec[] = [];
  for (const entry of listItems(k, 'patches')) {
    if (!isMap(entry)) throw new InvalidInputError('"patches" entries must be mappings', { source: { file: k.file } });
    const inline = getString(entry, ['patch']);
    const ref = getString(entry, ['path']);
    if (inline === undefined && ref === undefined) throw new InvalidInputError('a patch needs "patch" or "path"', { source: { file: k.file } });
    const text = inline ?? (await readPatchFile(ref as string));
    const target = getNode(entry, ['target']);
    patches.push({
      patch: text,
      file: ref ?? k.file,
      kind: 'auto',
      ...(isMap(target) ? { target: readPatchTarget(target) } : {}),
      options: stringRecord(getNode(entry, ['options']), k.file, 'options', false),
    });
  }
  const json6902: PatchSpec[] = [];
  for (const entry of listItems(k, 'patchesJson6902')) {
    if (!isMap(entry)) throw new InvalidInputError('"patchesJson6902" entries must be mappings', { source: { file: k.file } });
    const inline = getString(entry, ['patch']);
    const ref = getString(entry, ['path']);
    const text = inline ?? (ref !== undefined ? await readPatchFile(ref) : '');
    const target = getNode(entry, ['target']);
    if (!isMap(target)) throw new InvalidInputError('a patchesJson6902 entry needs a target', { source: { file: k.file } });
    json6902.push({ patch: text, file: ref ?? k.file, kind: 'json6902', target: readPatchTarget(target) });
  }
  return { strategic, patches, json6902 };
}

function listItems(k: Kustomization, field: string): unknown[] {
  const node = mapGet(k.body, field);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new InvalidInputError(`"${field}" must be a list`, { source: { file: k.file } });
  return node.items;
}

async function runGenerators(ctx: BuildContext, k: Kustomization, resources: Resource[]): Promise<Resource[]> {
  const options = mapGet(k.body, 'generatorOptions');
  let out = resources;
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const field = kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
    const items = listItems(k, field);
    if (items.length === 0) continue;
    out = await generateObjects(ctx, k, kind, items, isMap(options) ? options : undefined, out);
  }
  if (mapGet(k.body, 'generators') !== undefined) out = await runGeneratorPlugins(ctx, k, await pluginConfigs(ctx, k, 'generators'), out);
  return out;
}

/**
 * The plugin configurations a `transformers:`/`generators:` list names: inline YAML objects, or
 * files and directories read as `resources` entries are (a directory is built). Reading them is
 * the builder's job, so the plugins never call back into it.
 */
async function pluginConfigs(ctx: BuildContext, k: Kustomization, field: 'transformers' | 'generators'): Promise<Resource[]> {
  const node = mapGet(k.body, field);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new InvalidInputError(`"${field}" must be a list`, { source: { file: k.file } });
  const configs: Resource[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || typeof item.value !== 'string') throw new InvalidInputError(`"${field}" entries must be strings`, { source: { file: k.file } });
    const entry = item.value;
    // kustomize first tries an entry as inline YAML objects, then as a path.
    if (entry.includes('\n')) {
      for (const doc of parseYamlDocuments(entry, k.file, ctx.fs.limits.maxAliasCount)) {
        if (!isMap(doc.node)) throw new InvalidInputError(`an inline "${field}" entry must be a YAML mapping`, { source: { file: k.file } });
        configs.push(new Resource(doc.node, k.file));
      }
    } else configs.push(...(await accumulateReference(ctx, k, entry, false)));
  }
  return configs;
}
