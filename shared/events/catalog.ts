/**
 * The event catalog: every event that travels between Tideline's functions.
 *
 * For each detail-type this file holds its zod schema (the single source of truth), the TS type
 * inferred from it, its EventBridge `source`, and the pattern that selects it. Functions validate
 * what they receive with {@link parseEvent}, infra builds rules from {@link patternFor}, and the
 * local bus routes with the same patterns. Events carry ids, keys and digests, never manifests:
 * bundles live in the artifact store (claim check), because EventBridge caps an event at 256 KB.
 */
import { createHash } from 'node:crypto';
import * as z from '#shared/zod.ts';

/** Schema version carried by every event's detail; bump on a breaking change. */
export const CATALOG_VERSION = 1 as const;

/** EventBridge bus name Tideline publishes to by default. */
export const DEFAULT_BUS_NAME = 'tideline';

const sha = z.string().check(z.regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full hex commit id (SHA-1 or SHA-256)'));
const digest = z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'a digest of the form sha256:<64 hex>'));
const isoTime = z.iso.datetime({ offset: true });

/** Identity of a Kubernetes object as carried in events. */
export const ObjectRefSchema = z.object({
  apiVersion: z.string().check(z.minLength(1)),
  kind: z.string().check(z.minLength(1)),
  namespace: z.optional(z.string()),
  name: z.string().check(z.minLength(1)),
});
export type EventObjectRef = z.infer<typeof ObjectRefSchema>;

/** A Flux-style namespaced name (Kustomization, GitRepository, Receiver …). */
export const NamespacedNameSchema = z.object({ name: z.string().check(z.minLength(1)), namespace: z.string().check(z.minLength(1)) });
export type NamespacedName = z.infer<typeof NamespacedNameSchema>;

/** What an apply did to one object. */
export const ChangeActionSchema = z.enum(['Created', 'Configured', 'Unchanged', 'Deleted', 'Skipped']);
export type ChangeAction = z.infer<typeof ChangeActionSchema>;

/** Bounded summary of a change set: counts, then the first entries (events stay far below 256 KB). */
export const ChangeSetSummarySchema = z.object({
  counts: z.object({
    Created: z.int().check(z.nonnegative()),
    Configured: z.int().check(z.nonnegative()),
    Unchanged: z.int().check(z.nonnegative()),
    Deleted: z.int().check(z.nonnegative()),
    Skipped: z.int().check(z.nonnegative()),
  }),
  entries: z.array(z.object({ object: ObjectRefSchema, action: ChangeActionSchema })).check(z.maxLength(100)),
  /** Entries left out of `entries` to keep the event small. */
  omitted: z.int().check(z.nonnegative()),
});
export type ChangeSetSummary = z.infer<typeof ChangeSetSummarySchema>;

/** An error about one object, already free of secret values. */
export const ObjectErrorSchema = z.object({ object: z.optional(ObjectRefSchema), message: z.string().check(z.maxLength(4096)) });

/** Fields shared by every event detail. */
const envelope = {
  version: z.literal(CATALOG_VERSION),
  /** Unique id of this event (idempotency key for consumers). */
  eventId: z.string().check(z.minLength(1)),
  /** Id that ties every event of one change together: the Git delivery id where there is one. */
  correlationId: z.string().check(z.minLength(1)),
  occurredAt: isoTime,
};

/** Which cluster and Kustomization an event is about, and the source revision (`main@sha1:<sha>`). */
const target = {
  cluster: z.string().check(z.minLength(1)),
  kustomization: NamespacedNameSchema,
  revision: z.string().check(z.minLength(1)),
};

export const GitProviderSchema = z.enum(['github', 'gitlab', 'bitbucket', 'gitea', 'generic-hmac']);
export type GitProvider = z.infer<typeof GitProviderSchema>;

/**
 * A source a Receiver asks to reconcile: one entry of its `spec.resources`, the namespace
 * defaulted to the Receiver's. `name` may be `*` with `matchLabels`, as in Flux.
 */
export const ReceiverResourceSchema = z.object({
  kind: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  namespace: z.string().check(z.minLength(1)),
  matchLabels: z.optional(z.record(z.string(), z.string())),
});
export type ReceiverResource = z.infer<typeof ReceiverResourceSchema>;

