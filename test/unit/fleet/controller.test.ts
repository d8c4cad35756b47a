import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { crossNamespaceRefProblem, readKustomizeControllerOptions, reconcileIdentity } from '#shared/fleet/index.ts';
import type { KubeObject } from '#shared/kube/objects.ts';
import { kustomization } from './objects.ts';

function controller(args: string[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'kustomize-controller', namespace: 'flux-system' },
    spec: { template: { spec: { containers: [{ name: 'manager', args }] } } },
  } as KubeObject;
}

test("kustomize-controller's lockdown flags are read from its Deployment's args in the --flag=value and bare --flag forms", () => {
  // Prepare
  const deployment = controller(['--log-level=info', '--no-cross-namespace-refs=true', '--default-service-account=default', '--no-remote-bases']);
  // Act
  const options = readKustomizeControllerOptions([deployment]);
  // Assess
  assert.deepEqual(options, { defaultServiceAccount: 'default', noCrossNamespaceRefs: true, noRemoteBases: true });
});

test("kustomize-controller's flags are read in the --flag value form, and =false turns a boolean off", () => {
  // Prepare
  const deployment = controller(['--default-service-account', 'tenant', '--no-cross-namespace-refs=false']);
  // Act
  const options = readKustomizeControllerOptions([deployment]);
  // Assess
  assert.deepEqual(options, { defaultServiceAccount: 'tenant', noCrossNamespaceRefs: false });
});

test('a fleet without a kustomize-controller Deployment has no controller options', () => {
  // Act
  const options = readKustomizeControllerOptions([]);
  // Assess
  assert.equal(options, undefined);
});

test('a Kustomization with a serviceAccountName acts as that account in its namespace', () => {
  // Prepare
  const own = parseKustomization(kustomization('web', { serviceAccountName: 'dev-team' }, 'apps'));
  // Act
  const identity = reconcileIdentity(own, { defaultServiceAccount: 'default' });
  // Assess
  assert.deepEqual(identity, { impersonate: true, namespace: 'apps', name: 'dev-team', reason: 'spec.serviceAccountName' });
});

test("a Kustomization without a serviceAccountName acts as the controller's default account in its namespace", () => {
  // Prepare
  const plain = parseKustomization(kustomization('web', {}, 'apps'));
  // Act
  const identity = reconcileIdentity(plain, { defaultServiceAccount: 'default' });
  // Assess
  assert.deepEqual(identity, { impersonate: true, namespace: 'apps', name: 'default', reason: "kustomize-controller's --default-service-account" });
});

test('a Kustomization without a serviceAccountName nor a default account impersonates no one', () => {
  // Prepare
  const plain = parseKustomization(kustomization('web', {}, 'apps'));
  // Act
  const identity = reconcileIdentity(plain);
  // Assess
  assert.equal(identity.impersonate, false);
});

test("naming one of Flux's own controller accounts means Tideline's own identity", () => {
  // Prepare
  const infra = parseKustomization(kustomization('kyverno', { serviceAccountName: 'kustomize-controller' }));
  // Act
  const identity = reconcileIdentity(infra, { defaultServiceAccount: 'default' }, ['flux-system/kustomize-controller']);
  // Assess
  assert.deepEqual(identity, { impersonate: false, reason: "flux-system/kustomize-controller is one of Flux's own controllers, whose work Tideline does" });
});

test('a cross-namespace sourceRef is refused in Flux’s words when the fleet blocks such references', () => {
  // Prepare
  const crossing = parseKustomization(kustomization('web', { sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' } }, 'apps'));
  // Act
  const problem = crossNamespaceRefProblem(crossing, { noCrossNamespaceRefs: true });
  // Assess
  assert.equal(problem, "can't access 'GitRepository/flux-system/flux-system', cross-namespace references have been blocked");
});

test('a cross-namespace sourceRef is allowed when the fleet does not block such references', () => {
  // Prepare
  const crossing = parseKustomization(kustomization('web', { sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' } }, 'apps'));
  // Act
  const problem = crossNamespaceRefProblem(crossing, {});
  // Assess
  assert.equal(problem, undefined);
});

test('a sourceRef in the same namespace is never a cross-namespace problem', () => {
  // Prepare
  const local = parseKustomization(kustomization('web', { sourceRef: { kind: 'GitRepository', name: 'shop' } }, 'apps'));
  // Act
  const problem = crossNamespaceRefProblem(local, { noCrossNamespaceRefs: true });
  // Assess
  assert.equal(problem, undefined);
});
