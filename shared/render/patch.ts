/**
 * `patches`, `patchesStrategicMerge` and `patchesJson6902`: choosing the objects a patch targets
 * (kind/group/version, regex names and namespaces, label and annotation selectors) and handing each
 * to the strategic-merge or JSON 6902 engine in `./merge/`.
 */
import { type YAMLMap, isMap, isSeq, parse as parseYaml } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseYamlDocuments } from './load.ts';
import { applyJson6902, parseJson6902Operations, strategicMergePatch } from './merge/index.ts';
import { getString, mapGet, mapSet, stringScalar, type Resource } from './resource.ts';

/** One patch as declared in a kustomization. */
export interface PatchSpec {
  patch: string;
  file: string;
  kind: 'strategic' | 'json6902' | 'auto';
  target?: Record<string, string>;
  options?: Record<string, string>;
}

// kustomize matches with Go's linear-time RE2; JavaScript backtracks, so patterns with a quantified
// group that itself repeats (`(a+)+`) could hang a render on a hostile repository.
const NESTED_QUANTIFIER = /\([^)]*[+*}][^)]*\)\s*[+*{]/;

/**
 * A kustomize-style target pattern as a whole-string regular expression (a pattern that is not a
 * valid regular expression matches literally); patterns that nest repetitions are refused.
 */
export function anchored(pattern: string, file: string): RegExp {
  if (NESTED_QUANTIFIER.test(pattern)) throw new InvalidInputError(`patch target pattern "${pattern}" nests repetitions; simplify it`, { source: { file } });
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
}

/** Parses a Kubernetes label selector (`a=b,c!=d,e in (x,y),!f,g`) into a predicate. */
export function parseSelector(selector: string, file: string): (labels: Record<string, string>) => boolean {
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const key = m[1] as string;
      const values = (m[3] as string).split(',').map((v) => v.trim());
      const negate = m[2] === 'notin';
      tests.push((l) => (negate ? !(key in l) || !values.includes(l[key] as string) : key in l && values.includes(l[key] as string)));
    } else if ((m = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part))) {
      const [, key = '', value = ''] = m;
      tests.push((l) => l[key] !== value);
    } else if ((m = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part))) {
      const [, key = '', value = ''] = m;
      tests.push((l) => l[key] === value);
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      const key = m[1] as string;
      tests.push((l) => !(key in l));
    } else if (/^[^\s!=()]+$/.test(part)) {
      tests.push((l) => part in l);
    } else {
      throw new InvalidInputError(`invalid selector "${selector}"`, { source: { file } });
    }
  }
  return (labels) => tests.every((t) => t(labels));
}

