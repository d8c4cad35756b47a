/**
 * Apply: reconcile a rendered bundle into a cluster with server-side apply, the way Flux's
 * kustomize-controller does, and return a change set.
 *
 * Order of work (each step only when the previous one left no error):
 * 1. guards: stale revision (inventory order), empty bundle over a non-empty inventory;
 * 2. prepare: namespace defaulting (`targetNamespace`), ownership labels, duplicate detection;
 * 3. plan: one LIST per kind (ownership label selector); objects that provably match the live
 *    object on the fields we manage are Unchanged with no further request; every other object is
 *    validated by a server-side dry-run — all errors are collected and nothing is applied if any;
 * 4. apply in stages: CRDs and Namespaces (then wait for the CRDs to be Established and validate
 *    the objects that needed them), other cluster-scoped objects, namespaced objects;
 * 5. prune what the previous inventory holds and the bundle no longer does (never after a failure);
 * 6. record the inventory; 7. wait for health when asked.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { durationToMs } from '#shared/config/kustomization.ts';
import { ConflictError, InvalidInputError, describeObject, NotFoundError, TransientError, UnauthorizedError, errorMessage } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { ChangeSet, ChangeSetEntry, ObjectError } from './changeset.ts';
import type { ClusterClient, ResourceInfo } from './client.ts';
import { apiFailureOf } from './client.ts';
import { sameObject, unchangedOnManagedFields } from './compare.ts';
import type { Inventory, InventoryEntry } from './inventory.ts';
import { EmptyBundleError, assertNotStale, readInventory, writeInventory } from './inventory.ts';
import type { KubeObject, OwnerRef } from './objects.ts';
import { FORCE_ANNOTATION, OWNER_NAMESPACE_LABEL, SSA_ANNOTATION, OWNER_NAME_LABEL, cloneJson, handsOffMarker, isCrd, isNamespace, isPlainObject, kustomizationRef, objectId, ownerSelector, refOf, versionOf } from './objects.ts';
import { pruneObjects } from './delete.ts';
import type { WaitResult } from './wait.ts';
import { waitForReady } from './wait.ts';
import type { HealthCheckRules } from './health-exprs.ts';
import { compileHealthCheckExprs } from './health-exprs.ts';
import { scrubSecretValues, scrubTransient } from './mask.ts';
import { ListKeyChecker } from './schema.ts';
import { takeoverPatch } from './takeover.ts';
import { normalizeForApply } from './normalize.ts';
import type { IgnoreRules } from './ignore.ts';
import { applyIgnoreRules, compileIgnoreRules } from './ignore.ts';

/** What to reconcile, and how. */
export interface ReconcileRequest {
  /** The Kustomization on whose behalf objects are applied (ownership labels, inventory name). */
  owner: OwnerRef;
  /** The rendered bundle. */
  objects: readonly KubeObject[];
  /** Source revision (`main@sha1:<sha>`). */
  revision: string;
  /** Ordering signal of the revision (commit time in ms); older than the inventory's → refused. */
  order?: number;
  /** Digest of the bundle, recorded in the inventory. */
  digest?: string;
  /** Namespace for namespaced objects that have none. */
  targetNamespace?: string;
  /** Delete objects of the previous inventory that the bundle no longer holds. */
  prune?: boolean;
  /** Recreate objects whose immutable fields changed (Flux `spec.force`). */
  force?: boolean;
  /** Take over fields owned by other field managers (default true, as Flux). */
  forceConflicts?: boolean;
  /**
   * Validate every changed object with a server-side dry-run before applying any (default true).
   * `false` trades that all-or-nothing guarantee for half the requests on a first apply: objects
   * are applied directly and the first invalid one stops the run (nothing is pruned then).
   */
  validate?: boolean;
  /** Allow an empty bundle to prune a non-empty inventory. */
  allowEmpty?: boolean;
  /**
   * Flux `spec.serviceAccountName`: every write — dry-run, apply, takeover, recreate, prune — is
   * made as this service account of the Kustomization's namespace (Kubernetes impersonation), so
   * the Kustomization can change only what the account may change. Reads, discovery and the
   * inventory use the client's own identity.
   */
  serviceAccountName?: string;
  /**
   * Flux `spec.commonMetadata`: labels and annotations set on every object of the bundle (a key
   * the object already has is overridden), without touching selectors or pod templates.
   */
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Wait for every applied object to be ready (Flux `spec.wait`). */
  wait?: boolean;
  /** Objects to wait for (Flux `spec.healthChecks`), in addition to `wait`. */
  healthChecks?: readonly (ObjectRef & { apiVersion: string })[];
  /**
   * Flux `spec.healthCheckExprs`, compiled ({@link compileHealthCheckExprs}): objects of the wait
   * set whose API group/kind they cover are judged by their CEL expressions instead of the
   * built-in readiness rules.
   */
  healthCheckExprs?: HealthCheckRules;
  /**
   * Flux `spec.ignore`, compiled ({@link compileIgnoreRules}): fields of existing objects left to
   * other managers (see ignore.ts).
   */
  ignore?: IgnoreRules;
  /** Health wait timeout (Flux `spec.timeout`, default 5 minutes). */
  timeoutMs?: number;
  /** Poll interval of waits (default 2 s). */
  pollIntervalMs?: number;
  clock?: Clock;
}

