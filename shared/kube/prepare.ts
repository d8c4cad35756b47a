/**
 * Prepare: the bundle as it will be sent — namespaces defaulted, ownership labels and
 * `commonMetadata` set, each kind resolved — and, with one LIST per kind, the live objects it
 * will be compared with. Nothing here writes; a diff and a drift check start the same way.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { InvalidInputError, NotFoundError, describeObject, errorMessage } from '#shared/errors/index.ts';
import type { ObjectError } from './changeset.ts';
import type { KubeApi } from './api.ts';
import type { ResourceInfo } from './discovery.ts';
import { scrubSecretValues } from './mask.ts';
import { normalizeForApply } from './normalize.ts';
import type { KubeObject, OwnerRef } from './objects.ts';
import { OWNER_NAMESPACE_LABEL, OWNER_NAME_LABEL, cloneJson, isCrd, isPlainObject, objectId, ownerSelector, refOf } from './objects.ts';
import type { ReconcileRequest } from './request.ts';

/** An object of the bundle, ready to be planned: resolved, labelled, and its live object once attached. */
export interface PreparedObject {
  /** The object as it will be sent (a copy; planning may still apply ignore rules to it). */
  object: KubeObject;
  /** Its inventory id ({@link objectId}). */
  id: string;
  ref: ObjectRef & { apiVersion: string };
  /** How its kind is served; absent while the kind waits for a CRD of this bundle. */
  info?: ResourceInfo;
  /** The object in the cluster: found by {@link attachLiveObjects}, or read when it is adopted. */
  live?: KubeObject;
  /** Its kind is defined by a CRD of this bundle that the cluster does not serve yet. */
  deferred: boolean;
  /** The object as the bundle holds it (before defaulting and labels). */
  source: KubeObject;
}

/** How an occurrence of an object reads in a duplicate error: the namespace it was written with. */
function describeSource(source: KubeObject | undefined): string {
  const namespace = source?.metadata?.namespace;
  return namespace ? `written with namespace ${namespace}` : 'written without a namespace';
}

/** An ObjectError naming `prepared`'s object; the typed error's message already starts with it. */
export function objectError(prepared: PreparedObject, error: unknown): ObjectError {
  return { object: prepared.ref, message: scrubSecretValues(errorMessage(error), prepared.object) };
}

/**
 * Defaults namespaces, adds ownership labels, resolves each kind (a kind defined by a CRD of this
 * bundle is deferred) and reports duplicates. Errors are collected, not thrown.
 */
export async function prepareObjects(
  client: KubeApi,
  request: Pick<ReconcileRequest, 'owner' | 'objects' | 'targetNamespace' | 'commonMetadata'>,
  errors: ObjectError[],
): Promise<PreparedObject[]> {
  const bundleKinds = new Map<string, boolean>();
  for (const object of request.objects) {
    if (!isPlainObject(object) || !isCrd(object)) continue;
    const spec = (object.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name: string }[] };
    for (const version of spec.versions ?? [])
      if (spec.group && spec.names?.kind) bundleKinds.set(`${spec.group}/${version.name}/${spec.names.kind}`, spec.scope !== 'Cluster');
  }
  const seen = new Map<string, PreparedObject>();
  const unserved = new Map<string, string>();
  const result: PreparedObject[] = [];
  for (const source of request.objects) {
    const object = isPlainObject(source) ? cloneJson(source) : undefined;
    if (
      typeof object?.apiVersion !== 'string' ||
      typeof object.kind !== 'string' ||
      !isPlainObject(object.metadata) ||
      typeof object.metadata.name !== 'string' ||
      !object.metadata.name
    ) {
      errors.push({
        message: `an object of the bundle lacks apiVersion, kind or metadata.name (${JSON.stringify({ apiVersion: object?.apiVersion, kind: object?.kind, name: isPlainObject(object?.metadata) ? object.metadata.name : undefined })})`,
      });
      continue;
    }
    const notMaps = (['labels', 'annotations'] as const).filter(
      (field) => object.metadata[field] !== undefined && object.metadata[field] !== null && !isPlainObject(object.metadata[field]),
    );
    if (notMaps.length > 0) {
      errors.push({
        object: refOf(object),
        message: `${describeObject(refOf(object))}: ${notMaps.map((field) => `metadata.${field}`).join(' and ')} must be a map of strings`,
      });
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
      errors.push({
        object: refOf(object),
        message: `${describeObject(refOf(object))}: ${info.resource} cannot be applied: the API allows only ${info.verbs.join(', ') || 'nothing'} on it`,
      });
      continue;
    }
    namespaced = info ? info.namespaced : namespaced;
    if (namespaced) {
      if (!object.metadata.namespace) {
        if (!request.targetNamespace) {
          errors.push({
            object: refOf(object),
            message: `${describeObject(refOf(object))}: namespaced object has no namespace and the Kustomization sets no targetNamespace`,
          });
          continue;
        }
        object.metadata.namespace = request.targetNamespace;
      }
    } else {
      delete object.metadata.namespace;
    }
    normalizeForApply(object);
    if (request.commonMetadata?.annotations) object.metadata.annotations = { ...(object.metadata.annotations ?? {}), ...request.commonMetadata.annotations };
    object.metadata.labels = {
      ...(object.metadata.labels ?? {}),
      ...request.commonMetadata?.labels,
      [OWNER_NAME_LABEL]: request.owner.name,
      [OWNER_NAMESPACE_LABEL]: request.owner.namespace,
    };
    const ref = refOf(object);
    const id = objectId(ref);
    const first = seen.get(id);
    if (first) {
      // Name both occurrences: they may differ in apiVersion, or one got its namespace from targetNamespace.
      errors.push({
        object: ref,
        message: `${describeObject(ref)}: appears more than once in the bundle (as ${first.object.apiVersion} ${describeSource(first.source)} and as ${object.apiVersion} ${describeSource(source)}); keep one`,
      });
      continue;
    }
    const prepared: PreparedObject = { object, id, ref, deferred, source, ...(info ? { info } : {}) };
    seen.set(id, prepared);
    result.push(prepared);
  }
  return result;
}

/**
 * One LIST per kind with the ownership selector; attaches each live object to its prepared object.
 * Objects the LIST does not return are new, or exist without the ownership labels (adopted).
 */
export async function attachLiveObjects(client: KubeApi, owner: OwnerRef, prepared: readonly PreparedObject[]): Promise<void> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const p of prepared) if (p.info) kinds.set(`${p.object.apiVersion}/${p.object.kind}`, { apiVersion: p.object.apiVersion, kind: p.object.kind });
  const live = new Map<string, KubeObject>();
  await Promise.all(
    [...kinds.values()].map(async ({ apiVersion, kind }) => {
      for (const item of await client.list(apiVersion, kind, { labelSelector: ownerSelector(owner) })) live.set(objectId(refOf(item)), item);
    }),
  );
  for (const p of prepared) {
    const found = live.get(p.id);
    if (found) p.live = found;
  }
}
