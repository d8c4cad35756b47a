/**
 * The renderer: builds a directory of a fleet repository into the multi-document YAML that
 * `kustomize build` (v5) prints, byte for byte, with Flux's build rules on top — the generated
 * kustomization of a plain directory, Flux's fields merged in, decryption and `postBuild`
 * substitution — then the steps kustomize runs once over the whole build (hash suffixes, name
 * references, vars, order, annotation bookkeeping).
 *
 * Everything is read through a file system confined to `root`; hostile input (paths escaping the
 * root, remote bases, alias bombs, oversized files, too many objects, cycles) ends in an
 * {@link InvalidInputError} naming the file.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { YAMLMap, YAMLSeq, isMap, isScalar, isSeq } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { FLUX_CI_EXCLUDES } from '#shared/git/ignore.ts';
import { scalarText } from './yaml/go-value.ts';
import { DEFAULT_LIMITS, RootedFs, parseYamlDocuments, type RenderLimits } from './load.ts';
import { assertNotEmpty, buildKustomization, findKustomizationFile, readKustomization, type BuildContext, type Kustomization } from './kustomize.ts';
import { type Resource, assertUniqueIds, getNode, getString, mapDelete, mapGet, mapSet, setScalar, stringScalar } from './resource.ts';
import { addHashSuffixes } from './transformers/hash-suffix.ts';
import { fixNameReferences } from './transformers/name-references.ts';
import { legacySort } from './transformers/sort.ts';
import { resolveVars } from './vars.ts';
import { DECRYPT_OPT_OUT, SUBSTITUTE_OPT_OUT, substituteVariables, type FluxBuildOptions } from './flux.ts';
import { decryptGeneratorInputs, decryptSecretDataEntries, isSopsEncrypted, type SopsDecryptor } from './sops/index.ts';
import { GoValueError, toGoValue, type YamlDialect } from './yaml/go-value.ts';
import { UnprintableError, emitGoYaml } from './yaml/emit.ts';

export interface RenderOptions {
  /** Repository root on disk; nothing outside it is read. */
  root: string;
  /** Directory inside `root` to build (default `.`). */
  path?: string;
  /** Flux Kustomization fields applied as Flux applies them. */
  flux?: FluxBuildOptions;
  /** Overrides of the default caps. */
  limits?: Partial<RenderLimits>;
  /**
   * Remote bases and git URLs are always refused: the renderer fetches nothing. This only changes
   * the message, from "not allowed" to "cannot be fetched by the renderer".
   */
  allowRemoteBases?: boolean;
}

/** Identity of one rendered object. */
export interface RenderedObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface RenderResult {
  /** The bundle, identical to `kustomize build` output (plus Flux substitution). */
  yaml: string;
  /** `sha256:<hex>` of `yaml`. */
  digest: string;
  /** Objects in bundle order. */
  objects: RenderedObjectRef[];
}

// Paths Flux's source-controller leaves out of every artifact by default (CI configuration and
// tool files), so they never reach the generated kustomization.
// Read from the ignore rules' own table so the two cannot drift apart; images and archives are left
// to the YAML filter below.
const fluxCiNames = FLUX_CI_EXCLUDES.map((pattern) => pattern.replace(/^\*\*\//, ''));
const FLUX_IGNORED_DIRS = new Set(['.git', ...fluxCiNames.filter((name) => name.endsWith('/')).map((name) => name.slice(0, -1))]);
const FLUX_IGNORED_FILES = new Set(fluxCiNames.filter((name) => !name.endsWith('/')));

/** Every YAML file below `dir` (lexical walk order), directories with a kustomization as a whole: what Flux generates. */
async function fluxGeneratedResources(ctx: BuildContext, dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await ctx.fs.list(current)) {
      const absolute = path.join(current, entry.name);
      if (entry.dir ? FLUX_IGNORED_DIRS.has(entry.name) : FLUX_IGNORED_FILES.has(entry.name)) continue;
      if (entry.dir) {
        if (await findKustomizationFile(ctx, absolute)) out.push(absolute);
        else await walk(absolute);
      } else if (/\.ya?ml$/.test(entry.name)) {
        out.push(absolute);
      }
    }
  };
  await walk(dir);
  return out.map((absolute) => `./${path.relative(dir, absolute).split(path.sep).join('/')}`);
}

function seqOfStrings(values: readonly string[]): YAMLSeq {
  const seq = new YAMLSeq();
  for (const value of values) seq.items.push(stringScalar(value));
  return seq;
}