/** Why a reconcile did not succeed (as in ReconcileFailed events). */
export type FailureReason = 'ValidationFailed' | 'ApplyFailed' | 'PruneFailed' | 'HealthCheckFailed';

/** The outcome of a reconcile. Stale revisions and refused empty bundles throw instead. */
export interface ReconcileResult {
  changeSet: ChangeSet;
  /** Set when anything failed; the change set's errors say what. */
  failure?: FailureReason;
  /** Health wait outcome, when a wait was asked for. */
  health?: WaitResult;
  /** The inventory recorded (absent when the reconcile failed before recording). */
  inventory?: Inventory;
}

/** An object of the bundle, prepared for apply, with what the plan found out about it. */
export interface Planned {
  object: KubeObject;
  id: string;
  ref: ObjectRef & { apiVersion: string };
  info?: ResourceInfo;
  live?: KubeObject;
  /** What applying it will do. */
  action?: 'Created' | 'Configured' | 'Unchanged' | 'Skipped';
  /** Why it is Skipped. */
  skipReason?: string;
  recreate?: boolean;
  /** Needs a CRD or Namespace of this bundle before it can be validated. */
  deferred?: boolean;
  /** The object as the bundle holds it (before defaulting and labels). */
  source?: KubeObject;
  /** JSON patch handing kubectl's fields to Tideline before the apply (see takeover.ts). */
  takeover?: unknown[];
}

/** How an occurrence of an object reads in a duplicate error: the namespace it was written with. */
function describeSource(source: KubeObject | undefined): string {
  const namespace = source?.metadata?.namespace;
  return namespace ? `written with namespace ${namespace}` : 'written without a namespace';
}

/**
 * Reconciles `request.objects` into the cluster behind `client` and returns the change set.
 * Throws StaleRevisionError (a ConflictError) for a stale revision, EmptyBundleError (an
 * InvalidInputError) for a refused empty bundle, and
 * TransientError when the API server is unreachable (nothing is pruned; a later run converges).
 */