/** A patch `target` as written (group, version, kind, name, namespace, label and annotation selectors), unset fields left out. */
export function readPatchTarget(node: YAMLMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']) {
    const value = getString(node, [key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The objects a patch target selects. */
export function selectTargets(resources: readonly Resource[], target: Record<string, string>, file: string): Resource[] {
  const name = target.name !== undefined ? anchored(target.name, file) : undefined;
  const namespace = target.namespace !== undefined ? anchored(target.namespace, file) : undefined;
  const kind = target.kind !== undefined ? anchored(target.kind, file) : undefined;
  const group = target.group !== undefined ? anchored(target.group, file) : undefined;
  const version = target.version !== undefined ? anchored(target.version, file) : undefined;
  const labels = target.labelSelector !== undefined ? parseSelector(target.labelSelector, file) : undefined;
  const annotations = target.annotationSelector !== undefined ? parseSelector(target.annotationSelector, file) : undefined;
  return resources.filter((r) => {
    const gvk = r.gvk;
    if (kind && !kind.test(gvk.kind)) return false;
    if (group && !group.test(gvk.group)) return false;
    if (version && !version.test(gvk.version)) return false;
    if (name && !name.test(r.name) && !r.nameHistory.some((n) => name.test(n))) return false;
    if (namespace && !namespace.test(r.namespace)) return false;
    if (labels && !labels(r.labels())) return false;
    if (annotations && !annotations(r.annotations())) return false;
    return true;
  });
}

function looksLikeJson6902(text: string): unknown[] | undefined {
  try {
    // Only the shape matters here; duplicate keys are refused by the full parse (linear, unlike the parser's own check).
    const value: unknown = parseYaml(text, { uniqueKeys: false });
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Applies patches in order; objects deleted by `$patch: delete` are removed from the list. */
export async function applyPatches(resources: Resource[], patches: readonly PatchSpec[], file: string): Promise<void> {
  await Promise.resolve();
  for (const spec of patches) {
    const isJson6902 = spec.kind === 'json6902' || (spec.kind === 'auto' && looksLikeJson6902(spec.patch) !== undefined);
    if (isJson6902) {
      if (!spec.target) throw new InvalidInputError('a JSON 6902 patch needs a target', { source: { file: spec.file } });
      const operations = parseJson6902Operations(spec.patch.trim(), { file: spec.file });
      for (const resource of selectTargets(resources, spec.target, file)) {
        const result = applyJson6902(resource.node, operations, { file: spec.file });
        if (isMap(result)) resource.node = result;
        recordRename(resource);
      }
      continue;
    }
    const docs = parseYamlDocuments(spec.patch, spec.file, 10_000).filter((d) => d.node !== null);
    for (const doc of docs) {
      const patch = doc.node;
      if (!isMap(patch)) {
        if (isSeq(patch)) throw new InvalidInputError('a strategic merge patch must be a mapping', { source: { file: spec.file, line: doc.line } });
        continue;
      }
      let targets: Resource[];
      if (spec.target) targets = selectTargets(resources, spec.target, file);
      else {
        const patchName = getString(patch, ['metadata', 'name']);
        const patchKind = getString(patch, ['kind']);
        const patchNs = getString(patch, ['metadata', 'namespace']);
        const patchApi = getString(patch, ['apiVersion']);
        targets = resources.filter(
          (r) =>
            r.kind === patchKind &&
            (patchName === undefined || r.nameHistory.includes(patchName)) &&
            (patchNs === undefined || r.namespace === patchNs || r.originalNamespace === patchNs) &&
            // kustomize matches the patch's id, version included: a v2 patch does not touch a v1 object.
            (patchApi === undefined || r.apiVersion === patchApi),
        );
        if (targets.length === 0) {
          throw new InvalidInputError(`patch target ${patchKind ?? '?'} ${patchName ?? '?'} not found`, { source: { file: spec.file, line: doc.line } });
        }
      }
      const options = { allowNameChange: spec.options?.allowNameChange === 'true', allowKindChange: spec.options?.allowKindChange === 'true' };
      for (const resource of targets) {
        const result = strategicMergePatch(resource.node, addressedTo(patch, resource, spec.target !== undefined), resource.gvk, options);
        if (result === null) {
          resources.splice(resources.indexOf(resource), 1);
          continue;
        }
        resource.node = result;
        recordRename(resource);
      }
    }
  }
}

/**
 * The patch as applied to `resource`. A patch reached through a `target` addresses what the target
 * selected, whatever apiVersion its body says: kustomize gives each copy the target's apiVersion
 * (its kind is restored after the merge unless `allowKindChange`), so the patch never moves the
 * object to another group or version.
 */
function addressedTo(patch: YAMLMap, resource: Resource, targeted: boolean): YAMLMap {
  if (!targeted || mapGet(patch, 'apiVersion') === undefined || getString(patch, ['apiVersion']) === resource.apiVersion) return patch;
  const copy = patch.clone() as YAMLMap;
  mapSet(copy, 'apiVersion', stringScalar(resource.apiVersion));
  return copy;
}

/** Keeps the name history current when a patch renamed its target (allowNameChange). */
function recordRename(resource: Resource): void {
  const name = resource.name;
  if (resource.nameHistory[resource.nameHistory.length - 1] !== name) resource.nameHistory.push(name);
}
