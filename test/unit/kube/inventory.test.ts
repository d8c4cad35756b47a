// Inventory ids and the stale-revision guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '#shared/errors/index.ts';
import { assertNotStale, inventoryName, objectId } from '#shared/kube/index.ts';
import { parseObjectId } from '#shared/kube/objects.ts';

const owner = { name: 'apps', namespace: 'flux-system' };
const inventory = { entries: [], revision: 'main@sha1:bbb', order: 2000, appliedAt: '2026-01-01T00:00:00Z' };

test('object ids follow Flux: <namespace>_<name>_<group>_<kind>, and parse back', () => {
  assert.equal(objectId({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }), 'shop_web_apps_Deployment');
  assert.equal(objectId({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }), '_shop__Namespace');
  assert.deepEqual(parseObjectId('_shop__Namespace'), { namespace: '', name: 'shop', group: '', kind: 'Namespace' });
  assert.equal(parseObjectId('not-an-id'), undefined);
  assert.equal(inventoryName(owner), 'flux-system.apps');
});

test('an older revision is refused with a ConflictError naming both revisions', () => {
  assert.throws(() => assertNotStale(inventory, { revision: 'main@sha1:aaa', order: 1000 }, owner), (error: unknown) => error instanceof ConflictError && /main@sha1:aaa.*older than.*main@sha1:bbb/.test(error.message));
});

test('the same or a newer revision passes, as does any revision without an ordering signal', () => {
  assert.doesNotThrow(() => assertNotStale(inventory, { revision: 'main@sha1:bbb', order: 2000 }, owner));
  assert.doesNotThrow(() => assertNotStale(inventory, { revision: 'main@sha1:ccc', order: 3000 }, owner));
  assert.doesNotThrow(() => assertNotStale(inventory, { revision: 'local' }, owner));
  assert.doesNotThrow(() => assertNotStale(undefined, { revision: 'x', order: 1 }, owner));
});
