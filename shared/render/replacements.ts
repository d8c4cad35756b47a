/**
 * `replacements`: copying one field of a source object into fields of target objects, with
 * kustomize's field-path syntax (`spec.containers.[name=app].image`, `items.0`, `[a.b/c]`),
 * selectors with `reject`, and the `delimiter`/`index`/`create` options.
 */
import { YAMLMap, YAMLSeq, isMap, isScalar, isSeq, type Node as YamlNode, type Scalar } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { BuildContext, Kustomization } from './kustomize.ts';
import { parseYamlDocuments } from './load.ts';
import { cloneNode, getString, mapGet, mapSet, stringScalar, type Resource } from './resource.ts';
import { scalarText } from './yaml/go-value.ts';

/** Splits a field path on dots outside brackets; `[x]` segments keep their content. */
export function splitFieldPath(fieldPath: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (const ch of fieldPath) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === '.' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/**
 * A replacement source field path as kustomize reads it: empty segments are skipped, so the leading
 * dot of `.metadata.name` (kubebuilder's config/default writes them so) or a doubled dot changes nothing.
 */
function sourcePath(fieldPath: string): string[] {
  return splitFieldPath(fieldPath).filter((segment) => segment !== '');
}

/**
 * A replacement target field path: one leading dot is dropped, as kustomize does; any other empty
 * segment is refused (kustomize fails on it too), where it would otherwise create a `""` key.
 */
function targetPath(fieldPath: string, file: string): string[] {
  const segments = splitFieldPath(fieldPath.startsWith('.') ? fieldPath.slice(1) : fieldPath);
  if (segments.includes('')) throw new InvalidInputError(`replacement target field path "${fieldPath}" has an empty segment`, { source: { file } });
  return segments;
}

interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function readSelector(node: unknown): Selector {
  const out: Selector = {};
  if (!isMap(node)) return out;
  for (const key of ['group', 'version', 'kind', 'name', 'namespace'] as const) {
    const value = getString(node, [key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function matches(resource: Resource, selector: Selector): boolean {
  const gvk = resource.gvk;
  if (selector.kind !== undefined && selector.kind !== gvk.kind) return false;
  if (selector.group !== undefined && selector.group !== gvk.group) return false;
  if (selector.version !== undefined && selector.version !== gvk.version) return false;
  if (selector.name !== undefined && selector.name !== resource.name && !resource.nameHistory.includes(selector.name)) return false;
  if (selector.namespace !== undefined && selector.namespace !== resource.namespace) return false;
  return true;
}

/** Every node a path reaches (`[k=v]` and `*` may fan out); with `create`, missing maps/fields are added. */
function lookup(node: YamlNode | undefined, path: readonly string[], create: boolean): { parent: YAMLMap | YAMLSeq; key: string | number }[] {
  if (node === undefined || path.length === 0) return [];
  const [head = '', ...rest] = path;
  const results: { parent: YAMLMap | YAMLSeq; key: string | number }[] = [];
  const step = (parent: YAMLMap | YAMLSeq, key: string | number, child: YamlNode | undefined): void => {
    if (rest.length === 0) {
      results.push({ parent, key });
      return;
    }
    let next = child;
    if ((next === undefined || (isScalar(next) && next.value === null)) && create) {
      next = /^[0-9]+$/.test(rest[0] ?? '') || (rest[0] ?? '').includes('=') ? new YAMLSeq() : new YAMLMap();
      if (isMap(parent)) mapSet(parent, String(key), next);
      else parent.items[key as number] = next;
    }
    results.push(...lookup(next, rest, create));
  };
  const bracket = /^\[(.*)\]$/.exec(head);
  if (isSeq(node)) {
    if (bracket && (bracket[1] ?? '').includes('=')) {
      const [field = '', value = ''] = (bracket[1] as string).split(/=(.*)/s);
      node.items.forEach((item, index) => {
        if (isMap(item) && getString(item, [field]) === value) step(node, index, item as YamlNode);
      });
    } else if (head === '*' || head === '-') {
      node.items.forEach((item, index) => step(node, index, item as YamlNode));
    } else if (/^[0-9]+$/.test(head)) {
      const index = Number(head);
      if (index < node.items.length || create) step(node, index, node.items[index] as YamlNode | undefined);
    }
    return results;
  }
  if (!isMap(node)) return results;
  const key = bracket ? (bracket[1] as string) : head;
  if (key === '*') {
    for (const pair of node.items) step(node, scalarText(pair.key) ?? '', pair.value as YamlNode);
    return results;
  }
  const child = mapGet(node, key);
  if (child !== undefined || create) step(node, key, child);
  return results;
}

function getAt(place: { parent: YAMLMap | YAMLSeq; key: string | number }): YamlNode | undefined {
  return isMap(place.parent) ? mapGet(place.parent, String(place.key)) : (place.parent.items[place.key as number] as YamlNode | undefined);
}

function setAt(place: { parent: YAMLMap | YAMLSeq; key: string | number }, value: YamlNode): void {
  if (isMap(place.parent)) mapSet(place.parent, String(place.key), value);
  else place.parent.items[place.key as number] = value;
}

interface DelimiterOptions {
  delimiter?: string;
  index: number;
  create: boolean;
}

function readOptions(node: unknown): DelimiterOptions {
  if (!isMap(node)) return { index: 0, create: false };
  const delimiter = getString(node, ['delimiter']);
  return { ...(delimiter !== undefined ? { delimiter } : {}), index: Number(getString(node, ['index']) ?? 0), create: getString(node, ['create']) === 'true' };
}

async function replacementEntries(ctx: BuildContext, k: Kustomization): Promise<{ node: YAMLMap; file: string }[]> {
  const list = mapGet(k.body, 'replacements');
  if (!isSeq(list)) throw new InvalidInputError('"replacements" must be a list', { source: { file: k.file } });
  const out: { node: YAMLMap; file: string }[] = [];
  for (const item of list.items) {
    if (!isMap(item)) throw new InvalidInputError('"replacements" entries must be mappings', { source: { file: k.file } });
    const ref = getString(item, ['path']);
    if (ref === undefined) {
      out.push({ node: item, file: k.file });
      continue;
    }
    const absolute = await ctx.fs.resolve(k.dir, ref, k.file);
    const display = ctx.fs.display(absolute);
    for (const doc of parseYamlDocuments(await ctx.fs.readText(absolute), display, ctx.fs.limits.maxAliasCount)) {
      const nodes = isSeq(doc.node) ? doc.node.items : [doc.node];
      for (const node of nodes) if (isMap(node)) out.push({ node, file: display });
    }
  }
  return out;
}

/**
 * Writes the source value into one target field as kustomize does: into a scalar only the text is
 * copied (the target keeps its type, so `1` stays a number and `"b"` a string); anything else is
 * replaced by a copy of the source node. With a delimiter the text is split and one part replaced
 * (a negative index prepends, an index past the end appends).
 */
function setTargetValue(
  place: { parent: YAMLMap | YAMLSeq; key: string | number },
  current: YamlNode | undefined,
  source: YamlNode,
  options: DelimiterOptions,
): void {
  let text = isScalar(source) ? (scalarText(source) ?? '') : undefined;
  if (options.delimiter !== undefined) {
    if (current !== undefined && !isScalar(current)) throw new InvalidInputError('the delimiter option can only be used with scalar fields');
    const parts = isScalar(current) ? (scalarText(current) ?? '').split(options.delimiter) : [''];
    const part = text ?? '';
    if (options.index < 0) parts.unshift(part);
    else if (options.index >= parts.length) parts.push(part);
    else parts[options.index] = part;
    text = parts.join(options.delimiter);
  }
  if (isScalar(current) && text !== undefined) {
    const replaced = current.clone() as Scalar;
    const isPlainNonString = current.type === 'PLAIN' && current.value !== null && typeof current.value !== 'string';
    replaced.value = text;
    (replaced as { source?: string }).source = text;
    const type = isPlainNonString ? 'PLAIN' : current.type === 'PLAIN' ? 'QUOTE_DOUBLE' : current.type;
    if (type === undefined) delete replaced.type;
    else replaced.type = type;
    setAt(place, replaced);
    return;
  }
  if (text !== undefined && options.delimiter !== undefined) {
    setAt(place, stringScalar(text));
    return;
  }
  setAt(place, isScalar(source) ? (source.clone() as Scalar) : cloneNode(source));
}

/** Applies the kustomization's replacements to the resources, in order. */
export async function applyReplacements(ctx: BuildContext, k: Kustomization, resources: Resource[]): Promise<void> {
  for (const { node, file } of await replacementEntries(ctx, k)) {
    const sourceSpec = mapGet(node, 'source');
    const selector = readSelector(sourceSpec);
    const sources = resources.filter((r) => matches(r, selector));
    if (sources.length !== 1) {
      throw new InvalidInputError(
        `replacement source ${selector.kind ?? '?'} ${selector.name ?? '?'} matches ${sources.length} objects; it must match exactly one`,
        { source: { file } },
      );
    }
    const source = sources[0] as Resource;
    const fieldPath = (isMap(sourceSpec) ? getString(sourceSpec, ['fieldPath']) : undefined) ?? 'metadata.name';
    const found = lookup(source.node, sourcePath(fieldPath), false);
    const sourceValue = found[0] ? getAt(found[0]) : undefined;
    if (sourceValue === undefined) throw new InvalidInputError(`replacement source field ${fieldPath} not found in ${source.describe()}`, { source: { file } });
    const sourceOptions = readOptions(isMap(sourceSpec) ? mapGet(sourceSpec, 'options') : undefined);
    let value: YamlNode = sourceValue;
    if (sourceOptions.delimiter !== undefined && isScalar(sourceValue)) {
      const parts = (scalarText(sourceValue) ?? '').split(sourceOptions.delimiter);
      const part = parts[sourceOptions.index];
      if (part === undefined)
        throw new InvalidInputError(`replacement source ${fieldPath}: options.index ${sourceOptions.index} is out of bounds`, { source: { file } });
      value = stringScalar(part);
    }
    const targets = mapGet(node, 'targets');
    if (!isSeq(targets)) continue;
    for (const target of targets.items) {
      if (!isMap(target)) continue;
      const select = readSelector(mapGet(target, 'select'));
      const rejects = mapGet(target, 'reject');
      const rejectSelectors = isSeq(rejects) ? rejects.items.map(readSelector) : [];
      const options = readOptions(mapGet(target, 'options'));
      const paths = mapGet(target, 'fieldPaths');
      const fieldPaths = isSeq(paths) ? paths.items.map((p) => scalarText(p) ?? '') : ['metadata.name'];
      for (const resource of resources) {
        if (!matches(resource, select)) continue;
        if (rejectSelectors.some((r) => Object.keys(r).length > 0 && matches(resource, r))) continue;
        for (const written of fieldPaths) {
          const places = lookup(resource.node, targetPath(written, file), options.create);
          if (places.length === 0) {
            throw new InvalidInputError(
              `replacement target field ${written} not found in ${resource.describe()}${options.create ? '' : ' (set options.create to add it)'}`,
              { source: { file } },
            );
          }
          for (const place of places) setTargetValue(place, getAt(place), value, options);
        }
      }
    }
  }
}