/**
 * A webhook a Receiver verified. `resources` (the Receiver's `spec.resources`) is always there:
 * it is what Flux's notification-controller acts on, and consumers may rely on it alone.
 *
 * `repository`, `ref` and `revision` describe the push when the request named it (every Git
 * host does; a `generic-hmac` request may). They are present together or not at all. When they
 * are absent (a `generic-hmac` request whose body names no push), consumers reconcile the listed
 * sources at their latest revision, as Flux does for every generic receiver; `before`, `commits`
 * and `pusher` are then absent too.
 */
export const GitPushReceivedSchema = z
  .object({
    ...envelope,
    provider: GitProviderSchema,
    receiver: NamespacedNameSchema,
    /** The Receiver's `spec.resources`, namespace defaulted to the Receiver's. */
    resources: z.array(ReceiverResourceSchema).check(z.minLength(1)),
    /** Clone URLs of the pushed repository (https first), as the provider reported them. */
    repository: z.optional(
      z.object({ urls: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), fullName: z.optional(z.string()), webUrl: z.optional(z.string()) }),
    ),
    /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
    ref: z.optional(z.string().check(z.minLength(1))),
    revision: z.optional(sha),
    /** Revision before the push; absent for a new ref. */
    before: z.optional(sha),
    commits: z.optional(z.int().check(z.nonnegative())),
    pusher: z.optional(z.string()),
    deliveryId: z.string().check(z.minLength(1)),
    receivedAt: isoTime,
  })
  .check(
    z.superRefine((detail, context) => {
      const named = [detail.repository, detail.ref, detail.revision].filter((field) => field !== undefined).length;
      if (named !== 0 && named !== 3) {
        context.addIssue({
          code: 'custom',
          path: [detail.ref === undefined ? 'ref' : detail.revision === undefined ? 'revision' : 'repository'],
          message: 'repository, ref and revision are given together or not at all',
        });
      }
      if (named === 0 && (detail.before !== undefined || detail.commits !== undefined || detail.pusher !== undefined)) {
        context.addIssue({ code: 'custom', path: ['before'], message: 'before, commits and pusher need a named push (repository, ref, revision)' });
      }
    }),
  );

export const SourceChangedSchema = z.object({
  ...envelope,
  source: z.extend(NamespacedNameSchema, { kind: z.literal('GitRepository') }),
  url: z.string().check(z.minLength(1)),
  ref: z.string().check(z.minLength(1)),
  revision: sha,
  previousRevision: z.optional(sha),
});

