/**
 * Discovery: which kinds one API server serves, and how (REST resource, scope, verbs). Read with the
 * aggregated discovery API (two requests for the whole cluster), kept by the connection — a warm
 * function that reuses its client reuses it — and read again when a kind is unknown, e.g. right
 * after a CRD was applied. The OpenAPI v3 documents the list-key check reads are kept here too:
 * their URLs carry the content hash, so a cached document never goes stale.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import { groupOf, versionOf } from './objects.ts';
import type { Transport } from './transport.ts';

/** How a kind is served: its REST resource name and scope. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  /** What the API allows on it (`create`, `patch`, `list` …), when discovery says. */
  verbs?: string[];
}

const DISCOVERY_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/** REST path of a collection or of one object. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The discovery of one API server, read through its transport as the credentials' own identity. */
export class Discovery {
  private readonly transport: Transport;
  private known: Map<string, ResourceInfo> | undefined;
  private inFlight: Promise<Map<string, ResourceInfo>> | undefined;
  private readonly openApiDocuments = new Map<string, Promise<unknown>>();

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /**
   * How `apiVersion`/`kind` is served. Unknown kinds trigger one refresh (a CRD may have just been
   * established); still unknown → NotFoundError naming `ref`.
   */
  async resourceFor(apiVersion: string, kind: string, ref?: ObjectRef): Promise<ResourceInfo> {
    const key = `${apiVersion}/${kind}`;
    let info = (this.known ?? (await this.refresh())).get(key);
    if (!info) info = (await this.refresh()).get(key);
    if (!info) {
      throw new NotFoundError(
        `the cluster ${this.transport.endpoint.name} does not serve ${kind} in ${apiVersion} (is its CRD installed?)`,
        ref ? { object: ref } : {},
      );
    }
    return info;
  }

  /** Looks a kind up in what was read before (no request); undefined when not known. */
  cached(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.known?.get(`${apiVersion}/${kind}`);
  }

  /** The apiVersions in which `kind` of `group` is served, from what was read before (no request). */
  servedApiVersions(group: string, kind: string): string[] {
    const versions: string[] = [];
    for (const info of this.known?.values() ?? []) {
      if (info.group === group && info.kind === kind) versions.push(group ? `${group}/${info.version}` : info.version);
    }
    return versions;
  }

  /** Reads discovery again (aggregated discovery; legacy per-group fallback). */
  refresh(): Promise<Map<string, ResourceInfo>> {
    // Concurrent callers (e.g. prune of several unknown kinds) share one refresh.
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * The OpenAPI v3 document at `serverRelativeUrl` (from the `/openapi/v3` index, hash included),
   * read once per connection. A failed read is not kept: the next caller tries again.
   */
  openApiDocument(serverRelativeUrl: string): Promise<unknown> {
    let document = this.openApiDocuments.get(serverRelativeUrl);
    if (!document) {
      const [path = '', search = ''] = serverRelativeUrl.split('?');
      const query = Object.fromEntries(new URLSearchParams(search));
      // The URL is relative to the server root; the transport adds any base path of its own.
      const basePath = this.transport.basePath;
      const relative = basePath && path.startsWith(basePath) ? path.slice(basePath.length) : path;
      document = this.transport.sendForStatus('GET', relative, { query, label: 'GET openapi' }).then((response) => response.body);
      this.openApiDocuments.set(serverRelativeUrl, document);
      document.catch(() => this.openApiDocuments.delete(serverRelativeUrl));
    }
    return document;
  }

  private async get(path: string, accept?: string): Promise<unknown> {
    return (await this.transport.sendForStatus('GET', path, { ...(accept ? { accept } : {}), label: 'GET discovery' })).body;
  }

  private async read(): Promise<Map<string, ResourceInfo>> {
    const known = new Map<string, ResourceInfo>();
    for (const root of ['/api', '/apis']) {
      const body = (await this.get(root, DISCOVERY_ACCEPT)) as {
        kind?: string;
        items?: {
          metadata?: { name?: string };
          versions?: { version: string; resources?: { resource: string; responseKind?: { kind: string }; scope: string; verbs?: string[] }[] }[];
        }[];
        versions?: string[];
        groups?: { name: string; versions: { groupVersion: string }[] }[];
      };
      if (body.kind === 'APIGroupDiscoveryList') {
        for (const item of body.items ?? []) {
          const group = item.metadata?.name ?? '';
          for (const version of item.versions ?? []) {
            for (const resource of version.resources ?? []) {
              if (!resource.responseKind?.kind || resource.resource.includes('/')) continue;
              const apiVersion = group ? `${group}/${version.version}` : version.version;
              known.set(`${apiVersion}/${resource.responseKind.kind}`, {
                group,
                version: version.version,
                kind: resource.responseKind.kind,
                resource: resource.resource,
                namespaced: resource.scope === 'Namespaced',
                ...(resource.verbs ? { verbs: resource.verbs } : {}),
              });
            }
          }
        }
      } else {
        // Servers without aggregated discovery (< 1.26): one request per group version.
        const groupVersions = root === '/api' ? (body.versions ?? []) : (body.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion));
        for (const groupVersion of groupVersions) {
          const list = (await this.get(`${root}/${groupVersion}`)) as { resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[] };
          for (const resource of list.resources ?? []) {
            if (resource.name.includes('/')) continue;
            known.set(`${groupVersion}/${resource.kind}`, {
              group: groupOf(groupVersion),
              version: versionOf(groupVersion),
              kind: resource.kind,
              resource: resource.name,
              namespaced: resource.namespaced,
              ...(resource.verbs ? { verbs: resource.verbs } : {}),
            });
          }
        }
      }
    }
    this.known = known;
    return known;
  }
}
