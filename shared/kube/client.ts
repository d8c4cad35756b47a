/**
 * `ClusterClient`: the HTTPS client of one Kubernetes API server, implementing the verbs the
 * engines use ({@link KubeApi}) over a {@link Transport} (sockets, in-flight bound, retries, typed
 * errors) and the connection's {@link Discovery}. Clients made from it by
 * {@link ClusterClient.impersonating} share both.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import type { ApplyOptions, KubeApi, ObjectKey } from './api.ts';
import type { ClusterEndpoint } from './connection.ts';
import type { ResourceInfo } from './discovery.ts';
import { Discovery, resourcePath } from './discovery.ts';
import type { KubeObject } from './objects.ts';
import { FIELD_MANAGER } from './objects.ts';
import type { SendOptions, TransportOptions } from './transport.ts';
import { Transport } from './transport.ts';

/** How a client connects (see {@link TransportOptions}) and as which field manager it writes. */
export interface ClusterClientOptions extends TransportOptions {
  /** Field manager name (default `tideline`). */
  fieldManager?: string;
}

/**
 * Accept header for answers Tideline does not read: protobuf where the kind has it (built-in kinds),
 * JSON otherwise (custom resources).
 */
const PROTOBUF_OR_JSON = 'application/vnd.kubernetes.protobuf, application/json';

