/**
 * Flux `spec.ignore`: fields of applied objects that Tideline leaves to someone else — typically
 * `/spec/replicas` of a Deployment scaled by a HorizontalPodAutoscaler. Each rule lists JSON
 * pointers (RFC 6901) and optionally a target (group, version, kind, name and namespace as
 * whole-string regular expressions, label and annotation selectors), as Flux's kustomize-controller
 * takes them.
 *
 * The rules change nothing about creating an object: it is applied as Git has it. For an object
 * that exists, a listed field whose live value differs from Git's is no reason to apply, and when
 * the object is applied for another reason the field is:
 * - sent with its live value when Tideline owns it (alone, or after taking over kubectl's fields),
 *   so the apply keeps what is in the cluster — as Flux does;
 * - otherwise left out of the applied configuration: another manager owns it (an autoscaler
 *   through the `scale` subresource, an operator's apply) and keeps it. Flux sends the live value
 *   when the owner is not an apply, which makes it co-own the field; leaving it out keeps the same
 *   value without that, so a re-apply stays a no-op.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import type { TidelineErrorOptions } from '#shared/errors/index.ts';
import { anchored, parseSelector } from '#shared/render/patch.ts';
import { deepEqual } from './compare.ts';
import type { FieldPath } from './fieldsv1.ts';
import { matchesKeyStep, setHolds } from './fieldsv1.ts';
import type { KubeObject, ManagedFieldsEntry } from './objects.ts';
import { groupOf, isPlainObject, versionOf } from './objects.ts';
import { isTakenOver, takesOverKubectlFields } from './takeover.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Which objects a rule covers; every field optional (absent: any). */
export interface IgnoreTarget {
  group?: string | undefined;
  version?: string | undefined;
  kind?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  annotationSelector?: string | undefined;
}

/** One `spec.ignore` entry. */
export interface IgnoreRule {
  /** JSON pointers, e.g. `/spec/replicas` or `/spec/template/spec/containers/0/resources`. */
  paths: string[];
  target?: IgnoreTarget | undefined;
}

/** Compiled rules: the ignored fields of an object. */
export interface IgnoreRules {
  /** The pointers (as unescaped segments) that apply to `object`. */
  pathsFor(object: KubeObject): string[][];
}

/**
 * Compiles `spec.ignore` entries. Throws InvalidInputError (with `where`) for a pointer that does
 * not start with `/`, a target pattern that nests repetitions, or an invalid selector.
 */
export function compileIgnoreRules(rules: readonly IgnoreRule[], where: TidelineErrorOptions = {}): IgnoreRules {
  const file = where.source?.file ?? '<kustomization>';
  const compiled = rules.map((rule, index) => {
    const paths = rule.paths.map((pointer) => {
      try {
        return parsePointer(pointer);
      } catch (error) {
        throw new InvalidInputError(`ignore[${index}]: ${(error as Error).message}`, where);
      }
    });
    const target = rule.target ?? {};
    let matches: (object: KubeObject) => boolean;
    try {
      const patterns = (['group', 'version', 'kind', 'name', 'namespace'] as const).map(
        (field) => [field, target[field] !== undefined ? anchored(target[field], file) : undefined] as const,
      );
      const labels = target.labelSelector ? parseSelector(target.labelSelector, file) : undefined;
      const annotations = target.annotationSelector ? parseSelector(target.annotationSelector, file) : undefined;
      matches = (object) => {
        const facts = {
          group: groupOf(object.apiVersion),
          version: versionOf(object.apiVersion),
          kind: object.kind,
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? '',
        };
        return (
          patterns.every(([field, pattern]) => !pattern || pattern.test(facts[field])) &&
          (!labels || labels(object.metadata.labels ?? {})) &&
          (!annotations || annotations(object.metadata.annotations ?? {}))
        );
      };
    } catch (error) {
      throw new InvalidInputError(`ignore[${index}].target: ${(error as Error).message}`, where);
    }
    return { paths, matches };
  });
  return { pathsFor: (object) => compiled.filter((rule) => rule.matches(object)).flatMap((rule) => rule.paths) };
}