/** Merges Flux Kustomization fields into the kustomization as kustomize-controller does. */
function applyFluxFields(k: Kustomization, flux: FluxBuildOptions): void {
  const body = k.body;
  if (flux.targetNamespace) mapSet(body, 'namespace', stringScalar(flux.targetNamespace));
  if (flux.namePrefix) mapSet(body, 'namePrefix', stringScalar(flux.namePrefix));
  if (flux.nameSuffix) mapSet(body, 'nameSuffix', stringScalar(flux.nameSuffix));
  if (flux.images && flux.images.length > 0) {
    let images = mapGet(body, 'images');
    if (!isSeq(images)) {
      images = new YAMLSeq();
      mapSet(body, 'images', images);
    }
    const list = images as YAMLSeq;
    for (const image of flux.images) {
      const entry = new YAMLMap();
      for (const [key, value] of Object.entries(image)) if (value !== undefined) mapSet(entry, key, stringScalar(value));
      const existing = list.items.findIndex((item) => isMap(item) && getString(item, ['name']) === image.name);
      if (existing >= 0) list.items[existing] = entry;
      else list.items.push(entry);
    }
  }
  if (flux.patches && flux.patches.length > 0) {
    let patches = mapGet(body, 'patches');
    if (!isSeq(patches)) {
      patches = new YAMLSeq();
      mapSet(body, 'patches', patches);
    }
    for (const patch of flux.patches) {
      const entry = new YAMLMap();
      mapSet(entry, 'patch', stringScalar(patch.patch));
      if (patch.target) {
        const target = new YAMLMap();
        for (const [key, value] of Object.entries(patch.target)) if (value !== undefined) mapSet(target, key, stringScalar(value));
        mapSet(entry, 'target', target);
      }
      (patches as YAMLSeq).items.push(entry);
    }
  }
  if (flux.components && flux.components.length > 0) {
    const existing = mapGet(body, 'components');
    const list = isSeq(existing) ? existing.items.map((item) => (isScalar(item) ? (scalarText(item) ?? '') : '')) : [];
    mapSet(body, 'components', seqOfStrings([...list, ...flux.components]));
  }
}

/** The kustomize release whose output Tideline reproduces, as `buildMetadata: [managedByLabel]` names it. */
const KUSTOMIZE_VERSION_LABEL = 'kustomize-v5.7.1';

function isLocalConfig(resource: Resource): boolean {
  return resource.annotations()['config.kubernetes.io/local-config'] === 'true';
}

function substitutionDisabled(resource: Resource): boolean {
  return resource.annotations()[SUBSTITUTE_OPT_OUT] === 'disabled' || resource.labels()[SUBSTITUTE_OPT_OUT] === 'disabled';
}

/**
 * Decrypts, as kustomize-controller does after its build, every object with sops metadata (any
 * kind) unless annotated `kustomize.toolkit.fluxcd.io/decrypt: disabled`. Like Flux it does not
 * check the document MAC: the build has changed unencrypted fields the MAC covers; each encrypted
 * value is still authenticated with its key path. A Secret's data entries that hold a whole
 * encrypted file (a generator read it) are decrypted into the format their key names.
 */
async function decryptResources(resources: readonly Resource[], decryptor: SopsDecryptor): Promise<void> {
  for (const resource of resources) {
    if (resource.annotations()[DECRYPT_OPT_OUT]?.toLowerCase() === 'disabled') continue;
    if (isSopsEncrypted(resource.node)) {
      resource.node = await decryptor.decryptNode(resource.node, { where: resource.describe(), file: resource.file }, { verifyMac: false });
      continue;
    }
    if (resource.kind === 'Secret') await decryptSecretDataEntries(resource, decryptor);
  }
}

function toYaml(resource: Resource, dialect: YamlDialect = 'v3'): string {
  try {
    return emitGoYaml(toGoValue(resource.node, undefined, 0, dialect));
  } catch (error) {
    if (error instanceof GoValueError || error instanceof UnprintableError)
      throw new InvalidInputError(`${resource.describe()}: ${error.message}`, { source: { file: resource.file }, cause: error });
    throw error;
  }
}

/**
 * Renders a directory (with or without a kustomization file) into kustomize's output.
 * Throws InvalidInputError for anything a hostile or careless repository can hold.
 */
