/**
 * kustomize's legacy `vars`: `$(NAME)` references in a fixed set of fields (container command,
 * args, env values, mount paths, labels, annotations, Ingress hosts, …) replaced by a field of a
 * named object. A var is bound to its object where it is declared (after that kustomization's
 * transformers), and every reference is resolved once, at the very end of the build, after name
 * hashes and name references — so a var of `metadata.name` yields the final, prefixed name.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode, type YAMLMap } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { CLUSTER_SCOPED_KINDS, parseSpecs } from './field-specs.ts';
import { mapGet, mapSet, plainScalar, splitApiVersion, stringScalar, type Resource } from './resource.ts';
import { forEachSpecField } from './transformers/spec-fields.ts';
import { GoNumber, resolvePlainV3, scalarText, toGoValue } from './yaml/go-value.ts';
import { splitFieldPath } from './replacements.ts';

/** One declared var. */
export interface VarDecl {
  name: string;
  group: string;
  version: string;
  kind: string;
  objectName: string;
  namespace: string;
  fieldPath: string;
  /** The kustomization that declared it, for error messages. */
  file: string;
}

/** Vars seen so far in one render and the object each is bound to. */
export interface VarState {
  decls: Map<string, VarDecl>;
  bound: Map<string, Resource>;
}

/** kustomize's builtin varReference field specs: where `$(NAME)` is replaced. */
const WORKLOAD_FIELDS = (prefix: string): string[] => [
  ...['containers', 'initContainers'].flatMap((list) =>
    ['args', 'command', 'env/value', 'volumeMounts/mountPath'].map((field) => `${prefix}spec/${list}/${field}`),
  ),
];
export const VAR_REFERENCE_SPECS: readonly string[] = [
  ...WORKLOAD_FIELDS('spec/jobTemplate/spec/template/').map((p) => `//CronJob ${p}`),
  '//CronJob spec/jobTemplate/spec/template/volumes/nfs/server',
  ...['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'StatefulSet'].flatMap((kind) => [
    ...WORKLOAD_FIELDS('spec/template/').map((p) => `//${kind} ${p}`),
    `//${kind} ${kind === 'StatefulSet' ? 'spec/volumeClaimTemplates/spec/nfs/server' : 'spec/template/spec/volumes/nfs/server'}`,
  ]),
  '//Deployment spec/template/metadata/annotations',
  '//Ingress spec/rules/host',
  '//Ingress spec/tls/hosts',
  '//Ingress spec/tls/secretName',
  ...WORKLOAD_FIELDS('').map((p) => `//Pod ${p}`),
  '//Pod spec/volumes/nfs/server',
  '//Service spec/ports/port',
  '//Service spec/ports/targetPort',
  '//PersistentVolume spec/nfs/server',
  '// metadata/labels',
  '// metadata/annotations',
];

function text(node: YamlNode | undefined): string {
  return isScalar(node) && node.value !== null ? (scalarText(node) ?? '') : '';
}

/** A map entry by key, ignoring case: kustomize decodes vars through Go's case-insensitive JSON matching. */
function field(map: YAMLMap, key: string): YamlNode | undefined {
  const exact = mapGet(map, key);
  if (exact !== undefined) return exact;
  const lower = key.toLowerCase();
  const pair = map.items.find((item) => isScalar(item.key) && (scalarText(item.key) ?? '').toLowerCase() === lower);
  return pair?.value as YamlNode | undefined;
}

/** Reads a kustomization's `vars` list (fieldref defaults to `metadata.name`). */
export function readVars(body: YAMLMap, file: string): VarDecl[] {
  const node = mapGet(body, 'vars');
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) throw new InvalidInputError('"vars" must be a list', { source: { file } });
  return node.items.map((item) => {
    if (!isMap(item)) throw new InvalidInputError('"vars" entries must be mappings', { source: { file } });
    const name = text(field(item, 'name'));
    const objref = field(item, 'objref');
    if (!name) throw new InvalidInputError('a var needs a name', { source: { file } });
    if (!isMap(objref)) throw new InvalidInputError(`var "${name}" needs an objref`, { source: { file } });
    const apiVersion = text(field(objref, 'apiVersion'));
    // Like kustomize: apiVersion, when given, overrides group/version.
    const gv = apiVersion ? splitApiVersion(apiVersion) : { group: text(field(objref, 'group')), version: text(field(objref, 'version')) };
    const fieldref = field(item, 'fieldref');
    const fieldPath = isMap(fieldref) ? text(field(fieldref, 'fieldPath')) : '';
    return {
      name,
      ...gv,
      kind: text(field(objref, 'kind')),
      objectName: text(field(objref, 'name')),
      namespace: text(field(objref, 'namespace')),
      fieldPath: fieldPath || 'metadata.name',
      file,
    };
  });
}

function describeVar(v: VarDecl): string {
  const apiVersion = v.group ? `${v.group}/${v.version}` : v.version;
  return `var "${v.name}" (${v.kind}${apiVersion ? ` ${apiVersion}` : ''} ${v.namespace ? `${v.namespace}/` : ''}${v.objectName}, field ${v.fieldPath})`;
}

function sameNamespace(a: string, b: string): boolean {
  return a === b || (a === '' && b === 'default') || (a === 'default' && b === '');
}

/**
 * Adds a kustomization's vars after its transformers ran, binding each to the one object it names
 * (by any name the object has had). Group, version and kind must match exactly, as in kustomize.
 */
