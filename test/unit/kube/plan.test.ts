// The cheap half of planning (classifyCheaply): what the live object alone settles, without a
// request — hands-off markers, IfNotPresent objects that exist, objects unchanged on the fields
// Tideline manages — and what still needs a dry-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyContext, KubeApi, KubeObject } from '#shared/kube/index.ts';
import { SSA_ANNOTATION, objectId, refOf } from '#shared/kube/index.ts';
import { classifyCheaply } from '#shared/kube/plan.ts';
import type { PreparedObject } from '#shared/kube/prepare.ts';
import { systemClock } from '#shared/ports/index.ts';

/** A context for pure classification: only the field manager is read; anything else would throw. */
const ctx: ApplyContext = {
  client: { fieldManager: 'tideline' } as KubeApi,
  writer: { fieldManager: 'tideline' } as KubeApi,
  owner: { name: 'apps', namespace: 'flux-system' },
  forceConflicts: true,
  recreate: false,
  validate: true,
  ignore: undefined,
  checker: undefined,
  clock: systemClock,
};

function settings(data: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', ...(annotations ? { annotations } : {}) }, data };
}

/** The object as Tideline last applied it: its values, and a managedFields entry owning them. */
function appliedByTideline(object: KubeObject): KubeObject {
  const fields = Object.fromEntries(Object.keys(object.data as Record<string, string>).map((key) => [`f:${key}`, {}]));
  return {
    ...structuredClone(object),
    metadata: {
      ...structuredClone(object.metadata),
      managedFields: [{ manager: 'tideline', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': fields } }],
    },
  };
}

function prepared(object: KubeObject, live?: KubeObject): PreparedObject {
  return { object, id: objectId(refOf(object)), ref: refOf(object), deferred: false, source: object, ...(live ? { live } : {}) };
}

test('an object annotated ssa: Ignore in the cluster is Skipped, the reason naming where', () => {
  // Prepare
  const live = appliedByTideline(settings({ a: '1' }, { [SSA_ANNOTATION]: 'Ignore' }));
  // Act
  const verdict = classifyCheaply(ctx, prepared(settings({ a: '2' }), live));
  // Assess
  assert.deepEqual(verdict, { action: 'Skipped', reason: `annotated in the cluster ${SSA_ANNOTATION}: Ignore` });
});

test('an object the cluster does not hold needs a dry-run', () => {
  // Act
  const verdict = classifyCheaply(ctx, prepared(settings({ a: '1' })));
  // Assess
  assert.deepEqual(verdict, { action: 'NeedsDryRun' });
});

test('an IfNotPresent object that exists is Skipped whatever its values', () => {
  // Prepare
  const desired = settings({ a: '2' }, { [SSA_ANNOTATION]: 'IfNotPresent' });
  // Act
  const verdict = classifyCheaply(ctx, prepared(desired, appliedByTideline(settings({ a: '1' }))));
  // Assess
  assert.deepEqual(verdict, { action: 'Skipped', reason: `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists` });
});

test('an object whose managed fields hold the desired values is Unchanged', () => {
  // Prepare
  const desired = settings({ a: '1' });
  // Act
  const verdict = classifyCheaply(ctx, prepared(desired, appliedByTideline(desired)));
  // Assess
  assert.deepEqual(verdict, { action: 'Unchanged' });
});

test('an object whose value was changed in the cluster needs a dry-run', () => {
  // Prepare
  const live = appliedByTideline(settings({ a: 'edited' }));
  // Act
  const verdict = classifyCheaply(ctx, prepared(settings({ a: '1' }), live));
  // Assess
  assert.deepEqual(verdict, { action: 'NeedsDryRun' });
});