/** A JSON pointer's unescaped segments (`/a~1b/c` → `['a/b', 'c']`). */
export function parsePointer(pointer: string): string[] {
  if (!pointer.startsWith('/') || pointer === '/')
    throw new Error(`path ${JSON.stringify(pointer)} is not a JSON pointer to a field (it must start with / and name one)`);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Adjusts `desired` (the object to apply) in place for the ignored fields that differ from `live`:
 * set to the live value when Tideline's field manager `manager` will own the field (it owns it, or
 * takes it over from kubectl, and no other manager's apply holds it), else removed. Returns the
 * pointers it adjusted.
 */
export function applyIgnoreRules(desired: KubeObject, live: KubeObject, rules: IgnoreRules, manager: string): string[] {
  const adjusted: string[] = [];
  const entries = (live.metadata.managedFields ?? []).filter((e) => !e.subresource);
  const takesOver = takesOverKubectlFields(desired);
  const ours = entries.filter((e) => (e.manager === manager && e.operation === 'Apply') || (takesOver && isTakenOver(e)));
  const otherApplies = entries.filter((e) => e.operation === 'Apply' && !ours.includes(e));
  for (const segments of rules.pathsFor(desired)) {
    const want = lookup(desired, segments);
    const have = lookup(live, segments);
    if (want.found === have.found && (!want.found || deepEqual(want.value as Json, have.value as Json))) continue;
    const path = fieldPathOf(live, segments, entries);
    const holds = (list: readonly ManagedFieldsEntry[]) => path !== undefined && list.some((entry) => setHolds(entry.fieldsV1 ?? {}, path));
    if (have.found && holds(ours) && !holds(otherApplies)) assign(desired, segments, structuredClone(have.value));
    else remove(desired, segments);
    adjusted.push(`/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
  }
  return adjusted;
}

/** The fieldsV1 path of a pointer into `live`; list indexes become the `k:` key of that element. */
function fieldPathOf(live: KubeObject, segments: readonly string[], entries: readonly ManagedFieldsEntry[]): FieldPath | undefined {
  const path: string[] = [];
  let node: unknown = live;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      const element: unknown = /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
      if (!isPlainObject(element)) return undefined;
      const key = entries.flatMap((entry) => Object.keys(nodeAt(entry.fieldsV1 ?? {}, path) ?? {})).find((step) => matchesKeyStep(step, element));
      if (!key) return undefined;
      path.push(key);
      node = element;
    } else {
      path.push(`f:${segment}`);
      node = isPlainObject(node) ? node[segment] : undefined;
    }
  }
  return path;
}

function nodeAt(set: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = set;
  for (const step of path) node = isPlainObject(node) ? node[step] : undefined;
  return isPlainObject(node) ? node : undefined;
}

function lookup(object: unknown, segments: readonly string[]): { found: boolean; value?: unknown } {
  let node: unknown = object;
  for (const segment of segments) {
    if (Array.isArray(node) && /^\d+$/.test(segment) && Number(segment) < node.length) node = node[Number(segment)];
    else if (isPlainObject(node) && Object.hasOwn(node, segment)) node = node[segment];
    else return { found: false };
  }
  return { found: true, value: node };
}

function parentOf(object: unknown, segments: readonly string[], create: boolean): unknown {
  let node: unknown = object;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(node)) node = /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
    else if (isPlainObject(node)) {
      if (!isPlainObject(node[segment]) && !Array.isArray(node[segment])) {
        if (!create) return undefined;
        node[segment] = {};
      }
      node = node[segment];
    } else return undefined;
  }
  return node;
}

function remove(object: unknown, segments: readonly string[]): void {
  const parent = parentOf(object, segments, false);
  const last = segments[segments.length - 1] as string;
  if (Array.isArray(parent) && /^\d+$/.test(last)) parent.splice(Number(last), 1);
  else if (isPlainObject(parent)) delete parent[last];
}

function assign(object: unknown, segments: readonly string[], value: unknown): void {
  const parent = parentOf(object, segments, true);
  const last = segments[segments.length - 1] as string;
  if (Array.isArray(parent) && /^\d+$/.test(last)) parent[Number(last)] = value;
  else if (isPlainObject(parent)) parent[last] = value;
}
