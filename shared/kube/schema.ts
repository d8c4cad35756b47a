/**
 * Associative-list checks from the API server's OpenAPI v3 schemas.
 *
 * A new object is validated with a dry-run create, which the API server answers faster than a
 * dry-run apply. The two differ in one way that matters: an apply turns the object into a typed
 * value following the schema's list types, and rejects duplicate keys in a list of type `map`
 * (two `env` entries named `A`, two container ports `80/TCP`) or duplicate values in a list of
 * type `set`, which a create accepts. Those duplicates are found here, before anything is written,
 * so a bundle that validates also applies. Schemas come from `/openapi/v3` (one index request per
 * reconcile, then one document per group version, kept by the connection by the document's hash: see discovery.ts).
 * An object whose kind has no published schema (a CRD established moments ago, a server without
 * OpenAPI v3) is not checked here; the caller then validates it with a dry-run apply instead.
 */
import { TransientError } from '#shared/errors/index.ts';
import type { KubeApi } from './api.ts';
import type { KubeObject } from './objects.ts';
import { groupOf, versionOf } from './objects.ts';

/** One OpenAPI v3 schema node, the few keywords the check reads. */
interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  default?: unknown;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** The schemas of one group version: named components and the root schema of each kind. */
interface GroupVersionSchemas {
  components: Record<string, SchemaNode>;
  kinds: Map<string, SchemaNode>;
}

/**
 * Reads OpenAPI v3 schemas of one cluster, on demand: the index once per instance (create one per
 * reconcile, so a CRD applied since the last run is seen), each document once per run (the connection keeps the documents themselves).
 */
export class ListKeyChecker {
  private readonly client: KubeApi;
  /** Documents read in this run, parsed, by URL. */
  private readonly parsed = new Map<string, Promise<GroupVersionSchemas>>();
  private index: Promise<Map<string, string>> | undefined;
  private indexRead = false;

  constructor(client: KubeApi) {
    this.client = client;
  }

  /**
   * The duplicate-key problems an apply of `object` would reject (empty when none), or undefined
   * when the server publishes no schema for its kind (the caller must then validate another way).
   */
  async problems(object: KubeObject): Promise<string[] | undefined> {
    let schemas: GroupVersionSchemas | undefined;
    try {
      schemas = await this.schemasFor(object.apiVersion);
    } catch (error) {
      // A server without OpenAPI v3 (before 1.27) or an identity not allowed to read it: the
      // caller falls back to the dry-run apply. An unreachable server is the run's failure.
      if (error instanceof TransientError) throw error;
      return undefined;
    }
    const root = schemas?.kinds.get(object.kind);
    if (!schemas || !root) return undefined;
    const found: string[] = [];
    walk(object, root, '', schemas.components, found);
    return found;
  }

  private async schemasFor(apiVersion: string): Promise<GroupVersionSchemas | undefined> {
    const key = groupOf(apiVersion) ? `apis/${apiVersion}` : `api/${versionOf(apiVersion)}`;
    let url = (await this.readIndex()).get(key);
    if (!url && this.indexRead) {
      // A group version served since the index was read (a CRD of this bundle): read it again once.
      this.index = undefined;
      this.indexRead = false;
      url = (await this.readIndex()).get(key);
    }
    if (!url) return undefined;
    let document = this.parsed.get(url);
    if (!document) {
      document = this.readDocument(url, key);
      this.parsed.set(url, document);
      // A failed read is not kept: the next object of the kind tries again.
      document.catch(() => this.parsed.delete(url));
    }
    return document;
  }

  private readIndex(): Promise<Map<string, string>> {
    this.index ??= (async () => {
      const body = (await this.client.openApiIndex()) as { paths?: Record<string, { serverRelativeURL?: string }> };
      this.indexRead = true;
      const urls = new Map<string, string>();
      for (const [path, entry] of Object.entries(body.paths ?? {})) if (entry.serverRelativeURL) urls.set(path, entry.serverRelativeURL);
      return urls;
    })();
    return this.index;
  }

  private async readDocument(serverRelativeUrl: string, groupVersionPath: string): Promise<GroupVersionSchemas> {
    const body = (await this.client.openApiDocument(serverRelativeUrl)) as { components?: { schemas?: Record<string, SchemaNode> } };
    const components = body.components?.schemas ?? {};
    const kinds = new Map<string, SchemaNode>();
    for (const schema of Object.values(components)) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        // A document serves one group version; the same schema may also be listed for others.
        if (groupVersionPath === (gvk.group ? `apis/${gvk.group}/${gvk.version}` : `api/${gvk.version}`)) kinds.set(gvk.kind, schema);
      }
    }
    return { components, kinds };
  }
}

/** Follows `$ref` (directly or as the single `allOf` entry the published documents use). */
function resolve(node: SchemaNode | undefined, components: Record<string, SchemaNode>, depth = 0): SchemaNode | undefined {
  if (!node || depth > 16) return node;
  const ref = node.$ref ?? (node.allOf?.length === 1 ? node.allOf[0]?.$ref : undefined);
  if (!ref) return node;
  return resolve(components[ref.slice(ref.lastIndexOf('/') + 1)], components, depth + 1);
}

/** Walks `value` along `node`, collecting duplicate keys of `map` lists and duplicate `set` values. */
function walk(value: unknown, node: SchemaNode | undefined, path: string, components: Record<string, SchemaNode>, found: string[]): void {
  const schema = resolve(node, components);
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const listType = node?.['x-kubernetes-list-type'] ?? schema['x-kubernetes-list-type'];
    const itemSchema = resolve(schema.items, components);
    if (listType === 'map') {
      const keys = node?.['x-kubernetes-list-map-keys'] ?? schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      for (const item of value) {
        if (item === null || typeof item !== 'object') continue;
        // A key the manifest leaves out takes its schema default (a port's protocol is TCP).
        const key = keys
          .map((k) => `${k}=${JSON.stringify((item as Record<string, unknown>)[k] ?? resolve(itemSchema?.properties?.[k], components)?.default ?? null)}`)
          .join(',');
        if (seen.has(key)) found.push(`${path || '.'}: duplicate entries for key [${key}]`);
        seen.add(key);
      }
    } else if (listType === 'set') {
      const seen = new Set<string>();
      for (const item of value) {
        const key = JSON.stringify(item);
        if (seen.has(key)) found.push(`${path || '.'}: duplicate entries for value ${key}`);
        seen.add(key);
      }
    }
    value.forEach((item, i) => walk(item, schema.items, `${path}[${i}]`, components, found));
    return;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (childSchema) walk(child, childSchema, `${path}.${key}`, components, found);
  }
}
