/**
 * Diff: what an apply would change, object by object, computed with server-side dry-run (the same
 * request an apply validates with), Secret values masked before anything is compared for printing.
 * The dry-run cannot see the takeover of kubectl's fields that precedes an apply (takeover.ts), so
 * its effect — kubectl's fields that Git does not hold are removed — is predicted from the
 * `managedFields` of the dry-run result.
 */
import yaml from 'js-yaml';
import { TransientError, describeObject, errorMessage } from '#shared/errors/index.ts';
import type { ObjectError } from './changeset.ts';
import type { KubeApi } from './api.ts';
import { sameObject } from './compare.ts';
import { prepareObjects } from './prepare.ts';
import { ssaPolicy } from './policy.ts';
import { writerFor } from './request.ts';
import type { ReconcileRequest } from './request.ts';
import { maskSecretPair, scrubSecretValues, scrubTransient } from './mask.ts';
import type { KubeObject } from './objects.ts';
import { SSA_ANNOTATION, handsOffMarker } from './objects.ts';
import { hasPath, leafPaths, setHolds, withoutPath } from './fieldsv1.ts';
import { LAST_APPLIED, isTakenOver, takeoverPatch } from './takeover.ts';
import { unifiedDiff } from './textdiff.ts';
import { pruneObjects } from './delete.ts';
import { readInventory } from './inventory.ts';
import { applyIgnoreRules } from './ignore.ts';

/** The would-be change to one object. */
export interface ObjectDiff {
  object: { apiVersion: string; kind: string; name: string; namespace?: string };
  /** `Deleted`: a prune would delete it (asked for with `prune`: in the inventory, no longer in the set). */
  action: 'Created' | 'Configured' | 'Unchanged' | 'Skipped' | 'Deleted';
  /** Unified diff of the live object and the dry-run result (Secret values masked); empty when Unchanged, Skipped or Deleted. */
  diff: string;
  /**
   * Why it is Skipped (a Flux `ssa` annotation an apply honours the same way), or why it is
   * Configured with an empty diff (only the ownership of fields written with kubectl changes).
   */
  message?: string;
}

/** Result of {@link diffObjects}. */
export interface DiffResult {
  objects: ObjectDiff[];
  errors: ObjectError[];
}

