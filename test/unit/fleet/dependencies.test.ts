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
    kustomization(
      'tenant',
      { sourceRef: { kind: 'GitRepository', name: 'tenant' }, dependsOn: [{ name: 'apps-base' }, { name: 'infrastructure', namespace: 'flux-system' }] },
      'apps',
    ),
    kustomization('web', { dependsOn: [{ name: 'missing' }] }),
  ];
  let snapshot = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, objects), REV).snapshot;
  for (const key of ['flux-system/infrastructure', 'flux-system/apps', 'flux-system/web'])
    snapshot = recordRender(snapshot, 'dev', key, bundle(key, []), REV).snapshot;
  return snapshot;
}

const statuses = (entries: Record<string, DependencyStatus>) => (key: string) => entries[key];

/** dev with the cycle a → b → c → a under its root. */
function cyclicFleet(): FleetSnapshot {
  const objects = [
    kustomization('a', { dependsOn: [{ name: 'b' }] }),
    kustomization('b', { dependsOn: [{ name: 'c' }] }),
    kustomization('c', { dependsOn: [{ name: 'a' }] }),
  ];
  return recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, objects), REV).snapshot;
}

test('a Kustomization without dependsOn is ready', () => {
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/infrastructure', () => undefined);
  // Assess
  assert.deepEqual(state, { state: 'ready' });
});

test("a dependency that has not reconciled, or is not Ready, holds the dependent, worded as Flux's kustomize-controller words it", () => {
  const cases: Record<string, DependencyStatus | undefined> = {
    'never reconciled': undefined,
    'not Ready': { ready: false, lastAppliedRevision: OLD, reason: 'ReconciliationFailed' },
  };
  for (const [name, status] of Object.entries(cases)) {
    // Prepare
    const lookup = (key: string) => (key === 'flux-system/infrastructure' ? status : undefined);
    // Act
    const state = dependencyState(fleet(), 'dev', 'flux-system/apps', lookup);
    // Assess
    assert.deepEqual(
      state,
      {
        state: 'waiting',
        reason: 'DependencyNotReady',
        message: "dependency 'flux-system/infrastructure' is not ready",
        dependency: 'flux-system/infrastructure',
      },
      name,
    );
  }
});

test('a Ready dependency on the same source that applied an older revision holds the dependent', () => {
  // Prepare
  const behind = statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: OLD, lastAttemptedRevision: OLD } });
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', behind);
  // Assess
  assert.equal(state.state === 'waiting' && state.message, "dependency 'flux-system/infrastructure' revision is not up to date");
});

test('a Ready dependency on the same source that applied the revision about to be applied lets the dependent go', () => {
  // Prepare
  const current = statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: REV, lastAttemptedRevision: REV } });
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', current);
  // Assess
  assert.deepEqual(state, { state: 'ready' });
});

test('a legacy revision (main/<sha>) compares equal to its current form (main@sha1:<sha>)', () => {
  // Prepare
  const legacy = statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: `main/${SHA}` } });
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', legacy);
  // Assess
  assert.deepEqual(state, { state: 'ready' });
});

test('the revision a dependency is held to can be given instead of the recorded one', () => {
  // Prepare
  const ready = statuses({ 'flux-system/infrastructure': { ready: true, lastAppliedRevision: REV } });
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', ready, { revision: OLD });
  // Assess
  assert.equal(state.state === 'waiting' && state.message, "dependency 'flux-system/infrastructure' revision is not up to date");
});

test('a bare commit sha normalises to its sha1: form', () => {
  // Act
  const normalised = normaliseRevision(SHA);
  // Assess
  assert.equal(normalised, `sha1:${SHA}`);
});

test('a Ready dependency whose newer attempt has not been applied yet still holds the dependent', () => {
  // Prepare
  const attempting = statuses({
    'flux-system/infrastructure': { ready: true, lastAppliedRevision: REV, lastAttemptedRevision: 'main@sha1:3333333333333333333333333333333333333333' },
  });
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/apps', attempting);
  // Assess
  assert.equal(state.state === 'waiting' && state.message, "dependency 'flux-system/infrastructure' is not ready");
});

