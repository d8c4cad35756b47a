/**
 * `ClusterClient`: the narrow client through which Tideline talks to one Kubernetes API server.
 *
 * It speaks plain HTTPS (Node's `https` with keep-alive and TLS verification on), bounds the number
 * of requests in flight, counts every request it sends (tests and the benchmark assert on it),
 * retries transient failures (connection refused/reset, timeouts, 429, 5xx) with bounded backoff,
 * and maps every other failure to a typed error naming the object. Discovery uses the aggregated
 * discovery API (two requests for the whole cluster) and is cached per API server, refreshed when a
 * kind is unknown — e.g. right after a CRD was applied.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ObjectRef } from '#shared/errors/index.ts';
import { ConflictError, InvalidInputError, NotFoundError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { ClusterEndpoint } from './connection.ts';
import type { KubeObject } from './objects.ts';
import { FIELD_MANAGER, groupOf, versionOf } from './objects.ts';
import { decodeProtobufStatus } from './status-proto.ts';
import { displayUrl } from './url.ts';

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

export interface ClusterClientOptions {
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /** Attempts per request for transient failures (default 4). */
  maxAttempts?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Clock for backoff sleeps. */
  clock?: Clock;
  /** Field manager name (default `tideline`). */
  fieldManager?: string;
}

/** Options of a server-side apply. */
export interface ApplyOptions {
  /** Take ownership of fields another manager owns (SSA `force`). */
  force?: boolean;
  /** Validate and compute the result without persisting (`dryRun=All`). */
  dryRun?: boolean;
  /** The caller does not read the returned object (it is then returned empty, unparsed). */
  discardResult?: boolean;
  /** Request counter label instead of `PATCH <kind>` (e.g. `PATCH inventory`). */
  label?: string;
}

/** A Kubernetes `Status` failure body. */
interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

/** An API error with the HTTP status and the server's reason, for callers that branch on them. */
export interface ApiFailure {
  status: number;
  reason: string;
  message: string;
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TYPED_PATCH_FAILURE = /failed to create typed (patch|live) object|failed to convert new object/;
/**
 * Accept header for answers Tideline does not read: protobuf where the kind has it (built-in kinds),
 * JSON otherwise (custom resources).
 */
const PROTOBUF_OR_JSON = 'application/vnd.kubernetes.protobuf, application/json';
const DISCOVERY_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/** Options of one raw request. */
export interface SendOptions {
  query?: Record<string, string>;
  body?: string;
  contentType?: string;
  accept?: string;
  /** The object the request is about, named in any error. */
  object?: ObjectRef;
  /** Counter label (`PATCH Deployment`). */
  label?: string;
  /** Do not parse a successful response body (the caller does not need it). */
  discardBody?: boolean;
}

/** Discovery results shared by every client of the same API server (a warm function reuses them). */
const discoveryByServer = new Map<string, Map<string, ResourceInfo>>();

/** Clears cached discovery (tests that recreate a server on the same address). */
export function clearDiscoveryCache(): void {
  discoveryByServer.clear();
}

/** Small counting semaphore bounding requests in flight. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** What the clients of one connection share: sockets, the in-flight bound, and the counters. */
interface Transport {
  agent: Agent;
  limiter: Limiter;
  counters: { requests: number; byVerb: Map<string, number> };
}

/** The client of one API server. Create one per cluster per invocation; call {@link close} when done. */
export class ClusterClient {
  readonly endpoint: ClusterEndpoint;
  readonly fieldManager: string;
  /**
   * The user requests are made as through Kubernetes impersonation (`Impersonate-User`), e.g.
   * `system:serviceaccount:team-a:deployer`; undefined for the credentials' own identity.
   */
  readonly impersonatedUser: string | undefined;
  private readonly transport: Transport;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly url: URL;
  private discoveryInFlight: Promise<Map<string, ResourceInfo>> | undefined;

  constructor(endpoint: ClusterEndpoint, options: ClusterClientOptions = {}) {
    this.endpoint = endpoint;
    this.url = new URL(endpoint.server);
    this.maxAttempts = options.maxAttempts ?? 4;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.impersonatedUser = undefined;
    const concurrency = options.concurrency ?? 16;
    this.transport = {
      limiter: new Limiter(concurrency),
      counters: { requests: 0, byVerb: new Map() },
      agent: new Agent({
        keepAlive: true,
        maxSockets: concurrency,
        ...(endpoint.ca ? { ca: endpoint.ca } : {}),
        ...(endpoint.clientCert ? { cert: endpoint.clientCert } : {}),
        ...(endpoint.clientKey ? { key: endpoint.clientKey } : {}),
        rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
      }),
    };
  }

