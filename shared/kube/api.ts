/**
 * `KubeApi`: exactly the calls the engines (reconcile, diff, drift, prune, finalize, wait,
 * inventory) make to a cluster — as aws-cdk's EKS handlers list their SDK calls in `EksClient` —
 * so an engine says what it needs, and a test double of one is small. {@link ClusterClient}
 * implements it over HTTPS.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import type { ResourceInfo } from './discovery.ts';
import type { KubeObject } from './objects.ts';

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

/** A reference to one object with its apiVersion (what every verb on one object takes). */
export type ObjectKey = ObjectRef & { apiVersion: string };

/** The verbs of one cluster the engines use. */
export interface KubeApi {
  /** The SSA field manager writes are made as (`tideline`). */
  readonly fieldManager: string;
  /** The same connection, making its requests as `user` (Kubernetes impersonation). */
  impersonating(user: string): KubeApi;

  /** How a kind is served; unknown kinds refresh discovery once, then NotFoundError naming `ref`. */
  resourceFor(apiVersion: string, kind: string, ref?: ObjectRef): Promise<ResourceInfo>;
  /** How a kind is served, from discovery already read (no request). */
  cachedResourceFor(apiVersion: string, kind: string): ResourceInfo | undefined;
  /** The apiVersions serving `kind` of `group`, from discovery already read (no request). */
  servedApiVersions(group: string, kind: string): string[];
  /** Reads discovery again (after CRDs were established). */
  refreshDiscovery(): Promise<unknown>;
  /** The OpenAPI v3 index (`/openapi/v3`): group-version paths and their document URLs. */
  openApiIndex(): Promise<unknown>;
  /** One OpenAPI v3 document by its server-relative URL from the index (kept per connection). */
  openApiDocument(serverRelativeUrl: string): Promise<unknown>;

  /** Reads one object; undefined when it does not exist. */
  get(ref: ObjectKey): Promise<KubeObject | undefined>;
  /** Lists objects of a kind (all namespaces, or one), filtered by a label selector. */
  list(apiVersion: string, kind: string, options?: { labelSelector?: string; namespace?: string }): Promise<KubeObject[]>;
  /** Server-side apply; returns the (would-be) result. */
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /** Server-side apply, also telling whether it created the object. */
  applyWithStatus(object: KubeObject, options?: ApplyOptions): Promise<{ object: KubeObject; created: boolean }>;
  /** Server-side dry-run of creating `object`. */
  dryRunCreate(object: KubeObject): Promise<void>;
  /** Deletes an object; false when it was already gone. */
  delete(ref: ObjectKey, options?: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' }): Promise<boolean>;
  /** Sends a JSON patch (RFC 6902) to an object; the result is not read. */
  jsonPatch(ref: ObjectKey, operations: unknown[]): Promise<void>;
}