export async function reconcileObjects(client: ClusterClient, request: ReconcileRequest): Promise<ReconcileResult> {
  const clock = request.clock ?? systemClock;
  const forceConflicts = request.forceConflicts ?? true;
  const changeSet: ChangeSet = { entries: [], errors: [] };

  // 1. guards (before anything else touches the cluster).
  const previous = await readInventory(client, request.owner);
  assertNotStale(previous, request, request.owner);
  if (request.objects.length === 0 && (previous?.entries.length ?? 0) > 0 && !request.allowEmpty) {
    throw new EmptyBundleError(`the bundle is empty but ${previous?.entries.length} objects were applied before; refusing to prune them all (allow empty bundles explicitly to do so)`, { object: kustomizationRef(request.owner) });
  }

  // Writes go through `writer`: the client itself, or the same connection as the service account.
  const writer = writerFor(client, request);

  // 2. prepare.
  const planned = await prepareObjects(client, request, changeSet.errors);
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };

  // 3. plan: LIST per kind, then dry-run what is not provably unchanged.
  await attachLiveObjects(client, request.owner, planned);
  const bundleNamespaces = new Set(planned.filter((p) => isNamespace(p.object)).map((p) => p.object.metadata.name));
  // Objects in a Namespace this bundle creates cannot be dry-run before it exists: validate them
  // right after the first stage instead of paying for a dry-run that is bound to fail.
  const newNamespaces = new Set(planned.filter((p) => isNamespace(p.object) && !p.live).map((p) => p.object.metadata.name));
  for (const p of planned) if (p.object.metadata.namespace && newNamespaces.has(p.object.metadata.namespace)) p.deferred = true;
  // New objects are validated by a dry-run create plus the schema's list-key check (see validateAsNew).
  const checker = request.validate === false ? undefined : new ListKeyChecker(client);
  await Promise.all(planned.filter((p) => !p.deferred).map((p) => validateOne(client, writer, p, request, forceConflicts, changeSet.errors, bundleNamespaces, checker)));
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };

  // Record every object we are about to write before writing any, so an interrupted run leaves
  // nothing untracked: a later run prunes what it created if the bundle no longer holds it.
  if (planned.some((p) => p.action !== 'Unchanged' && p.action !== 'Skipped')) {
    const tracked = new Set((previous?.entries ?? []).map((e) => e.id));
    const added = planned.filter((p) => !tracked.has(p.id) && p.action !== 'Skipped').map((p): InventoryEntry => ({ id: p.id, v: versionOf(p.object.apiVersion) }));
    if (added.length > 0) {
      await writeInventory(client, request.owner, {
        ...(previous ?? { revision: request.revision, appliedAt: new Date(clock.now()).toISOString() }),
        entries: [...(previous?.entries ?? []), ...added],
      });
    }
  }

  // 4. staged apply.
  const stage1 = planned.filter((p) => isCrd(p.object) || isNamespace(p.object));
  await applyStage(client, writer, stage1, forceConflicts, changeSet, clock, request.force === true);
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ApplyFailed' };
  const crds = stage1.filter((p) => isCrd(p.object));
  if (crds.length > 0) {
    const established = await waitForReady(client, crds.map((p) => p.ref), { timeoutMs: 60_000, intervalMs: 250, clock, labelSelector: ownerSelector(request.owner) });
    for (const u of established.unhealthy) changeSet.errors.push({ object: u.object, message: `${describeObject(u.object)}: CRD not established: ${u.message}` });
    if (!established.ready) return { changeSet, failure: 'ApplyFailed' };
    if (planned.some((p) => p.deferred)) await client.refreshDiscovery();
  }
  const deferred = planned.filter((p) => p.deferred);
  if (deferred.length > 0) {
    for (const p of deferred) {
      try {
        p.info = await client.resourceFor(p.object.apiVersion, p.object.kind, p.ref);
      } catch (error) {
        changeSet.errors.push(objectError(p, error));
      }
    }
    await Promise.all(deferred.filter((p) => p.info).map((p) => validateOne(client, writer, p, request, forceConflicts, changeSet.errors, new Set(), checker)));
    if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };
  }
  const rest = planned.filter((p) => !isCrd(p.object) && !isNamespace(p.object));
  await applyStage(client, writer, rest.filter((p) => !p.info?.namespaced), forceConflicts, changeSet, clock, request.force === true);
  if (changeSet.errors.length === 0) await applyStage(client, writer, rest.filter((p) => p.info?.namespaced), forceConflicts, changeSet, clock, request.force === true);
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ApplyFailed' };

  // 5. prune.
  const current = new Set(planned.map((p) => p.id));
  if (request.prune && previous) {
    const stale = previous.entries.filter((e) => !current.has(e.id));
    const pruned = await pruneObjects(client, request.owner, stale, { clock, writer });
    changeSet.entries.push(...pruned.entries);
    changeSet.errors.push(...pruned.errors);
  }

  // 6. inventory: what we applied, plus what prune could not remove (so it is retried next time).
  const kept = request.prune ? (previous?.entries ?? []).filter((e) => !current.has(e.id) && changeSet.errors.some((err) => err.object && objectId(err.object) === e.id)) : (previous?.entries ?? []).filter((e) => !current.has(e.id));
  const inventory: Inventory = {
    // Ignored objects are hands-off: not tracked (so never pruned), yet not pruned while in the bundle.
    entries: [...planned.filter((p) => ssaPolicy(p.object) !== 'Ignore').map((p): InventoryEntry => ({ id: p.id, v: versionOf(p.object.apiVersion) })), ...kept],
    revision: request.revision,
    appliedAt: new Date(clock.now()).toISOString(),
    ...(request.order !== undefined ? { order: request.order } : previous?.order !== undefined ? { order: previous.order } : {}),
    ...(request.digest ? { digest: request.digest } : {}),
  };
  if (!previous || !sameInventory(previous, inventory)) await writeInventory(client, request.owner, inventory);
  else inventory.appliedAt = previous.appliedAt;
  if (changeSet.errors.length > 0) return { changeSet, failure: 'PruneFailed', inventory };

  // 7. health.
  const toWait: (ObjectRef & { apiVersion: string })[] = request.wait ? planned.filter((p) => computeHealthNeeded(p.object)).map((p) => p.ref) : [];
  for (const check of request.healthChecks ?? []) if (!toWait.some((r) => objectId(r) === objectId(check))) toWait.push(check);
  if (toWait.length > 0) {
    const health = await waitForReady(client, toWait, { timeoutMs: request.timeoutMs ?? 300_000, intervalMs: request.pollIntervalMs ?? 2_000, clock, labelSelector: ownerSelector(request.owner), ...(request.healthCheckExprs ? { healthCheckExprs: request.healthCheckExprs } : {}) });
    return health.ready ? { changeSet, health, inventory } : { changeSet, health, inventory, failure: 'HealthCheckFailed' };
  }
  return { changeSet, inventory };
}

