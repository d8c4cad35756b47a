// Inventory and prune against the real kube-apiserver: prune of removed objects, the prune-disabled
// annotation, foreign-owned objects, the empty-bundle guard and the stale-revision guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, InvalidInputError } from '#shared/errors/index.ts';
import { ALREADY_GONE, readInventory, reconcileObjects } from '#shared/kube/index.ts';
import { useNamespace } from '#test/env/index.ts';
import { configMap, ownedNamespace, ownerFor, testClientFor } from './helpers.ts';

test('objects removed from the bundle are pruned and leave the inventory', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-prune');
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap(ns, 'keep', { a: '1' }), configMap(ns, 'drop', { b: '2' })] });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  assert.deepEqual(result.changeSet.entries.map((e) => `${e.object.name}:${e.action}`).sort(), ['drop:Deleted', 'keep:Unchanged']);
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'drop' }), undefined);
  assert.deepEqual(
    (await readInventory(client, owner))?.entries.map((e) => e.id),
    [`${ns}_keep__ConfigMap`],
  );
});

test('an object deleted by hand before the prune is reported Deleted (already gone) and leaves the inventory', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-prune-gone');
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap(ns, 'keep', { a: '1' }), configMap(ns, 'gone', { b: '2' })] });
  assert.equal(await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'gone' }), true);
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  const gone = result.changeSet.entries.find((e) => e.object.name === 'gone');
  assert.deepEqual(gone && { action: gone.action, message: gone.message }, { action: 'Deleted', message: ALREADY_GONE });
  assert.equal(result.failure, undefined);
  assert.deepEqual(
    (await readInventory(client, owner))?.entries.map((e) => e.id),
    [`${ns}_keep__ConfigMap`],
  );
});

test('without prune, removed objects stay in the cluster and in the inventory', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-noprune');
  await reconcileObjects(client, { owner, revision: 'r1', objects: [configMap(ns, 'keep', { a: '1' }), configMap(ns, 'drop', { b: '2' })] });
  // Act
  await reconcileObjects(client, { owner, revision: 'r2', objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'drop' }));
  assert.equal((await readInventory(client, owner))?.entries.length, 2);
});

test('an object annotated prune: disabled is Skipped, not deleted', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-prune-off');
  const guarded = configMap(ns, 'guarded', { a: '1' });
  guarded.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [guarded, configMap(ns, 'keep', { a: '1' })] });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [configMap(ns, 'keep', { a: '1' })] });
  // Assess
  assert.equal(result.changeSet.entries.find((e) => e.object.name === 'guarded')?.action, 'Skipped');
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'guarded' }));
});

test('an object adopted by another Kustomization is never pruned', async (t) => {
  // Prepare
  const ns = await useNamespace(t, 'kube-foreign');
  const client = await testClientFor(t);
  const first = ownerFor(ns);
  const second = { name: `${ns}-other`, namespace: 'flux-system' };
  await reconcileObjects(client, {
    owner: first,
    revision: 'r1',
    prune: true,
    objects: [configMap(ns, 'shared', { a: '1' }), configMap(ns, 'mine', { a: '1' })],
  });
  await reconcileObjects(client, { owner: second, revision: 'r1', objects: [configMap(ns, 'shared', { a: '1' })] });
  // Act
  const result = await reconcileObjects(client, { owner: first, revision: 'r2', prune: true, objects: [configMap(ns, 'mine', { a: '1' })] });
  // Assess
  const entry = result.changeSet.entries.find((e) => e.object.name === 'shared');
  assert.equal(entry?.action, 'Skipped');
  assert.match(entry?.message ?? '', /another Kustomization/);
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'shared' });
  assert.equal(live?.metadata.labels?.['tideline.dev/name'], second.name);
});

test('an empty bundle over a non-empty inventory is refused unless allowed', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-empty');
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap(ns, 'a', { a: '1' })] });
  // Act
  const refused = reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [] });
  // Assess
  await assert.rejects(refused, (error: unknown) => error instanceof InvalidInputError && /empty/.test(error.message));
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }));
});

test('an empty bundle prunes everything when explicitly allowed', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-empty-ok');
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap(ns, 'a', { a: '1' })] });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, allowEmpty: true, objects: [] });
  // Assess
  assert.deepEqual(
    result.changeSet.entries.map((e) => e.action),
    ['Deleted'],
  );
  assert.equal(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }), undefined);
});

test('a revision older than the applied one is refused with a ConflictError and changes nothing', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-stale');
  await reconcileObjects(client, { owner, revision: 'main@sha1:new', order: 2_000, objects: [configMap(ns, 'a', { v: 'new' })] });
  // Act
  const stale = reconcileObjects(client, { owner, revision: 'main@sha1:old', order: 1_000, objects: [configMap(ns, 'a', { v: 'old' })] });
  // Assess
  await assert.rejects(stale, (error: unknown) => error instanceof ConflictError && /older than the applied revision main@sha1:new/.test(error.message));
  const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' });
  assert.equal((live?.data as Record<string, string>).v, 'new');
});

test('a failed apply prunes nothing and keeps the previous inventory', async (t) => {
  // Prepare
  const { ns, client, owner } = await ownedNamespace(t, 'kube-noprune-fail');
  await reconcileObjects(client, { owner, revision: 'r1', prune: true, objects: [configMap(ns, 'old', { a: '1' })] });
  // Act
  const result = await reconcileObjects(client, { owner, revision: 'r2', prune: true, objects: [configMap(ns, 'Invalid_Name', { a: '1' })] });
  // Assess
  assert.equal(result.failure, 'ValidationFailed');
  assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'old' }));
  assert.equal((await readInventory(client, owner))?.revision, 'r1');
});