/** Metadata the server maintains; showing it would make every diff noisy. */
function forDisplay(object: KubeObject | undefined): string {
  if (!object) return '';
  const copy = structuredClone(object) as KubeObject;
  for (const key of ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp'] as const) delete copy.metadata[key];
  delete copy.status;
  return yaml.dump(copy, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/**
 * The dry-run result as the apply that follows the takeover leaves the object: without every field
 * a taken-over manager owned that no staying entry holds — Tideline's own Apply entry in the
 * dry-run result being exactly the fields of the desired object — and without kubectl's
 * last-applied annotation.
 */
function afterTakeover(dryRun: KubeObject): KubeObject {
  const entries = dryRun.metadata.managedFields ?? [];
  const staying = entries.filter((e) => !isTakenOver(e));
  let predicted = dryRun;
  for (const entry of entries.filter(isTakenOver)) {
    for (const path of leafPaths(entry.fieldsV1 ?? {})) {
      if (hasPath(predicted, path) && !staying.some((e) => setHolds(e.fieldsV1 ?? {}, path))) predicted = withoutPath(predicted, path);
    }
  }
  predicted = structuredClone(predicted);
  predicted.metadata.managedFields = staying;
  const annotations = predicted.metadata.annotations;
  if (annotations) {
    delete annotations[LAST_APPLIED];
    // The API server omits an empty annotations map.
    if (Object.keys(annotations).length === 0) delete predicted.metadata.annotations;
  }
  return predicted;
}

/**
 * Fields the API server allocates when it creates an object, by kind: a dry-run fills them with
 * placeholders (a Service's `clusterIP: 10.96.0.0`, a node port, a Job's selector of its
 * dry-run uid) that the real creation replaces, so a creation diff leaves them out unless the
 * manifest sets them itself.
 */
const ALLOCATED_ON_CREATE: Record<string, readonly (readonly string[])[]> = {
  'v1/Service': [
    ['spec', 'clusterIP'],
    ['spec', 'clusterIPs'],
    ['spec', 'healthCheckNodePort'],
    ['spec', 'ports', '*', 'nodePort'],
  ],
  'batch/v1/Job': [
    ['spec', 'selector'],
    ['spec', 'template', 'metadata', 'labels', 'controller-uid'],
    ['spec', 'template', 'metadata', 'labels', 'batch.kubernetes.io/controller-uid'],
  ],
};

/** `created` (a dry-run result) without the allocated fields `desired` does not set. */
function withoutAllocated(created: KubeObject, desired: KubeObject): KubeObject {
  const paths = ALLOCATED_ON_CREATE[`${created.apiVersion}/${created.kind}`];
  if (!paths) return created;
  const copy = structuredClone(created);
  const drop = (node: unknown, wanted: unknown, path: readonly string[]): void => {
    if (node === null || typeof node !== 'object' || path.length === 0) return;
    const [head, ...rest] = path as [string, ...string[]];
    if (head === '*') {
      if (!Array.isArray(node)) return;
      node.forEach((item, index) => drop(item, Array.isArray(wanted) ? wanted[index] : undefined, rest));
      return;
    }
    const record = node as Record<string, unknown>;
    const wantedChild = wanted !== null && typeof wanted === 'object' ? (wanted as Record<string, unknown>)[head] : undefined;
    if (rest.length === 0) {
      if (wantedChild === undefined) delete record[head];
      return;
    }
    drop(record[head], wantedChild, rest);
  };
  for (const path of paths) drop(copy, desired, path);
  return copy;
}

function createdAsWritten(object: KubeObject, ref: ObjectDiff['object'], label: string): ObjectDiff {
  const [, after] = maskSecretPair(undefined, object);
  return { object: ref, action: 'Created', diff: unifiedDiff('', forDisplay(after), { before: `${label} (absent)`, after: `${label} (desired)` }) };
}

/**
 * Computes what applying `request.objects` would change, without changing anything: per object the
 * action and a unified diff. Objects an apply would leave alone (`ssa: Ignore` or `reconcile:
 * disabled` on the manifest or the live object, `ssa: IfNotPresent` and present) are Skipped, with no diff. Errors (invalid objects, conflicts) are collected, each naming the object.
 * With `prune`, the objects the apply's prune would delete are listed too (`Deleted`, no diff), and
 * those its guards would keep (`Skipped`, with the reason) — when nothing else failed.
 */
export async function diffObjects(
  client: KubeApi,
  request: Pick<ReconcileRequest, 'owner' | 'objects' | 'targetNamespace' | 'forceConflicts' | 'serviceAccountName' | 'commonMetadata' | 'ignore' | 'prune'>,
): Promise<DiffResult> {
  // Dry-runs are made as the apply would write (a service account's missing rights show here too).
  const writer = writerFor(client, request);
  const errors: ObjectError[] = [];
  const planned = await prepareObjects(client, request, errors);
  const bundleNamespaces = new Set(planned.filter((p) => p.object.kind === 'Namespace' && p.object.apiVersion === 'v1').map((p) => p.object.metadata.name));
  const namespaceExists = new Set<string>();
  for (const ns of bundleNamespaces) if (await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns })) namespaceExists.add(ns);
  const objects = await Promise.all(
    planned.map(async (p): Promise<ObjectDiff | undefined> => {
      const label = describeObject(p.ref);
      const policy = ssaPolicy(p.object);
      const marker = handsOffMarker(p.object);
      if (marker) return { object: p.ref, action: 'Skipped', diff: '', message: `annotated ${marker}` };
      try {
        // Its CRD or its Namespace is in the bundle but not yet in the cluster: it would be created as written.
        if (
          p.deferred ||
          (p.object.metadata.namespace && bundleNamespaces.has(p.object.metadata.namespace) && !namespaceExists.has(p.object.metadata.namespace))
        )
          return createdAsWritten(p.object, p.ref, label);
        const live = await client.get(p.ref);
        const liveMarker = handsOffMarker(live);
        if (liveMarker) return { object: p.ref, action: 'Skipped', diff: '', message: `annotated in the cluster ${liveMarker}` };
        if (live && policy === 'IfNotPresent')
          return { object: p.ref, action: 'Skipped', diff: '', message: `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists` };
        if (live && request.ignore) applyIgnoreRules(p.object, live, request.ignore, client.fieldManager);
        const dryRun = await writer.apply(p.object, { dryRun: true, force: request.forceConflicts ?? true });
        const takeover = live !== undefined && takeoverPatch(p.object, live, client.fieldManager) !== undefined;
        if (live && !takeover && sameObject(dryRun, live)) return { object: p.ref, action: 'Unchanged', diff: '' };
        const [before, after] = maskSecretPair(live, takeover ? afterTakeover(dryRun) : live ? dryRun : withoutAllocated(dryRun, p.object));
        const diff = unifiedDiff(forDisplay(before), forDisplay(after), { before: `${label} (live)`, after: `${label} (after apply)` });
        // An apply takes the fields over (and reports Configured) even when no value changes.
        if (live && diff === '' && takeover)
          return { object: p.ref, action: 'Configured', diff: '', message: 'fields written with kubectl are taken over; no value changes' };
        if (live && diff === '') return { object: p.ref, action: 'Unchanged', diff: '' };
        return { object: p.ref, action: live ? 'Configured' : 'Created', diff };
      } catch (error) {
        if (error instanceof TransientError) throw scrubTransient(error, p.object);
        errors.push({ object: p.ref, message: scrubSecretValues(errorMessage(error), p.object) });
        return undefined;
      }
    }),
  );
  const result = objects.filter((o): o is ObjectDiff => o !== undefined);
  if (request.prune && errors.length === 0) {
    // What the prune after an apply would delete: inventory entries the set no longer holds, with
    // prune's own guards (prune: disabled, another Kustomization's labels).
    // As in an apply, there is no prune when anything fails, so none is shown then either.
    const inventory = await readInventory(client, request.owner);
    const current = new Set(planned.map((p) => p.id));
    const stale = (inventory?.entries ?? []).filter((e) => !current.has(e.id));
    const pruned = await pruneObjects(client, request.owner, stale, { writer, dryRun: true });
    for (const entry of pruned.entries) {
      result.push({
        object: entry.object,
        action: entry.action === 'Deleted' ? 'Deleted' : 'Skipped',
        diff: '',
        ...(entry.message ? { message: entry.message } : {}),
      });
    }
    errors.push(...pruned.errors);
  }
  return { objects: result, errors };
}