/** Objects whose readiness means something (ConfigMaps and Secrets are ready once written). */
function computeHealthNeeded(object: KubeObject): boolean {
  return !['ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind);
}

function sameInventory(a: Inventory, b: Inventory): boolean {
  if (a.revision !== b.revision || a.order !== b.order || a.digest !== b.digest || a.entries.length !== b.entries.length) return false;
  const ids = new Set(a.entries.map((e) => `${e.id}@${e.v}`));
  return b.entries.every((e) => ids.has(`${e.id}@${e.v}`));
}

/** An ObjectError naming `planned`'s object; the typed error's message already starts with it. */
function objectError(planned: Planned, error: unknown): ObjectError {
  return { object: planned.ref, message: scrubSecretValues(errorMessage(error), planned.object) };
}

/**
 * Defaults namespaces, adds ownership labels, resolves each kind (a kind defined by a CRD of this
 * bundle is deferred) and reports duplicates. Errors are collected, not thrown.
 */
export async function prepareObjects(client: ClusterClient, request: Pick<ReconcileRequest, 'owner' | 'objects' | 'targetNamespace' | 'commonMetadata'>, errors: ObjectError[]): Promise<Planned[]> {
  const bundleKinds = new Map<string, boolean>();
  for (const object of request.objects) {
    if (!isPlainObject(object) || !isCrd(object)) continue;
    const spec = (object.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name: string }[] };
    for (const version of spec.versions ?? []) if (spec.group && spec.names?.kind) bundleKinds.set(`${spec.group}/${version.name}/${spec.names.kind}`, spec.scope !== 'Cluster');
  }
  const seen = new Map<string, Planned>();
  const unserved = new Map<string, string>();
  const result: Planned[] = [];
  for (const source of request.objects) {
    const object = isPlainObject(source) ? cloneJson(source) : undefined;
    if (typeof object?.apiVersion !== 'string' || typeof object.kind !== 'string' || !isPlainObject(object.metadata) || typeof object.metadata.name !== 'string' || !object.metadata.name) {
      errors.push({ message: `an object of the bundle lacks apiVersion, kind or metadata.name (${JSON.stringify({ apiVersion: object?.apiVersion, kind: object?.kind, name: isPlainObject(object?.metadata) ? object.metadata.name : undefined })})` });
      continue;
    }
    const notMaps = (['labels', 'annotations'] as const).filter((field) => object.metadata[field] !== undefined && object.metadata[field] !== null && !isPlainObject(object.metadata[field]));
    if (notMaps.length > 0) {
      errors.push({ object: refOf(object), message: `${describeObject(refOf(object))}: ${notMaps.map((field) => `metadata.${field}`).join(' and ')} must be a map of strings` });
      continue;
    }
    let info: ResourceInfo | undefined;
    let namespaced: boolean | undefined;
    let deferred = false;
    info = client.cachedResourceFor(object.apiVersion, object.kind);
    if (!info) {
      const fromBundle = bundleKinds.get(`${object.apiVersion}/${object.kind}`);
      if (fromBundle !== undefined) {
        deferred = true;
        namespaced = fromBundle;
      } else {
        const key = `${object.apiVersion}/${object.kind}`;
        try {
          // One discovery refresh per unknown kind, not one per object of it.
          if (unserved.has(key)) throw new NotFoundError(unserved.get(key) as string, { object: refOf(object) });
          info = await client.resourceFor(object.apiVersion, object.kind, refOf(object));
        } catch (error) {
          if (error instanceof NotFoundError || error instanceof InvalidInputError) {
            unserved.set(key, (error as NotFoundError).detail);
            errors.push({ object: refOf(object), message: errorMessage(error) });
            continue;
          }
          throw error;
        }
      }
    }
    // Kinds that can only be created (Bindings, reviews, token requests) have no object to apply.
    if (info?.verbs && !(info.verbs.includes('patch') && info.verbs.includes('list'))) {
      errors.push({ object: refOf(object), message: `${describeObject(refOf(object))}: ${info.resource} cannot be applied: the API allows only ${info.verbs.join(', ') || 'nothing'} on it` });
      continue;
    }
    namespaced = info ? info.namespaced : namespaced;
    if (namespaced) {
      if (!object.metadata.namespace) {
        if (!request.targetNamespace) {
          errors.push({ object: refOf(object), message: `${describeObject(refOf(object))}: namespaced object has no namespace and the Kustomization sets no targetNamespace` });
          continue;
        }
        object.metadata.namespace = request.targetNamespace;
      }
    } else {
      delete object.metadata.namespace;
    }
    normalizeForApply(object);
    if (request.commonMetadata?.annotations) object.metadata.annotations = { ...(object.metadata.annotations ?? {}), ...request.commonMetadata.annotations };
    object.metadata.labels = { ...(object.metadata.labels ?? {}), ...request.commonMetadata?.labels, [OWNER_NAME_LABEL]: request.owner.name, [OWNER_NAMESPACE_LABEL]: request.owner.namespace };
    const ref = refOf(object);
    const id = objectId(ref);
    const first = seen.get(id);
    if (first) {
      // Name both occurrences: they may differ in apiVersion, or one got its namespace from targetNamespace.
      errors.push({ object: ref, message: `${describeObject(ref)}: appears more than once in the bundle (as ${first.object.apiVersion} ${describeSource(first.source)} and as ${object.apiVersion} ${describeSource(source)}); keep one` });
      continue;
    }
    const planned: Planned = { object, id, ref, deferred, source, ...(info ? { info } : {}) };
    seen.set(id, planned);
    result.push(planned);
  }
  return result;
}

