import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchStrategyAndKeys, schemaElements, schemaField, schemaForType, type SchemaNode } from '#shared/render/merge/index.ts';

function at(root: SchemaNode | undefined, path: string[]): SchemaNode | undefined {
  let node = root;
  for (const step of path) {
    if (node === undefined) return undefined;
    node = step === '[]' ? schemaElements(node) : schemaField(node, step);
  }
  return node;
}

test('pod template containers merge on name, their ports on port and protocol', () => {
  // Prepare
  const deployment = schemaForType('apps/v1', 'Deployment');

  // Act
  const containers = at(deployment, ['spec', 'template', 'spec', 'containers']);
  const ports = at(deployment, ['spec', 'template', 'spec', 'containers', '[]', 'ports']);

  // Assess
  assert.ok(containers && ports);
  assert.deepEqual(patchStrategyAndKeys(containers), { strategy: 'merge', keys: ['name'] });
  assert.deepEqual(patchStrategyAndKeys(ports), { strategy: 'merge', keys: ['containerPort', 'protocol'] });
});

test('finalizers are a primitive list with a merge strategy and no key', () => {
  // Act
  const finalizers = at(schemaForType('v1', 'ConfigMap'), ['metadata', 'finalizers']);

  // Assess
  assert.ok(finalizers);
  assert.deepEqual(patchStrategyAndKeys(finalizers), { strategy: 'merge', keys: [] });
});

test('lists without a strategy (tolerations, args) report none, so they are replaced', () => {
  // Prepare
  const pod = schemaForType('v1', 'Pod');

  // Act
  const tolerations = at(pod, ['spec', 'tolerations']);
  const args = at(pod, ['spec', 'containers', '[]', 'args']);

  // Assess
  assert.equal(patchStrategyAndKeys(tolerations ?? 1).strategy, '');
  assert.equal(patchStrategyAndKeys(args ?? 1).strategy, '');
});

test('follows kustomize where its embedded schema is older: schedulingGates are replaced, not merged', () => {
  // Act
  const gates = at(schemaForType('v1', 'Pod'), ['spec', 'schedulingGates']);

  // Assess
  assert.equal(patchStrategyAndKeys(gates ?? 1).strategy, '');
});

test('kinds kustomize does not know, and custom resources, have no schema', () => {
  // Act
  const newerHpa = schemaForType('autoscaling/v2', 'HorizontalPodAutoscaler');
  const helmRelease = schemaForType('helm.toolkit.fluxcd.io/v2', 'HelmRelease');
  const knownHpa = schemaForType('autoscaling/v1', 'HorizontalPodAutoscaler');
  // Assess
  assert.equal(newerHpa, undefined);
  assert.equal(helmRelease, undefined);
  assert.notEqual(knownHpa, undefined);
});