test("a dependsOn name without a namespace is looked up in the dependent's namespace", () => {
  // Act
  const state = dependencyState(fleet(), 'dev', 'apps/tenant', () => undefined);
  // Assess
  assert.equal(state.state === 'waiting' && state.dependency, 'apps/apps-base');
});

test('a dependency on another source is held to Ready only, not to a revision', () => {
  // Prepare
  const lookup = statuses({
    'apps/apps-base': { ready: true, lastAppliedRevision: REV },
    'flux-system/infrastructure': { ready: true, lastAppliedRevision: OLD },
  });
  // Act
  const state = dependencyState(fleet(), 'dev', 'apps/tenant', lookup);
  // Assess
  assert.deepEqual(state, { state: 'ready' });
});

test('a missing dependency holds the dependent with a message naming it', () => {
  // Act
  const state = dependencyState(fleet(), 'dev', 'flux-system/web', () => undefined);
  // Assess
  assert.equal(
    state.state === 'waiting' && state.message,
    `dependency 'flux-system/missing' not found: kustomizations.kustomize.toolkit.fluxcd.io "missing" not found`,
  );
});

test('a Kustomization on a dependsOn cycle waits, the cycle reported by its chain', () => {
  // Prepare
  const snapshot = cyclicFleet();
  // Act
  const state = dependencyState(snapshot, 'dev', 'flux-system/a', () => ({ ready: true, lastAppliedRevision: REV }));
  // Assess
  assert.equal(state.state, 'waiting');
  assert.deepEqual(state.state === 'waiting' && state.cycle, ['flux-system/a', 'flux-system/b', 'flux-system/c', 'flux-system/a']);
  assert.match(
    state.state === 'waiting' ? state.message : '',
    /^dependency cycle: 'flux-system\/a' -> 'flux-system\/b' -> 'flux-system\/c' -> 'flux-system\/a'/,
  );
});

test('applyOrder still orders every Kustomization of a cycle and reports the cycle', () => {
  // Prepare
  const snapshot = cyclicFleet();
  // Act
  const order = applyOrder(snapshot, 'dev');
  // Assess
  assert.deepEqual(order.order, [ROOT, 'flux-system/a', 'flux-system/b', 'flux-system/c']);
  assert.deepEqual(order.cycles, [['flux-system/a', 'flux-system/b', 'flux-system/c', 'flux-system/a']]);
});

test('applyOrder puts the root first and every dependency before its dependent', () => {
  // Act
  const { order, cycles } = applyOrder(fleet(), 'dev');
  // Assess
  assert.deepEqual(cycles, []);
  assert.deepEqual([...order].sort(), [ROOT, 'apps/apps-base', 'apps/tenant', 'flux-system/apps', 'flux-system/infrastructure', 'flux-system/web'].sort());
  assert.equal(order[0], ROOT);
  assert.ok(order.indexOf('flux-system/infrastructure') < order.indexOf('flux-system/apps'));
  assert.ok(order.indexOf('apps/apps-base') < order.indexOf('apps/tenant'));
  assert.ok(order.indexOf('flux-system/infrastructure') < order.indexOf('apps/tenant'));
});

test('a Kustomization is suspended by spec.suspend, or by a suspend recorded in its status', () => {
  const cases = [
    { name: 'neither', spec: {}, recorded: undefined, suspended: false },
    { name: 'recorded only', spec: {}, recorded: true, suspended: true },
    { name: 'spec.suspend, recorded false', spec: { suspend: true }, recorded: false, suspended: true },
  ];
  for (const { name, spec, recorded, suspended } of cases) {
    // Prepare
    const parsed = parseKustomization(kustomization('apps', spec));
    // Act
    const actual = isSuspended(parsed, recorded);
    // Assess
    assert.equal(actual, suspended, name);
  }
});