/** One LIST per kind with the ownership selector; attaches each live object to its planned object. */
export async function attachLiveObjects(client: ClusterClient, owner: OwnerRef, planned: Planned[]): Promise<void> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const p of planned) if (p.info) kinds.set(`${p.object.apiVersion}/${p.object.kind}`, { apiVersion: p.object.apiVersion, kind: p.object.kind });
  const live = new Map<string, KubeObject>();
  await Promise.all(
    [...kinds.values()].map(async ({ apiVersion, kind }) => {
      for (const item of await client.list(apiVersion, kind, { labelSelector: ownerSelector(owner) })) live.set(objectId(refOf(item)), item);
    }),
  );
  for (const p of planned) {
    const found = live.get(p.id);
    if (found) p.live = found;
  }
}

/**
 * How the API server words a change it refuses because a field is immutable: `field is immutable`
 * (Deployment selector, Job template, ConfigMap `immutable: true` data), `spec is immutable`
 * (PersistentVolumeClaim), `may not change once set` (Service clusterIP), `cannot change roleRef`
 * (RoleBinding), `updates to statefulset spec … are forbidden`, and CEL/webhook variants with
 * `immutable field` or `is immutable` (the phrases Flux matches too).
 */
const IMMUTABLE = /is immutable|immutable field|Forbidden: updates to .* are forbidden|may not be changed|may not change once set|cannot change roleRef/i;

/**
 * True when an API failure says an immutable field would change: a 422 (or a webhook's 400/403)
 * whose message uses one of the API server's phrases for it. Such an object can only be changed
 * by deleting and recreating it.
 */
export function isImmutableFieldError(error: unknown): boolean {
  const failure = apiFailureOf(error);
  return failure !== undefined && [400, 403, 422].includes(failure.status) && IMMUTABLE.test(failure.message);
}