  /** HTTP requests sent so far (retries included), by this client and those made from it by {@link impersonating}. */
  get requestCount(): number {
    return this.transport.counters.requests;
  }

  set requestCount(value: number) {
    this.transport.counters.requests = value;
  }

  /** Requests sent, by `METHOD kind` (e.g. `PATCH Deployment`), for reports. */
  get requestsByVerb(): Map<string, number> {
    return this.transport.counters.byVerb;
  }

  /**
   * A client of the same connection that makes its requests as `user` (Kubernetes impersonation;
   * the credentials need the `impersonate` permission). Flux's `spec.serviceAccountName` writes
   * this way, so a tenant's Kustomization can change only what its service account may change.
   * It shares sockets, the in-flight bound and the request counters with this client.
   */
  impersonating(user: string): ClusterClient {
    // Same settings and transport, one field different: a shallow copy, not a second connection.
    return Object.assign(Object.create(ClusterClient.prototype) as ClusterClient, this, { impersonatedUser: user, discoveryInFlight: undefined });
  }

  /** Closes idle keep-alive connections (of every client sharing this connection). */
  close(): void {
    this.transport.agent.destroy();
  }

  // ---- discovery ---------------------------------------------------------------------------

  /**
   * How `apiVersion`/`kind` is served. Unknown kinds trigger one discovery refresh (a CRD may have
   * just been established); still unknown → NotFoundError naming `ref`.
   */
  async resourceFor(apiVersion: string, kind: string, ref?: ObjectRef): Promise<ResourceInfo> {
    const key = `${apiVersion}/${kind}`;
    let known = discoveryByServer.get(this.endpoint.server);
    if (!known) known = await this.refreshDiscovery();
    let info = known.get(key);
    if (!info) {
      known = await this.refreshDiscovery();
      info = known.get(key);
    }
    if (!info) {
      throw new NotFoundError(`the cluster ${this.endpoint.name} does not serve ${kind} in ${apiVersion} (is its CRD installed?)`, ref ? { object: ref } : {});
    }
    return info;
  }

  /**
   * The apiVersions in which the cluster serves `kind` of `group`, from cached discovery (no
   * request; empty when unknown). Prune uses it for inventory entries recorded with a version the
   * cluster no longer serves (an HPA recorded as `autoscaling/v2beta2` is still reachable as `v2`).
   */
  servedApiVersions(group: string, kind: string): string[] {
    const versions: string[] = [];
    for (const info of discoveryByServer.get(this.endpoint.server)?.values() ?? []) {
      if (info.group === group && info.kind === kind) versions.push(group ? `${group}/${info.version}` : info.version);
    }
    return versions;
  }

  /** Looks a kind up in cached discovery only (no request); undefined when not cached. */
  cachedResourceFor(apiVersion: string, kind: string): ResourceInfo | undefined {
    return discoveryByServer.get(this.endpoint.server)?.get(`${apiVersion}/${kind}`);
  }

  /** Re-reads discovery from the server (aggregated discovery; legacy per-group fallback). */
  async refreshDiscovery(): Promise<Map<string, ResourceInfo>> {
    // Concurrent callers (e.g. prune of several unknown kinds) share one refresh.
    this.discoveryInFlight ??= this.readDiscovery().finally(() => (this.discoveryInFlight = undefined));
    return this.discoveryInFlight;
  }