/** The reference of `object` (what errors about it name). */
function keyOf(object: KubeObject): ObjectKey {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** The client of one API server. Create one per cluster per invocation; call {@link close} when done. */
export class ClusterClient implements KubeApi {
  readonly endpoint: ClusterEndpoint;
  readonly fieldManager: string;
  /**
   * The user requests are made as through Kubernetes impersonation (`Impersonate-User`), e.g.
   * `system:serviceaccount:team-a:deployer`; undefined for the credentials' own identity.
   */
  readonly impersonatedUser: string | undefined;
  private readonly transport: Transport;
  private readonly discovery: Discovery;

  constructor(endpoint: ClusterEndpoint, options: ClusterClientOptions = {}) {
    this.endpoint = endpoint;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.impersonatedUser = undefined;
    this.transport = new Transport(endpoint, options);
    this.discovery = new Discovery(this.transport);
  }

  /** HTTP requests sent so far (retries included), by this client and those made from it by {@link impersonating}. */
  get requestCount(): number {
    return this.transport.requestCount;
  }

  /** Requests sent, by `METHOD kind` (e.g. `PATCH Deployment`), for reports. */
  get requestsByVerb(): Map<string, number> {
    return this.transport.requestsByVerb;
  }

  /**
   * A client of the same connection that makes its requests as `user` (Kubernetes impersonation;
   * the credentials need the `impersonate` permission). Flux's `spec.serviceAccountName` writes
   * this way, so a tenant's Kustomization can change only what its service account may change.
   * It shares sockets, the in-flight bound, the request counters and discovery with this client.
   */
  impersonating(user: string): ClusterClient {
    // Same settings and connection, one field different: a shallow copy, not a second connection.
    return Object.assign(Object.create(ClusterClient.prototype) as ClusterClient, this, { impersonatedUser: user });
  }

  /** Closes idle keep-alive connections (of every client sharing this connection). */
  close(): void {
    this.transport.close();
  }

  // ---- discovery ---------------------------------------------------------------------------

  /**
   * How `apiVersion`/`kind` is served. Unknown kinds trigger one discovery refresh (a CRD may have
   * just been established); still unknown → NotFoundError naming `ref`.
   */
  resourceFor(apiVersion: string, kind: string, ref?: ObjectRef): Promise<ResourceInfo> {
    return this.discovery.resourceFor(apiVersion, kind, ref);
  }

  /**
   * The apiVersions in which the cluster serves `kind` of `group`, from cached discovery (no
   * request; empty when unknown). Prune uses it for inventory entries recorded with a version the
   * cluster no longer serves (an HPA recorded as `autoscaling/v2beta2` is still reachable as `v2`).
   */
  servedApiVersions(group: string, kind: string): string[] {
    return this.discovery.servedApiVersions(group, kind);
  }

  /** Looks a kind up in cached discovery only (no request); undefined when not cached. */
  cachedResourceFor(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.discovery.cached(apiVersion, kind);
  }

  /** Re-reads discovery from the server (aggregated discovery; legacy per-group fallback). */
  refreshDiscovery(): Promise<Map<string, ResourceInfo>> {
    return this.discovery.refresh();
  }

  /** The OpenAPI v3 index (`/openapi/v3`), read anew on every call (it changes as CRDs come). */
  async openApiIndex(): Promise<unknown> {
    return await this.send('GET', '/openapi/v3', { label: 'GET openapi' });
  }

  /** One OpenAPI v3 document by the server-relative URL the index gives (hash included; kept per connection). */
  openApiDocument(serverRelativeUrl: string): Promise<unknown> {
    return this.discovery.openApiDocument(serverRelativeUrl);
  }

  // ---- verbs -------------------------------------------------------------------------------

  /** Reads one object; undefined when it does not exist. */
  async get(ref: ObjectKey): Promise<KubeObject | undefined> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    try {
      return (await this.send('GET', resourcePath(info, ref.namespace, ref.name), { object: ref, label: `GET ${ref.kind}` })) as KubeObject;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Lists objects of a kind in all namespaces (or one), filtered by a label selector; pages through
   * large collections 500 at a time.
   */
  async list(apiVersion: string, kind: string, options: { labelSelector?: string; namespace?: string } = {}): Promise<KubeObject[]> {
    const info = await this.resourceFor(apiVersion, kind);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const query: Record<string, string> = { limit: '500' };
      if (options.labelSelector) query.labelSelector = options.labelSelector;
      if (continueToken) query.continue = continueToken;
      const body = (await this.send('GET', resourcePath(info, options.namespace), { query, label: `LIST ${kind}` })) as {
        items?: KubeObject[];
        metadata?: { continue?: string };
      };
      for (const item of body.items ?? []) items.push({ ...item, apiVersion, kind });
      continueToken = body.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  /** Server-side apply of `object` as this client's field manager; returns the (would-be) result. */
  async apply(object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    return (await this.applyWithStatus(object, options)).object;
  }

  /** Like {@link apply}, also telling whether the apply created the object (HTTP 201). */
  async applyWithStatus(object: KubeObject, options: ApplyOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const ref = keyOf(object);
    const info = await this.resourceFor(object.apiVersion, object.kind, ref);
    // fieldValidation=Ignore spares the server a second, strict YAML decode of the body that checks
    // nothing here: the body is JSON.stringify output, which cannot repeat a field, and an apply
    // refuses unknown fields anyway (its typed conversion of the patch fails, for built-in kinds
    // and custom resources alike). Under the default (Warn) that decode costs about a fifth of the
    // API server's CPU for an apply.
    const query: Record<string, string> = { fieldManager: this.fieldManager, force: options.force === false ? 'false' : 'true', fieldValidation: 'Ignore' };
    if (options.dryRun) query.dryRun = 'All';
    const response = await this.sendForStatus('PATCH', resourcePath(info, object.metadata.namespace, object.metadata.name), {
      query,
      // Callers that only need to know whether it worked skip parsing the result, and ask for it
      // in protobuf where the kind has it: 5–8% less API server CPU per apply than JSON.
      ...(options.discardResult ? { discardBody: true, accept: PROTOBUF_OR_JSON } : {}),
      body: JSON.stringify(object),
      contentType: 'application/apply-patch+yaml',
      object: ref,
      label: options.label ?? `${options.dryRun ? 'DRYRUN' : 'PATCH'} ${object.kind}`,
    });
    return { object: response.body as KubeObject, created: response.status === 201 };
  }

  /**
   * Server-side dry-run of creating `object` (`POST …?dryRun=All&fieldValidation=Strict`, JSON
   * body): schema, unknown fields, defaulting and admission, like a dry-run apply of a new object,
   * at a lower cost to the API server (no read of the stored object, no apply merge). It does not
   * report what only an apply rejects (duplicate keys in associative lists: see `schema.ts`), and
   * fails with a ConflictError (reason `AlreadyExists`) when the object exists.
   *
   * Nothing is read from a successful answer, so it is asked for in protobuf where the kind has it,
   * which the API server encodes for less CPU than JSON (and the client decrypts fewer bytes); an
   * error then arrives as a protobuf Status, which the client reads as well (`status-proto.ts`).
   */
  async dryRunCreate(object: KubeObject): Promise<void> {
    const ref = keyOf(object);
    const info = await this.resourceFor(object.apiVersion, object.kind, ref);
    await this.send('POST', resourcePath(info, object.metadata.namespace), {
      query: { dryRun: 'All', fieldManager: this.fieldManager, fieldValidation: 'Strict' },
      body: JSON.stringify(object),
      contentType: 'application/json',
      accept: PROTOBUF_OR_JSON,
      discardBody: true,
      object: ref,
      label: `DRYRUN create ${object.kind}`,
    });
  }

  /** Deletes an object (background propagation by default); false when it was already gone. */
  async delete(ref: ObjectKey, options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    try {
      await this.send('DELETE', resourcePath(info, ref.namespace, ref.name), {
        body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy ?? 'Background' }),
        contentType: 'application/json',
        object: ref,
        label: `DELETE ${ref.kind}`,
      });
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /**
   * Sends a JSON patch (RFC 6902) to an object, e.g. to rewrite its `managedFields`. The result is
   * not read.
   */
  async jsonPatch(ref: ObjectKey, operations: unknown[]): Promise<void> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    await this.send('PATCH', resourcePath(info, ref.namespace, ref.name), {
      body: JSON.stringify(operations),
      contentType: 'application/json-patch+json',
      query: { fieldManager: this.fieldManager },
      object: ref,
      label: `PATCH ${ref.kind} (managedFields)`,
      discardBody: true,
    });
  }

  /** Merge-patches the `/status` subresource (what a controller does; tests drive readiness with it). */
  async patchStatus(ref: ObjectKey, status: unknown): Promise<KubeObject> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    return (await this.send('PATCH', `${resourcePath(info, ref.namespace, ref.name)}/status`, {
      body: JSON.stringify({ status }),
      contentType: 'application/merge-patch+json',
      object: ref,
      label: `PATCH ${ref.kind}/status`,
    })) as KubeObject;
  }

  // ---- raw requests ------------------------------------------------------------------------

  /**
   * Sends one request as this client's identity (see {@link Transport.sendForStatus}) and returns
   * the parsed JSON body.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<unknown> {
    return (await this.sendForStatus(method, path, options)).body;
  }

  /** {@link send}, also returning the HTTP status of the final attempt. */
  sendForStatus(method: string, path: string, options: SendOptions = {}): Promise<{ status: number; body: unknown }> {
    return this.transport.sendForStatus(method, path, options, this.impersonatedUser);
  }
}