export const ManifestsRenderedSchema = z.object({
  ...envelope,
  ...target,
  /** Claim check: where the bundle is in the artifact store, and its digest. */
  artifact: z.object({ key: z.string().check(z.minLength(1)), digest, size: z.int().check(z.nonnegative()) }),
  objectCount: z.int().check(z.nonnegative()),
  /** The source the bundle was rendered from. */
  source: z.optional(z.extend(NamespacedNameSchema, { kind: z.literal('GitRepository') })),
  /** Ordering signal of the revision (commit time in ms): apply refuses one older than it applied. */
  order: z.optional(z.int().check(z.nonnegative())),
  /** When the render started from the push or request (ms since the epoch), for end-to-end timings. */
  startedAt: z.optional(z.number().check(z.nonnegative())),
  /**
   * The apply's ordering group, {@link applyGroupOf} the target (render always sets it). In AWS it
   * becomes the SQS FIFO message group: EventBridge cannot join the cluster, namespace and name
   * itself, and a pipe's dynamic parameter must be one field.
   */
  group: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

export const RenderFailedSchema = z.object({
  ...envelope,
  ...target,
  reason: z.string().check(z.minLength(1)),
  message: z.string().check(z.maxLength(4096)),
});

export const ReconcileSucceededSchema = z.object({
  ...envelope,
  ...target,
  digest,
  changeSet: ChangeSetSummarySchema,
  durationMs: z.number().check(z.nonnegative()),
});

export const ReconcileFailedSchema = z.object({
  ...envelope,
  ...target,
  /** Short machine reason: ValidationFailed, ApplyFailed, PruneFailed, StaleRevision, EmptyBundleRefused … */
  reason: z.string().check(z.minLength(1)),
  message: z.string().check(z.maxLength(4096)),
  errors: z.array(ObjectErrorSchema).check(z.maxLength(50)),
  changeSet: z.optional(ChangeSetSummarySchema),
});

export const HealthCheckFailedSchema = z.object({
  ...envelope,
  ...target,
  timeoutMs: z.int().check(z.nonnegative()),
  unhealthy: z.array(z.object({ object: ObjectRefSchema, status: z.string(), message: z.string().check(z.maxLength(1024)) })).check(z.maxLength(50)),
});

/** One changed field of a drifted object: Git's value, the cluster's, and the manager holding it. Secret values read `***`. */
export const FieldDriftSchema = z.object({
  /** Dotted path, list elements by key: `spec.template.spec.containers[name=web].image`. */
  path: z.string().check(z.minLength(1), z.maxLength(512)),
  /** What Git sets (JSON text for non-strings, shortened). */
  expected: z.string().check(z.maxLength(256)),
  /** What the cluster holds; absent when the field is gone. */
  actual: z.optional(z.string().check(z.maxLength(256))),
  /** Field managers other than Tideline holding the field (`kubectl`, `kubectl (scale)`). */
  manager: z.optional(z.string().check(z.maxLength(256))),
});
export type FieldDriftDetail = z.infer<typeof FieldDriftSchema>;

/** A drifted object and its bounded field-level diff. */
export const DriftedObjectSchema = z.object({
  object: ObjectRefSchema,
  change: z.enum(['Modified', 'Missing']),
  fields: z.optional(z.array(FieldDriftSchema).check(z.maxLength(20))),
  /** Changed fields left out of `fields`. */
  fieldsOmitted: z.optional(z.int().check(z.nonnegative())),
});
export type DriftedObjectDetail = z.infer<typeof DriftedObjectSchema>;

/** How a Kustomization treats drift: `correct` (default, as Flux) or `detect` (annotation `tideline.dev/drift: detect`). */
export const DriftModeSchema = z.enum(['correct', 'detect']);
export type DriftMode = z.infer<typeof DriftModeSchema>;

export const DriftDetectedSchema = z.object({
  ...envelope,
  ...target,
  drifted: z.array(DriftedObjectSchema).check(z.maxLength(100)),
  driftedCount: z.int().check(z.nonnegative()),
  /** True when the Kustomization asks for drift to be corrected (a DriftCorrected follows). */
  willCorrect: z.boolean(),
  mode: z.optional(DriftModeSchema),
  /** The sweep that found it. */
  sweepId: z.optional(z.string().check(z.minLength(1))),
});

export const DriftCorrectedSchema = z.object({
  ...envelope,
  ...target,
  changeSet: ChangeSetSummarySchema,
  /** What was put back, with the fields that had drifted. */
  drifted: z.optional(z.array(DriftedObjectSchema).check(z.maxLength(100))),
  driftedCount: z.optional(z.int().check(z.nonnegative())),
  sweepId: z.optional(z.string().check(z.minLength(1))),
});

/**
 * Why a cluster could not be checked or applied to: `Unreachable` (connection refused or reset,
 * 5xx after retries), `Timeout` (no answer within the deadline), `Unauthorized` (credentials
 * refused or revoked: 401/403).
 */
export const UnreachableReasonSchema = z.enum(['Unreachable', 'Timeout', 'Unauthorized']);
export type UnreachableReason = z.infer<typeof UnreachableReasonSchema>;

export const ClusterUnreachableSchema = z.object({
  ...envelope,
  cluster: z.string().check(z.minLength(1)),
  reason: z.string().check(z.minLength(1)),
  message: z.string().check(z.maxLength(4096)),
  attempts: z.int().check(z.positive()),
  /** The drift sweep that found it (it is checked again at the next one). */
  sweepId: z.optional(z.string().check(z.minLength(1))),
});

/**
 * A shard of a drift sweep: the scheduled sweep lists the registered clusters and fans out in
 * these, so no drift invocation holds more than a shard of the fleet.
 */
export const DriftCheckRequestedSchema = z.object({
  ...envelope,
  sweepId: z.string().check(z.minLength(1)),
  shard: z.object({ index: z.int().check(z.nonnegative()), count: z.int().check(z.positive()) }),
  clusters: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(200)),
  /**
   * Each cluster's record version as the sweep listed it (Secrets Manager's AWSCURRENT VersionId):
   * a warm shard serves a record it read at that version from its cache, so unchanged records cost
   * no GetSecretValue. Absent for a cluster whose registry has no versions (kubeconfig contexts).
   */
  versions: z.optional(z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1)))),
});

/**
 * A person asked for a reconcile (`tideline reconcile`, `tideline resume`): a Kustomization — of one
 * cluster, or of every cluster that has it — or a source. With `withSource` the source is fetched
 * first, as `flux reconcile --with-source` does; otherwise the last fetched revision is used.
 */