  private async readDiscovery(): Promise<Map<string, ResourceInfo>> {
    const known = new Map<string, ResourceInfo>();
    for (const root of ['/api', '/apis']) {
      const body = (await this.send('GET', root, { accept: DISCOVERY_ACCEPT, label: 'GET discovery' })) as {
        kind?: string;
        items?: { metadata?: { name?: string }; versions?: { version: string; resources?: { resource: string; responseKind?: { kind: string }; scope: string; verbs?: string[] }[] }[] }[];
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
              known.set(`${apiVersion}/${resource.responseKind.kind}`, { group, version: version.version, kind: resource.responseKind.kind, resource: resource.resource, namespaced: resource.scope === 'Namespaced', ...(resource.verbs ? { verbs: resource.verbs } : {}) });
            }
          }
        }
      } else {
        // Servers without aggregated discovery (< 1.26): one request per group version.
        const groupVersions = root === '/api' ? (body.versions ?? []) : (body.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion));
        for (const groupVersion of groupVersions) {
          const list = (await this.send('GET', `${root}/${groupVersion}`, { label: 'GET discovery' })) as { resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[] };
          for (const resource of list.resources ?? []) {
            if (resource.name.includes('/')) continue;
            known.set(`${groupVersion}/${resource.kind}`, { group: groupOf(groupVersion), version: versionOf(groupVersion), kind: resource.kind, resource: resource.name, namespaced: resource.namespaced, ...(resource.verbs ? { verbs: resource.verbs } : {}) });
          }
        }
      }
    }
    discoveryByServer.set(this.endpoint.server, known);
    return known;
  }

  /** REST path of a collection or of one object. */
  pathFor(info: ResourceInfo, namespace?: string, name?: string): string {
    const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  // ---- verbs -------------------------------------------------------------------------------

  /** Reads one object; undefined when it does not exist. */
  async get(ref: ObjectRef & { apiVersion: string }): Promise<KubeObject | undefined> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    try {
      return (await this.send('GET', this.pathFor(info, ref.namespace, ref.name), { object: ref, label: `GET ${ref.kind}` })) as KubeObject;
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
      const body = (await this.send('GET', this.pathFor(info, options.namespace), { query, label: `LIST ${kind}` })) as { items?: KubeObject[]; metadata?: { continue?: string } };
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
    const ref = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
    const info = await this.resourceFor(object.apiVersion, object.kind, ref);
    // fieldValidation=Ignore spares the server a second, strict YAML decode of the body that checks
    // nothing here: the body is JSON.stringify output, which cannot repeat a field, and an apply
    // refuses unknown fields anyway (its typed conversion of the patch fails, for built-in kinds
    // and custom resources alike). Under the default (Warn) that decode costs about a fifth of the
    // API server's CPU for an apply.
    const query: Record<string, string> = { fieldManager: this.fieldManager, force: options.force === false ? 'false' : 'true', fieldValidation: 'Ignore' };
    if (options.dryRun) query.dryRun = 'All';
    const response = await this.sendForStatus('PATCH', this.pathFor(info, object.metadata.namespace, object.metadata.name), {
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
    const ref = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
    const info = await this.resourceFor(object.apiVersion, object.kind, ref);
    await this.send('POST', this.pathFor(info, object.metadata.namespace), {
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
  async delete(ref: ObjectRef & { apiVersion: string }, options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    try {
      await this.send('DELETE', this.pathFor(info, ref.namespace, ref.name), {
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
  async jsonPatch(ref: ObjectRef & { apiVersion: string }, operations: unknown[]): Promise<void> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    await this.send('PATCH', this.pathFor(info, ref.namespace, ref.name), {
      body: JSON.stringify(operations),
      contentType: 'application/json-patch+json',
      query: { fieldManager: this.fieldManager },
      object: ref,
      label: `PATCH ${ref.kind} (managedFields)`,
      discardBody: true,
    });
  }

  /** Merge-patches the `/status` subresource (what a controller does; tests drive readiness with it). */
  async patchStatus(ref: ObjectRef & { apiVersion: string }, status: unknown): Promise<KubeObject> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind, ref);
    return (await this.send('PATCH', `${this.pathFor(info, ref.namespace, ref.name)}/status`, {
      body: JSON.stringify({ status }),
      contentType: 'application/merge-patch+json',
      object: ref,
      label: `PATCH ${ref.kind}/status`,
    })) as KubeObject;
  }

  // ---- transport ---------------------------------------------------------------------------

  /**
   * Sends one request (bounded concurrency), retrying transient failures with exponential backoff,
   * and returns the parsed JSON body. Failures become typed errors naming `object` when given.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<unknown> {
    return (await this.sendForStatus(method, path, options)).body;
  }

  /** {@link send}, also returning the HTTP status of the final attempt. */
  async sendForStatus(method: string, path: string, options: SendOptions = {}): Promise<{ status: number; body: unknown }> {
    const search = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const basePath = this.url.pathname.replace(/\/+$/, '');
    let lastError: TransientError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        return await this.transport.limiter.run(() => this.sendOnce(method, basePath + path + search, options));
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        lastError = error;
        if (attempt === this.maxAttempts) break;
        const backoff = Math.min(2_000, 100 * 2 ** (attempt - 1));
        await this.clock.sleep(Math.max(backoff, error.retryAfterMs ?? 0));
      }
    }
    throw lastError as TransientError;
  }

  private async sendOnce(method: string, path: string, options: SendOptions): Promise<{ status: number; body: unknown }> {
    this.transport.counters.requests++;
    const label = options.label ?? method;
    this.requestsByVerb.set(label, (this.requestsByVerb.get(label) ?? 0) + 1);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', 'user-agent': 'tideline' };
    if (this.impersonatedUser) headers['impersonate-user'] = this.impersonatedUser;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const token = typeof this.endpoint.token === 'function' ? await this.endpoint.token() : this.endpoint.token;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.endpoint.basicAuth) headers.authorization = `Basic ${Buffer.from(`${this.endpoint.basicAuth.username}:${this.endpoint.basicAuth.password}`).toString('base64')}`;
    const objectOption = options.object ? { object: options.object } : {};
    const where = `${method} ${this.endpoint.name}`;
    const response = await new Promise<{ status: number; body: Buffer; contentType: string; retryAfter?: string }>((resolve, reject) => {
      const req = httpsRequest(
        { protocol: 'https:', hostname: this.url.hostname, port: this.url.port || 443, method, path, headers, agent: this.transport.agent },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: res.headers['content-type'] ?? '', ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
          res.on('error', (error) => reject(new TransientError(`${where}: response interrupted: ${error.message}`, { ...objectOption, cause: error })));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no response within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code && TRANSIENT_CODES.has(error.code)) reject(new TransientError(`API server ${displayUrl(this.endpoint.server)} unreachable (${error.code}): ${error.message}`, { ...objectOption, cause: error }));
        else reject(new InvalidInputError(`request to API server ${displayUrl(this.endpoint.server)} failed: ${error.message}`, { ...objectOption, cause: error }));
      });
      if (options.body !== undefined) req.end(options.body);
      else req.end();
    });
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, body: response.body.length > 0 && !options.discardBody ? JSON.parse(response.body.toString('utf8')) : {} };
    }
    throw this.toError(response.status, readStatus(response.body, response.contentType), options.object, response.retryAfter);
  }

  private toError(status: number, body: StatusBody, object: ObjectRef | undefined, retryAfter?: string): Error {
    const message = body.message || `HTTP ${status}`;
    const options = { ...(object ? { object } : {}), cause: { status, reason: body.reason ?? '', message } satisfies ApiFailure };
    // The API server answers 500 when an apply's object does not fit the schema (unknown field,
    // wrong type, duplicate keys in an associative list) or cannot be converted to its Go type
    // (a Secret value that is not base64): that is the object's fault, not the server's, and
    // retrying cannot help.
    if (status === 500 && TYPED_PATCH_FAILURE.test(message)) return new InvalidInputError(message, options);
    if (status === 429 || status >= 500) {
      const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
      return new TransientError(`API server answered ${status}: ${message}`, { ...options, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    // A Namespace being deleted refuses new content until its deletion completes: a condition
    // that passes (a later run recreates the Namespace and its objects), not a permission problem.
    if (status === 403 && body.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) {
      return new TransientError(`the namespace is being deleted and accepts no new objects until it is gone: ${message}`, options);
    }
    if (status === 404) return new NotFoundError(message, options);
    if (status === 409) return new ConflictError(message, options);
    if (status === 401 || status === 403) return new UnauthorizedError(`${status === 401 ? 'unauthenticated' : 'forbidden'}: ${message}`, options);
    return new InvalidInputError(message, options);
  }
}

/** The Status of an answer that is not a success: JSON, protobuf, or (from a proxy) plain text. */
function readStatus(body: Buffer, contentType: string): StatusBody {
  if (contentType.startsWith('application/vnd.kubernetes.protobuf')) return decodeProtobufStatus(body) ?? {};
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as StatusBody;
  } catch {
    return { message: text.slice(0, 300) };
  }
}

/** The HTTP status and server reason behind an error thrown by {@link ClusterClient}, if any. */
export function apiFailureOf(error: unknown): ApiFailure | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause as ApiFailure | undefined;
  return cause && typeof cause === 'object' && typeof cause.status === 'number' ? cause : undefined;
}
