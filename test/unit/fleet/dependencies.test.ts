import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOrder, dependencyState, isSuspended, normaliseRevision, recordRender, type DependencyStatus, type FleetSnapshot } from '#shared/fleet/index.ts';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { bundle, devSnapshot, gitRepository, kustomization } from './objects.ts';

const ROOT = 'flux-system/flux-system';
const SHA = '1111111111111111111111111111111111111111';
const REV = `main@sha1:${SHA}`;
const OLD = 'main@sha1:0000000000000000000000000000000000000000';

/** dev: infrastructure; apps dependsOn infrastructure; tenant (ns apps, own source) dependsOn apps-base in its namespace. */
function fleet(): FleetSnapshot {
  const objects = [
    kustomization('infrastructure'),
    kustomization('apps', { dependsOn: [{ name: 'infrastructure' }] }),
    gitRepository('tenant', 'apps'),
    kustomization('apps-base', { sourceRef: { kind: 'GitRepository', name: 'tenant' } }, 'apps'),
    kustomization('tenant', { sourceRef: { kind: 'GitRepository', name: 'tenant' }, dependsOn: [{ name: 'apps-base' }, { name: 'infrastructure', namespace: 'flux-system' }] }, 'apps'),
    kustomization('web', { dependsOn: [{ name: 'missing' }] }),
  ];
  let snapshot = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, objects), REV).snapshot;
  for (const key of ['flux-system/infrastructure', 'flux-system/apps', 'flux-system/web']) snapshot = recordRender(snapshot, 'dev', key, bundle(key, []), REV).snapshot;
  return snapshot;
}

const statuses = (entries: Record<string, DependencyStatus>) => (key: string) => entries[key];

test('a Kustomization without dependsOn is ready', () => {
  assert.deepEqual(dependencyState(fleet(), 'dev', 'flux-system/infrastructure', () => undefined), { state: 'ready' });
});

test("a dependency that has not reconciled or is not Ready holds the dependent, worded as Flux's kustomize-controller words it", () => {
  const never = dependencyState(fleet(), 'dev', 'flux-system/apps', () => undefined);
  const failing = dependencyState(fleet(), 'dev', 'flux-system/apps', statuses({ 'flux-system/infrastructure': { ready: false, lastAppliedRevision: OLD, reason: 'ReconciliationFailed' } }));

  for (const state of [never, failing]) {
    assert.deepEqual(state, { state: 'waiting', reason: 'DependencyNotReady', message: "dependency 'flux-system/infrastructure' is not ready", dependency: 'flux-system/infrastructure' });
  }
});

test('a dependency on the same source must have applied the revision the dependent is about to apply', () => {
  const behind = dependencyState(fleet(), 'dev', 'flux-system/apps', statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: OLD, lastAttemptedRevision: OLD } }));
  const current = dependencyState(fleet(), 'dev', 'flux-system/apps', statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: REV, lastAttemptedRevision: REV } }));

  assert.equal(behind.state === 'waiting' && behind.message, "dependency 'flux-system/infrastructure' revision is not up to date");
  assert.deepEqual(current, { state: 'ready' });
});

test('the revision to compare with can be given, and a legacy revision (main/<sha>) compares equal to its current form', () => {
  const ready = { 'flux-system/infrastructure': { ready: true, lastAppliedRevision: `main/${SHA}` } };

  assert.deepEqual(dependencyState(fleet(), 'dev', 'flux-system/apps', statuses(ready)), { state: 'ready' });
  assert.equal(dependencyState(fleet(), 'dev', 'flux-system/apps', statuses(ready), { revision: OLD }).state, 'waiting');
  assert.equal(normaliseRevision(SHA), `sha1:${SHA}`);
});

test('a Ready dependency whose newer attempt has not been applied yet still holds the dependent', () => {
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: REV, lastAttemptedRevision: 'main@sha1:3333333333333333333333333333333333333333' } }));

  assert.equal(state.state === 'waiting' && state.message, "dependency 'flux-system/infrastructure' is not ready");
});

test("dependsOn names default to the dependent's namespace, and a dependency on another source is not held to its revision", () => {
  const tenant = dependencyState(fleet(), 'dev', 'apps/tenant', statuses({
    'apps/apps-base': { ready: true, lastAppliedRevision: REV },
    // Another source: Flux checks Ready only.
    'flux-system/infrastructure': { ready: true, lastAppliedRevision: OLD },
  }));
  const waitingOnBase = dependencyState(fleet(), 'dev', 'apps/tenant', () => undefined);

  assert.deepEqual(tenant, { state: 'ready' });
  assert.equal(waitingOnBase.state === 'waiting' && waitingOnBase.dependency, 'apps/apps-base');
});

test('a missing dependency holds the dependent with a message naming it', () => {
  const state = dependencyState(fleet(), 'dev', 'flux-system/web', () => undefined);

  assert.equal(state.state === 'waiting' && state.message, `dependency 'flux-system/missing' not found: kustomizations.kustomize.toolkit.fluxcd.io "missing" not found`);
});

test('a dependsOn cycle is reported by its chain', () => {
  const objects = [kustomization('a', { dependsOn: [{ name: 'b' }] }), kustomization('b', { dependsOn: [{ name: 'c' }] }), kustomization('c', { dependsOn: [{ name: 'a' }] })];
  const snapshot = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, objects), REV).snapshot;

  const state = dependencyState(snapshot, 'dev', 'flux-system/a', () => ({ ready: true, lastAppliedRevision: REV }));
  const order = applyOrder(snapshot, 'dev');

  assert.equal(state.state, 'waiting');
  assert.deepEqual(state.state === 'waiting' && state.cycle, ['flux-system/a', 'flux-system/b', 'flux-system/c', 'flux-system/a']);
  assert.match(state.state === 'waiting' ? state.message : '', /^dependency cycle: 'flux-system\/a' -> 'flux-system\/b' -> 'flux-system\/c' -> 'flux-system\/a'/);
  assert.deepEqual(order.order, [ROOT, 'flux-system/a', 'flux-system/b', 'flux-system/c']);
  assert.deepEqual(order.cycles, [['flux-system/a', 'flux-system/b', 'flux-system/c', 'flux-system/a']]);
});

test('applyOrder puts dependencies and parents first', () => {
  const { order, cycles } = applyOrder(fleet(), 'dev');

  assert.deepEqual(cycles, []);
  assert.ok(order.indexOf('flux-system/infrastructure') < order.indexOf('flux-system/apps'));
  assert.ok(order.indexOf('apps/apps-base') < order.indexOf('apps/tenant'));
  assert.equal(order[0], ROOT);
  assert.equal(order.length, 6);
});

test('spec.suspend or a suspend recorded in status suspends a Kustomization', () => {
  const plain = parseKustomization(kustomization('apps'));
  const suspended = parseKustomization(kustomization('apps', { suspend: true }));

  assert.equal(isSuspended(plain), false);
  assert.equal(isSuspended(plain, true), true);
  assert.equal(isSuspended(suspended, false), true);
});