export const ReconcileRequestedSchema = z.object({
  ...envelope,
  object: z.extend(NamespacedNameSchema, { kind: z.enum(['Kustomization', 'GitRepository']) }),
  cluster: z.optional(z.string().check(z.minLength(1))),
  withSource: z.boolean(),
  requestedAt: isoTime,
});

/** One (cluster, Kustomization) a render shard works on. */
export const RenderTargetSchema = z.object({ cluster: z.string().check(z.minLength(1)), kustomization: NamespacedNameSchema });
export type RenderTarget = z.infer<typeof RenderTargetSchema>;

/**
 * A shard of the render of one source revision: a source that feeds many clusters fans out in
 * these, so no render invocation holds more than a shard of the fleet.
 */
export const RenderRequestedSchema = z.object({
  ...envelope,
  source: z.extend(NamespacedNameSchema, { kind: z.literal('GitRepository') }),
  /** The commit every target renders at. */
  commit: sha,
  targets: z.array(RenderTargetSchema).check(z.minLength(1), z.maxLength(200)),
});

/** Catalog entries for the detail-types one source emits: each type with that source and its schema. */
function emittedBy<S extends string, T extends Record<string, z.ZodMiniType>>(source: S, schemas: T): { [K in keyof T]: { source: S; schema: T[K] } } {
  return Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, { source, schema }])) as { [K in keyof T]: { source: S; schema: T[K] } };
}

/** The catalog: detail-type → its source and schema. */
export const catalog = {
  ...emittedBy('tideline.intake', { GitPushReceived: GitPushReceivedSchema }),
  ...emittedBy('tideline.source', { SourceChanged: SourceChangedSchema }),
  ...emittedBy('tideline.control', { ReconcileRequested: ReconcileRequestedSchema }),
  ...emittedBy('tideline.render', { RenderRequested: RenderRequestedSchema, ManifestsRendered: ManifestsRenderedSchema, RenderFailed: RenderFailedSchema }),
  ...emittedBy('tideline.apply', {
    ReconcileSucceeded: ReconcileSucceededSchema,
    ReconcileFailed: ReconcileFailedSchema,
    HealthCheckFailed: HealthCheckFailedSchema,
    ClusterUnreachable: ClusterUnreachableSchema,
  }),
  ...emittedBy('tideline.drift', { DriftCheckRequested: DriftCheckRequestedSchema, DriftDetected: DriftDetectedSchema, DriftCorrected: DriftCorrectedSchema }),
};

export type DetailType = keyof typeof catalog;
export const DETAIL_TYPES = Object.keys(catalog) as DetailType[];

/** The detail of an event of the given type. */
export type EventDetail<T extends DetailType> = z.infer<(typeof catalog)[T]['schema']>;

/** An event as Tideline handles it, independent of the bus that carries it. */
export type CatalogEvent<T extends DetailType = DetailType> = {
  [K in T]: { detailType: K; source: (typeof catalog)[K]['source']; detail: EventDetail<K> };
}[T];

/** An EventBridge event pattern (the subset Tideline uses). */
export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail?: Record<string, unknown>;
}

/** The EventBridge pattern that selects events of the given types (all from the catalog). */
export function patternFor(...types: DetailType[]): EventPattern {
  if (types.length === 0) throw new Error('patternFor needs at least one detail-type');
  const sources = [...new Set(types.map((t) => catalog[t].source))].sort();
  return { source: sources, 'detail-type': [...types].sort() };
}

/**
 * The apply ordering group of a (cluster, Kustomization): `<cluster>/<namespace>/<name>`, or, past
 * SQS's 128-character limit on a message group id, `sha256:` and the hex digest of that text.
 */
export function applyGroupOf(cluster: string, kustomization: NamespacedName): string {
  const group = `${cluster}/${kustomization.namespace}/${kustomization.name}`;
  return group.length <= 128 ? group : `sha256:${createHash('sha256').update(group).digest('hex')}`;
}

/** Builds a catalog event, filling the source from the catalog. The detail is validated. */
export function makeEvent<T extends DetailType>(detailType: T, detail: EventDetail<T>): CatalogEvent<T> {
  const parsed = catalog[detailType].schema.parse(detail) as EventDetail<T>;
  return { detailType, source: catalog[detailType].source, detail: parsed } as CatalogEvent<T>;
}