export function mergeVars(state: VarState, decls: readonly VarDecl[], resources: readonly Resource[]): void {
  for (const v of decls) {
    const strictNamespace = v.namespace !== '' || CLUSTER_SCOPED_KINDS.has(v.kind);
    const matched = resources.filter((r) => {
      const gvk = r.gvk;
      if (gvk.group !== v.group || gvk.version !== v.version || gvk.kind !== v.kind) return false;
      if (r.name !== v.objectName && !r.nameHistory.includes(v.objectName)) return false;
      return !strictNamespace || sameNamespace(r.namespace, v.namespace) || sameNamespace(r.originalNamespace, v.namespace);
    });
    if (matched.length > 1)
      throw new InvalidInputError(`${describeVar(v)} matches ${matched.length} objects; unable to disambiguate`, { source: { file: v.file } });
    if (state.decls.has(v.name)) throw new InvalidInputError(`var "${v.name}" is declared more than once`, { source: { file: v.file } });
    state.decls.set(v.name, v);
    if (matched[0]) state.bound.set(v.name, matched[0]);
  }
}

type VarValue = string | boolean | GoNumber | undefined;

function lookupField(root: YamlNode, fieldPath: string): YamlNode | undefined {
  let node: YamlNode | undefined = root;
  const segments = splitFieldPath(fieldPath).flatMap((segment) => {
    const index = /^(.*)\[(\d+)\]$/.exec(segment);
    return index ? [...(index[1] ? [index[1]] : []), index[2] as string] : [segment];
  });
  for (const segment of segments) {
    if (node === undefined) return undefined;
    if (isMap(node)) node = mapGet(node, segment);
    else if (isSeq(node)) {
      const selector = /^\[([^=]+)=(.*)\]$/.exec(segment);
      if (selector) node = node.items.find((item) => isMap(item) && text(mapGet(item, selector[1] as string)) === selector[2]) as YamlNode | undefined;
      else if (/^\d+$/.test(segment)) node = node.items[Number(segment)] as YamlNode | undefined;
      else return undefined;
    } else return undefined;
  }
  return node;
}

/** The primitive value of a var's field; maps and lists are not primitive and are never substituted. */
function varValue(v: VarDecl, resource: Resource): VarValue {
  const node = lookupField(resource.node, v.fieldPath);
  if (node === undefined || node === null)
    throw new InvalidInputError(`${describeVar(v)}: field not found in ${resource.describe()}`, { source: { file: v.file } });
  if (!isScalar(node)) return undefined;
  const value = toGoValue(node);
  if (value === null) return text(node);
  if (typeof value === 'string' || typeof value === 'boolean' || value instanceof GoNumber) return value;
  return undefined;
}

function isStringScalar(node: unknown): boolean {
  if (!isScalar(node)) return false;
  if (node.type === 'PLAIN' && node.tag === undefined) return resolvePlainV3(scalarText(node) ?? '').kind === 'str';
  return typeof node.value === 'string' && (node.tag === undefined || node.tag === '!!str' || node.tag === 'tag:yaml.org,2002:str');
}

/** Replaces `$(NAME)` in one string; `$$` is a literal `$`; an unknown name is left as written. */
function expand(input: string, values: Map<string, VarValue>, used: Set<string>): string | Exclude<VarValue, undefined> {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close < 0) out += '$(';
      else {
        const name = input.slice(cursor + 2, close);
        const value = values.get(name);
        advance = close - cursor;
        if (value === undefined) {
          if (input === `$(${name})`) return input;
          out += `$(${name})`;
        } else {
          used.add(name);
          if (input === `$(${name})`) return value;
          out += value instanceof GoNumber ? value.text : String(value);
        }
      }
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * Resolves every declared var and substitutes it in the varReference fields of all objects
 * (kustomize's builtin list plus `varReference` specs from `configurations`).
 */
export function resolveVars(state: VarState, resources: readonly Resource[], extraSpecs: readonly string[] = []): void {
  if (state.decls.size === 0) return;
  const values = new Map<string, VarValue>();
  for (const name of [...state.decls.keys()].sort()) {
    const v = state.decls.get(name) as VarDecl;
    const resource = state.bound.get(name);
    if (!resource || !resources.includes(resource)) {
      throw new InvalidInputError(`${describeVar(v)} cannot be mapped to a field of any object in the build`, { source: { file: v.file } });
    }
    values.set(name, varValue(v, resource));
  }
  const used = new Set<string>();
  const replaced = (value: string | Exclude<VarValue, undefined>): YamlNode =>
    typeof value === 'string' ? stringScalar(value) : plainScalar(value instanceof GoNumber ? value.text : String(value));
  const specs = parseSpecs(extraSpecs.length > 0 ? [...VAR_REFERENCE_SPECS, ...extraSpecs] : VAR_REFERENCE_SPECS);
  for (const resource of resources) {
    forEachSpecField(resource, specs, (parent, key) => {
      const target = mapGet(parent, key);
      if (target === undefined || (isScalar(target) && target.value === null)) return;
      if (isScalar(target)) {
        if (!isStringScalar(target)) return;
        mapSet(parent, key, replaced(expand(scalarText(target) ?? '', values, used)));
      } else if (isMap(target)) {
        for (const pair of target.items) {
          if (!isScalar(pair.key) || !isStringScalar(pair.key)) {
            throw new InvalidInputError(`${resource.describe()}: invalid map key in ${key} for var substitution`, { source: { file: resource.file } });
          }
          if (!isStringScalar(pair.value)) continue;
          pair.value = replaced(expand(scalarText(pair.value) ?? '', values, used));
        }
      } else if (isSeq(target)) {
        target.items = target.items.map((item) => {
          if (!isStringScalar(item))
            throw new InvalidInputError(`${resource.describe()}: ${key} holds a non-string value, vars cannot be substituted there`, {
              source: { file: resource.file },
            });
          return replaced(expand(scalarText(item) ?? '', values, used));
        });
      }
    });
  }
}
