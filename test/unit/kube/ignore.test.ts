// Flux spec.ignore rules applied to the object to apply, against a live object (pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { applyIgnoreRules, compileIgnoreRules } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';

const deployment = (
  replicas: number | undefined,
  managedFields: KubeObject['metadata']['managedFields'] = [],
  labels: Record<string, string> = { autoscaled: 'true' },
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels, managedFields },
  spec: {
    ...(replicas !== undefined ? { replicas } : {}),
    template: {
      spec: {
        containers: [
          { name: 'main', image: 'web:1', resources: { limits: { cpu: '1' } } },
          { name: 'side', image: 'side:1' },
        ],
      },
    },
  },
});
const replicasOf = (object: KubeObject) => (object.spec as { replicas?: number }).replicas;
const rules = compileIgnoreRules([{ paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaled=true' } }]);

test('a differing ignored field that no other apply owns takes its live value', () => {
  // Prepare
  const desired = deployment(2);
  const live = deployment(5, [
    { manager: 'tideline', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
  // Act
  const adjusted = applyIgnoreRules(desired, live, rules, 'tideline');
  // Assess
  assert.deepEqual(adjusted, ['/spec/replicas']);
  assert.equal(replicasOf(desired), 5);
});

test('a differing ignored field another apply owns is left out; a field not live is left out too', () => {
  // Prepare
  const owned = deployment(2);
  const absent = deployment(2);
  const liveOwned = deployment(7, [{ manager: 'autoscaler', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
  // Act
  applyIgnoreRules(owned, liveOwned, rules, 'tideline');
  applyIgnoreRules(absent, deployment(undefined), rules, 'tideline');
  // Assess
  assert.equal('replicas' in (owned.spec as object), false);
  assert.equal('replicas' in (absent.spec as object), false);
});

test('equal values, objects outside the target and fields without drift are not touched', () => {
  // Prepare
  const same = deployment(3);
  const untargeted = deployment(2, [], { autoscaled: 'false' });
  // Act
  const sameAdjusted = applyIgnoreRules(same, deployment(3), rules, 'tideline');
  const untargetedAdjusted = applyIgnoreRules(untargeted, deployment(9, [], { autoscaled: 'false' }), rules, 'tideline');
  // Assess
  assert.deepEqual([sameAdjusted, untargetedAdjusted], [[], []]);
  assert.equal(replicasOf(untargeted), 2);
});

test('a list element is found by the key another apply owns it under', () => {
  // Prepare
  const containerRules = compileIgnoreRules([{ paths: ['/spec/template/spec/containers/0/resources'] }]);
  const desired = deployment(1);
  const live = deployment(1, [
    {
      manager: 'vpa',
      operation: 'Apply',
      fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { 'f:resources': {} } } } } } },
    },
  ]);
  (live.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0]!.resources = { limits: { cpu: '3' } };
  // Act
  applyIgnoreRules(desired, live, containerRules, 'tideline');
  // Assess
  const main = (desired.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
  assert.equal(main?.name, 'main');
  assert.equal('resources' in (main ?? {}), false);
});

test('rules with a path that is not a pointer, or a pattern that nests repetitions, are refused', () => {
  // Act
  const notAPointer = () => compileIgnoreRules([{ paths: ['spec/replicas'] }]);
  const nestedRepetition = () => compileIgnoreRules([{ paths: ['/spec'], target: { name: '(a+)+' } }]);
  // Assess
  assert.throws(
    notAPointer,
    (error: unknown) => error instanceof InvalidInputError && /ignore\[0\]: path "spec\/replicas" is not a JSON pointer/.test(error.message),
  );
  assert.throws(nestedRepetition, (error: unknown) => error instanceof InvalidInputError && /ignore\[0\]\.target/.test(error.message));
});

test("a field kubectl edited keeps its live value (the apply takes kubectl's fields over), unless the object is ssa: Merge", () => {
  // Prepare
  const edited = [
    { manager: 'tideline', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': {} } } },
    { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ];
  const takenOver = deployment(2);
  const merged = deployment(2);
  merged.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' };
  // Act
  applyIgnoreRules(takenOver, deployment(4, edited), rules, 'tideline');
  applyIgnoreRules(merged, deployment(4, edited), rules, 'tideline');
  // Assess
  assert.equal(replicasOf(takenOver), 4);
  assert.equal('replicas' in (merged.spec as object), false);
});