/**
 * Decides one object's action: Unchanged without a request when provable, else by server-side
 * dry-run (which also validates it). Errors are collected with the object named.
 */
async function validateOne(client: ClusterClient, writer: ClusterClient, p: Planned, request: ReconcileRequest, forceConflicts: boolean, errors: ObjectError[], bundleNamespaces: Set<string>, checker: ListKeyChecker | undefined): Promise<void> {
  const policy = ssaPolicy(p.object);
  // As Flux: the marker counts on the manifest and on the object in the cluster (someone may have
  // annotated it there to stop reconciliation for a while).
  const marker = handsOffMarker(p.object) ?? handsOffMarker(p.live);
  if (marker) {
    p.action = 'Skipped';
    p.skipReason = `${handsOffMarker(p.object) ? 'annotated' : 'annotated in the cluster'} ${marker}`;
    return;
  }
  if (policy === 'IfNotPresent' && (p.live || (request.validate === false && (await client.get(p.ref))))) {
    p.action = 'Skipped';
    p.skipReason = `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists`;
    return;
  }
  // Fields left to other managers (Flux `spec.ignore`) take their live values or are left out.
  if (p.live && request.ignore) applyIgnoreRules(p.object, p.live, request.ignore, client.fieldManager);
  // Fields kubectl wrote are taken over before the apply (see takeover.ts): such an object is
  // never Unchanged, since the apply will remove what kubectl added and Git does not hold.
  if (p.live) {
    const takeover = takeoverPatch(p.object, p.live, client.fieldManager);
    if (takeover) p.takeover = takeover;
  }
  if (p.live && !p.takeover && unchangedOnManagedFields(p.object, p.live, client.fieldManager)) {
    p.action = 'Unchanged';
    return;
  }
  // Unvalidated mode: the apply itself tells what happened (see applyStage).
  if (request.validate === false) return;
  try {
    if (!p.live && checker && (await validateAsNew(client, writer, p, checker, errors, request.ignore))) return;
    const dryRun = await writer.applyWithStatus(p.object, { dryRun: true, force: forceConflicts, discardResult: !p.live });
    if (policy === 'IfNotPresent' && !dryRun.created) {
      p.action = 'Skipped';
      p.skipReason = `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists`;
    } else if (p.live && !p.takeover && sameObject(dryRun.object, p.live)) p.action = 'Unchanged';
    else p.action = dryRun.created ? 'Created' : 'Configured';
  } catch (error) {
    if (error instanceof TransientError) throw scrubTransient(error, p.object);
    const failure = apiFailureOf(error);
    const ns = p.object.metadata.namespace;
    if (error instanceof NotFoundError && ns && bundleNamespaces.has(ns) && failure?.message.includes('namespace')) {
      // The Namespace is part of this bundle and applied in the first stage; validate after it.
      p.deferred = true;
      return;
    }
    if (failure && isImmutableFieldError(error)) {
      // Recreating would not help an object that is invalid as a new one: say what is wrong with it.
      const refusal = await recreateRefusal(writer, p.object);
      if (refusal) {
        errors.push(objectError(p, refusal));
        return;
      }
      if (request.force || recreateAnnotated(p.object) || (p.live !== undefined && recreateAnnotated(p.live))) {
        p.recreate = true;
        p.action = 'Configured';
        return;
      }
      errors.push({ object: p.ref, message: scrubSecretValues(`${describeObject(p.ref)}: ${failure.message} (set force: true on the Kustomization, or annotate the object ${FORCE_ANNOTATION}: enabled, to recreate it)`, p.object) });
      return;
    }
    if (error instanceof ConflictError && !forceConflicts) {
      errors.push({ object: p.ref, message: scrubSecretValues(`${describeObject(p.ref)}: conflicts with another field manager: ${failure?.message ?? errorMessage(error)}`, p.object) });
      return;
    }
    errors.push(objectError(p, error));
  }
}

/**
 * Validates an object the ownership LIST did not find with a dry-run create, which costs the API
 * server less than a dry-run apply, plus the list-key check only an apply would make (see
 * `schema.ts`). True when that settled the object (Created, Skipped, or an error collected); false
 * when it needs the dry-run apply after all: it exists without our labels (another manager's or an
 * adopted object), its kind has no published schema yet, or the identity may not `create` it.
 */
