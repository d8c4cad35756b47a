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
  const deployment = schemaForType('apps/v1', 'Deployment');

  const containers = at(deployment, ['spec', 'template', 'spec', 'containers']);
  const ports = at(deployment, ['spec', 'template', 'spec', 'containers', '[]', 'ports']);

  assert.ok(containers && ports);
  assert.deepEqual(patchStrategyAndKeys(containers), { strategy: 'merge', keys: ['name'] });
  assert.deepEqual(patchStrategyAndKeys(ports), { strategy: 'merge', keys: ['containerPort', 'protocol'] });
});

test('finalizers are a primitive list with a merge strategy and no key', () => {
  const finalizers = at(schemaForType('v1', 'ConfigMap'), ['metadata', 'finalizers']);

  assert.ok(finalizers);
  assert.deepEqual(patchStrategyAndKeys(finalizers), { strategy: 'merge', keys: [] });
});

test('lists without a strategy (tolerations, args) report none, so they are replaced', () => {
  const pod = schemaForType('v1', 'Pod');

  const tolerations = at(pod, ['spec', 'tolerations']);
  const args = at(pod, ['spec', 'containers', '[]', 'args']);

  assert.equal(patchStrategyAndKeys(tolerations ?? 1).strategy, '');
  assert.equal(patchStrategyAndKeys(args ?? 1).strategy, '');
});

test('follows kustomize where its embedded schema is older: schedulingGates are replaced, not merged', () => {
  const gates = at(schemaForType('v1', 'Pod'), ['spec', 'schedulingGates']);

  assert.equal(patchStrategyAndKeys(gates ?? 1).strategy, '');
});

test('kinds kustomize does not know, and custom resources, have no schema', () => {
  assert.equal(schemaForType('autoscaling/v2', 'HorizontalPodAutoscaler'), undefined);
  assert.equal(schemaForType('helm.toolkit.fluxcd.io/v2', 'HelmRelease'), undefined);
  assert.notEqual(schemaForType('autoscaling/v1', 'HorizontalPodAutoscaler'), undefined);
});
