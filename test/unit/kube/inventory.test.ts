// Inventory ids and the stale-revision guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '#shared/errors/index.ts';
import { assertNotStale, inventoryName, objectId } from '#shared/kube/index.ts';
import { parseObjectId } from '#shared/kube/objects.ts';

const owner = { name: 'apps', namespace: 'flux-system' };
const inventory = { entries: [], revision: 'main@sha1:bbb', order: 2000, appliedAt: '2026-01-01T00:00:00Z' };

test('an object id follows Flux: <namespace>_<name>_<group>_<kind>', () => {
  // Act
  const id = objectId({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
  // Assess
  assert.equal(id, 'shop_web_apps_Deployment');
});

test('the id of a cluster-scoped core object has an empty namespace and group', () => {
  // Act
  const id = objectId({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
  // Assess
  assert.equal(id, '_shop__Namespace');
});

test('an object id parses back into its parts', () => {
  // Act
  const parts = parseObjectId('_shop__Namespace');
  // Assess
  assert.deepEqual(parts, { namespace: '', name: 'shop', group: '', kind: 'Namespace' });
});

test('a string that is not an object id does not parse', () => {
  // Act
  const parts = parseObjectId('not-an-id');
  // Assess
  assert.equal(parts, undefined);
});

test('the inventory of a Kustomization is named <namespace>.<name>', () => {
  // Act
  const name = inventoryName(owner);
  // Assess
  assert.equal(name, 'flux-system.apps');
});

test('an older revision is refused with a ConflictError naming both revisions and the inventory', () => {
  // Act
  const act = () => assertNotStale(inventory, { revision: 'main@sha1:aaa', order: 1000 }, owner);
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof ConflictError &&
      error.message ===
        'Kustomization.kustomize.toolkit.fluxcd.io apps in ns flux-system: revision main@sha1:aaa (order 1000) is older than the applied revision main@sha1:bbb (order 2000, recorded in ConfigMap tideline-system/flux-system.apps); refusing to roll back — push a new commit or apply explicitly',
  );
});

test('the same or a newer revision passes, as does any revision without an ordering signal', () => {
  const cases = [
    { name: 'same', inventory, incoming: { revision: 'main@sha1:bbb', order: 2000 } },
    { name: 'newer', inventory, incoming: { revision: 'main@sha1:ccc', order: 3000 } },
    { name: 'no order', inventory, incoming: { revision: 'local' } },
    { name: 'no inventory yet', inventory: undefined, incoming: { revision: 'x', order: 1 } },
  ];
  for (const c of cases) {
    // Act
    const act = () => assertNotStale(c.inventory, c.incoming, owner);
    // Assess
    assert.doesNotThrow(act, c.name);
  }
});