async function validateAsNew(client: ClusterClient, writer: ClusterClient, p: Planned, checker: ListKeyChecker, errors: ObjectError[], ignore: IgnoreRules | undefined): Promise<boolean> {
  const problems = await checker.problems(p.object);
  if (problems === undefined) return false;
  if (problems.length > 0) {
    errors.push({ object: p.ref, message: scrubSecretValues(`${describeObject(p.ref)}: ${problems.join('; ')}`, p.object) });
    return true;
  }
  try {
    await writer.dryRunCreate(p.object);
  } catch (error) {
    if (error instanceof ConflictError && apiFailureOf(error)?.reason === 'AlreadyExists') {
      if (ssaPolicy(p.object) === 'IfNotPresent') {
        p.action = 'Skipped';
        p.skipReason = `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists`;
        return true;
      }
      // An object being adopted (applied before by hand or another tool): read it once, so that
      // fields kubectl wrote are taken over like those of objects Tideline applied before.
      const live = await client.get(p.ref);
      if (live) {
        p.live = live;
        const marker = handsOffMarker(live);
        if (marker) {
          p.action = 'Skipped';
          p.skipReason = `annotated in the cluster ${marker}`;
          return true;
        }
        if (ignore) applyIgnoreRules(p.object, live, ignore, client.fieldManager);
        const takeover = takeoverPatch(p.object, live, client.fieldManager);
        if (takeover) p.takeover = takeover;
      }
      return false;
    }
    // An identity allowed to patch but not to create (server-side apply creates with `patch`
    // alone) validates the way it will write.
    if (error instanceof UnauthorizedError) return false;
    throw error;
  }
  p.action = 'Created';
  return true;
}

/**
 * Applies the changed objects of one stage concurrently (the client bounds requests in flight):
 * writes through `writer`, reads through `client`.
 */
async function applyStage(client: ClusterClient, writer: ClusterClient, stage: Planned[], forceConflicts: boolean, changeSet: ChangeSet, clock: Clock, recreateAllowed: boolean): Promise<void> {
  const entries = await Promise.all(
    stage.map(async (p): Promise<ChangeSetEntry | undefined> => {
      if (p.action === 'Unchanged') return { object: p.ref, action: 'Unchanged' };
      if (p.action === 'Skipped') return { object: p.ref, action: 'Skipped', ...(p.skipReason ? { message: p.skipReason } : {}) };
      try {
        if (p.takeover && !p.recreate) await writer.jsonPatch(p.ref, p.takeover);
        if (p.action === undefined) {
          // Not dry-run before (validation off): apply and judge from the result.
          try {
            const applied = await writer.applyWithStatus(p.object, { force: forceConflicts, discardResult: !p.live });
            if (applied.created) return { object: p.ref, action: 'Created' };
            return { object: p.ref, action: p.live && sameObject(applied.object, p.live) ? 'Unchanged' : 'Configured' };
          } catch (error) {
            if (!((recreateAllowed || recreateAnnotated(p.object) || (p.live !== undefined && recreateAnnotated(p.live))) && isImmutableFieldError(error))) throw error;
            // Never delete what cannot be created again.
            const refusal = await recreateRefusal(writer, p.object);
            if (refusal) throw refusal;
            p.recreate = true;
          }
        }
        if (p.recreate) {
          await writer.delete(p.ref);
          await waitUntilGone(client, p.ref, clock);
          await writer.apply(p.object, { force: forceConflicts });
          return { object: p.ref, action: 'Configured', message: 'recreated: an immutable field changed' };
        }
        const applied = await writer.applyWithStatus(p.object, { force: forceConflicts, discardResult: true });
        return { object: p.ref, action: applied.created ? 'Created' : 'Configured' };
      } catch (error) {
        if (error instanceof TransientError) throw scrubTransient(error, p.object);
        changeSet.errors.push(objectError(p, error));
        return undefined;
      }
    }),
  );
  for (const entry of entries) if (entry) changeSet.entries.push(entry);
}

/**
 * The client that writes for `request`: `client` itself, or — with `serviceAccountName` — the same
 * connection impersonating that service account of the Kustomization's namespace.
 */
export function writerFor(client: ClusterClient, request: Pick<ReconcileRequest, 'owner' | 'serviceAccountName'>): ClusterClient {
  return request.serviceAccountName ? client.impersonating(serviceAccountUser(request.owner.namespace, request.serviceAccountName)) : client;
}