export async function renderKustomization(options: RenderOptions): Promise<RenderResult> {
  const limits: RenderLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const fs = new RootedFs(options.root, limits);
  const ctx: BuildContext = { fs, allowRemoteBases: options.allowRemoteBases ?? false, stack: [] };
  const dir = await fs.resolve(fs.root, options.path ?? '.', '<render path>');
  if (!(await fs.isDirectory(dir))) throw new InvalidInputError(`render path is not a directory`, { source: { file: fs.display(dir) } });

  const file = await findKustomizationFile(ctx, dir);
  let k: Kustomization;
  if (file) k = await readKustomization(ctx, file, false);
  else {
    const body = new YAMLMap();
    mapSet(body, 'resources', seqOfStrings(await fluxGeneratedResources(ctx, dir)));
    k = { file: path.posix.join(fs.display(dir), 'kustomization.yaml'), dir, isComponent: false, body };
  }
  if (options.flux) applyFluxFields(k, options.flux);
  // Flux writes its fields into the kustomization before building, so only what is left empty then fails.
  if (file) assertNotEmpty(k);

  const buildMetadata = mapGet(k.body, 'buildMetadata');
  const metadataOptions = isSeq(buildMetadata) ? buildMetadata.items.map((item) => scalarText(item) ?? '') : [];
  for (const option of metadataOptions) {
    if (option !== 'managedByLabel')
      throw new InvalidInputError(`buildMetadata "${option}" is not supported (only managedByLabel)`, { source: { file: k.file } });
  }

  // Flux decrypts encrypted generator inputs and patch files before it builds.
  if (options.flux?.decryption) await decryptGeneratorInputs(ctx, k, options.flux.decryption);
  let resources = await buildKustomization(ctx, dir, k);
  if (metadataOptions.includes('managedByLabel')) {
    for (const resource of resources) setScalar(resource.node, ['metadata', 'labels', 'app.kubernetes.io/managed-by'], KUSTOMIZE_VERSION_LABEL);
  }
  addHashSuffixes(resources);
  fixNameReferences(resources, ctx.config?.nameReferences);
  if (ctx.vars) resolveVars(ctx.vars, resources, ctx.config?.varReferences);
  resources = resources.filter((r) => !isLocalConfig(r));
  const sortOptions = getNode(k.body, ['sortOptions']);
  const order = isMap(sortOptions) ? getString(sortOptions, ['order']) : undefined;
  if (order !== undefined && order !== 'legacy' && order !== 'fifo') {
    throw new InvalidInputError(`sortOptions.order must be legacy or fifo, not "${order}"`, { source: { file: k.file } });
  }
  if (order !== 'fifo') {
    const legacy = isMap(sortOptions) ? getNode(sortOptions, ['legacySortOptions']) : undefined;
    const list = (field: string): string[] | undefined => {
      const node = isMap(legacy) ? mapGet(legacy, field) : undefined;
      return isSeq(node) ? node.items.map((item) => (isScalar(item) ? (scalarText(item) ?? '') : '')) : undefined;
    };
    resources = legacySort(resources, list('orderFirst'), list('orderLast'));
  }
  if (resources.length > limits.maxObjects) {
    throw new InvalidInputError(`bundle has ${resources.length} objects, over the limit of ${limits.maxObjects}`, { source: { file: k.file } });
  }
  assertUniqueIds(resources, k.file);

  // kustomize rewrites metadata.annotations through its internal annotation bookkeeping (a Go
  // map[string]string): the field is dropped when nothing is left in it (`annotations: {}` or
  // `annotations: null`) and every value comes back as the string it was written as.
  for (const resource of resources) {
    const metadata = getNode(resource.node, ['metadata']);
    const annotations = isMap(metadata) ? mapGet(metadata, 'annotations') : undefined;
    if (
      isMap(metadata) &&
      annotations !== undefined &&
      ((isMap(annotations) && annotations.items.length === 0) || (isScalar(annotations) && annotations.value === null))
    ) {
      mapDelete(metadata, 'annotations');
    } else if (isMap(annotations)) {
      // The same bookkeeping reads every value back as a string: `prometheus.io/port: 9102` renders "9102".
      for (const pair of annotations.items) pair.value = stringScalar(scalarText(pair.value) ?? '');
    }
  }

  if (options.flux?.decryption) await decryptResources(resources, options.flux.decryption);

  const substitute = options.flux?.postBuild;
  const documents: string[] = [];
  const objects: RenderedObjectRef[] = [];
  for (const resource of resources) {
    let text = toYaml(resource);
    // Flux substitutes only when it has variables, and re-reads the result with go-yaml v2's typing.
    if (substitute && Object.keys(substitute.substitute ?? {}).length > 0 && !substitutionDisabled(resource)) {
      const replaced = substituteVariables(text, substitute.substitute ?? {}, substitute.strict ?? false, `${resource.describe()} (from ${resource.file})`);
      if (replaced !== text) {
        const docs = parseYamlDocuments(replaced, resource.file, limits.maxAliasCount);
        const node = docs[0]?.node;
        if (docs.length !== 1 || !isMap(node)) {
          throw new InvalidInputError(`${resource.describe()}: substituted object is no longer a single YAML mapping`, { source: { file: resource.file } });
        }
        resource.node = node;
        text = toYaml(resource, 'v2');
      }
    }
    documents.push(text);
    const ref: RenderedObjectRef = { apiVersion: resource.apiVersion, kind: resource.kind, name: resource.name };
    if (resource.namespace) ref.namespace = resource.namespace;
    objects.push(ref);
  }
  const yaml = documents.join('---\n');
  return { yaml, digest: `sha256:${createHash('sha256').update(yaml).digest('hex')}`, objects };
}
