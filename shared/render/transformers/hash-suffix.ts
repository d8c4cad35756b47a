/**
 * The content hash kustomize appends to generated ConfigMap and Secret names: the first ten hex
 * digits of the SHA-256 of the object's fields as Go's `json.Marshal` writes them (map keys
 * sorted by bytes), with kustomize's vowel-free substitution.
 */
import { createHash } from 'node:crypto';
import { isScalar } from 'yaml';
import { scalarText, toGoValue, type GoValue } from '../yaml/go-value.ts';
import { goJsonString } from '../go-json.ts';
import { type Resource, getNode } from '../resource.ts';

function goJson(value: GoValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return goJsonString(value);
  if (Array.isArray(value)) return '[' + value.map(goJson).join(',') + ']';
  if (value instanceof Map) {
    const keys = [...value.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return '{' + keys.map((k) => goJsonString(k) + ':' + goJson(value.get(k) as GoValue)).join(',') + '}';
  }
  return value.text;
}

function encodeHash(json: string): string {
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c] as string);
}

function hashField(resource: Resource, path: string[]): GoValue {
  const node = getNode(resource.node, path);
  if (node === undefined) return '';
  if (isScalar(node)) return node.value === null || node.value === undefined ? '' : (scalarText(node) ?? '');
  return toGoValue(node);
}

/** The hash suffix kustomize appends to generated ConfigMap/Secret names. */
export function generatorHash(resource: Resource): string {
  const fields = new Map<string, GoValue>();
  if (resource.kind === 'ConfigMap') {
    fields.set('kind', 'ConfigMap');
    // kustomize looks the name up with a path it never splits, so the name is always empty.
    fields.set('name', '');
    fields.set('data', hashField(resource, ['data']));
    const binary = hashField(resource, ['binaryData']);
    if (binary instanceof Map) fields.set('binaryData', binary);
  } else if (resource.kind === 'Secret') {
    fields.set('kind', 'Secret');
    fields.set('type', hashField(resource, ['type']));
    // kustomize looks the name up with a path it never splits, so the name is always empty.
    fields.set('name', '');
    fields.set('data', hashField(resource, ['data']));
    const stringData = hashField(resource, ['stringData']);
    if (stringData instanceof Map) fields.set('stringData', stringData);
  } else {
    fields.set('object', toGoValue(resource.node));
  }
  return encodeHash(goJson(fields));
}

/** Appends the content hash to every generated object that asked for it. */
export function addHashSuffixes(resources: readonly Resource[]): void {
  for (const resource of resources) {
    if (!resource.needsHash) continue;
    resource.rename(`${resource.name}-${generatorHash(resource)}`);
    resource.needsHash = false;
  }
}