/** The user name of a service account (what Kubernetes impersonation and RBAC subjects use). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Flux's per-object apply policy (`Ignore`, `IfNotPresent`; anything else applies normally). */
export function ssaPolicy(object: KubeObject): string | undefined {
  return object.metadata.annotations?.[SSA_ANNOTATION];
}

/**
 * Why recreating `object` from the manifest would fail, or undefined when it would not: a dry-run
 * create of it. The API server validates (and runs validating admission) before it looks for an
 * existing object, so `AlreadyExists` means the new object passed every check. A recreate deletes
 * first; this keeps an object whose replacement is invalid from being deleted and never recreated.
 */
async function recreateRefusal(writer: ClusterClient, object: KubeObject): Promise<Error | undefined> {
  try {
    await writer.dryRunCreate(object);
    return undefined;
  } catch (error) {
    if (error instanceof ConflictError && apiFailureOf(error)?.reason === 'AlreadyExists') return undefined;
    // An identity that may patch but not create (an apply creates with patch alone) cannot be
    // checked this way; it recreates as it did before this check.
    if (error instanceof UnauthorizedError) return undefined;
    if (error instanceof TransientError) throw error;
    return error instanceof Error ? error : new InvalidInputError(errorMessage(error));
  }
}

/** Flux's per-object opt-in to recreation on immutable-field changes (annotation or label). */
function recreateAnnotated(object: KubeObject): boolean {
  return object.metadata.annotations?.[FORCE_ANNOTATION] === 'enabled' || object.metadata.labels?.[FORCE_ANNOTATION] === 'enabled';
}

/** Polls until a deleted object is gone (finalizers may hold it for a while). */
async function waitUntilGone(client: ClusterClient, ref: ObjectRef & { apiVersion: string }, clock: Clock): Promise<void> {
  const deadline = clock.now() + 60_000;
  while (await client.get(ref)) {
    if (clock.now() > deadline) throw new ConflictError('still terminating 60 s after deletion; cannot recreate it', { object: ref });
    await clock.sleep(200);
  }
}

/**
 * Builds a reconcile request from a Flux Kustomization and its rendered bundle: `prune`, `force`,
 * `wait`, `timeout`, `healthChecks`, `healthCheckExprs` and `targetNamespace` carry over as Flux
 * applies them. Throws InvalidInputError for a health check without apiVersion (its kind alone is
 * ambiguous) and for invalid health check expressions.
 */
export function requestFromKustomization(
  kustomization: FluxKustomization,
  bundle: { objects: readonly KubeObject[]; revision: string; order?: number; digest?: string },
): ReconcileRequest {
  const spec = kustomization.spec;
  const owner = { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace };
  const healthChecks = (spec.healthChecks ?? []).map((check) => {
    if (!check.apiVersion) {
      throw new InvalidInputError(`healthChecks entry ${check.kind} ${check.name} needs an apiVersion`, { object: { apiVersion: kustomization.apiVersion, kind: 'Kustomization', namespace: owner.namespace, name: owner.name } });
    }
    return { apiVersion: check.apiVersion, kind: check.kind, name: check.name, ...(check.namespace ? { namespace: check.namespace } : {}) };
  });
  const kustomizationObject = { object: { apiVersion: kustomization.apiVersion, kind: 'Kustomization', namespace: owner.namespace, name: owner.name } };
  const healthCheckExprs = spec.healthCheckExprs?.length ? compileHealthCheckExprs(spec.healthCheckExprs, kustomizationObject) : undefined;
  const ignore = spec.ignore?.length ? compileIgnoreRules(spec.ignore, kustomizationObject) : undefined;
  return {
    owner,
    objects: bundle.objects,
    revision: bundle.revision,
    ...(bundle.order !== undefined ? { order: bundle.order } : {}),
    ...(bundle.digest ? { digest: bundle.digest } : {}),
    ...(spec.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(spec.commonMetadata ? { commonMetadata: spec.commonMetadata } : {}),
    prune: spec.prune,
    force: spec.force === true,
    wait: spec.wait === true,
    ...(healthChecks.length > 0 ? { healthChecks } : {}),
    ...(healthCheckExprs ? { healthCheckExprs } : {}),
    ...(ignore ? { ignore } : {}),
    timeoutMs: durationToMs(spec.timeout ?? spec.interval),
  };
}
