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

test("kustomize-controller's lockdown flags are read from its Deployment's args, in Go's flag forms", () => {
  assert.deepEqual(readKustomizeControllerOptions([controller(['--log-level=info', '--no-cross-namespace-refs=true', '--default-service-account=default', '--no-remote-bases'])]), {
    defaultServiceAccount: 'default',
    noCrossNamespaceRefs: true,
    noRemoteBases: true,
  });
  assert.deepEqual(readKustomizeControllerOptions([controller(['--default-service-account', 'tenant', '--no-cross-namespace-refs=false'])]), { defaultServiceAccount: 'tenant', noCrossNamespaceRefs: false });
  assert.equal(readKustomizeControllerOptions([]), undefined);
});

test("a Kustomization acts as its serviceAccountName, else the controller's default account, in its namespace", () => {
  const own = parseKustomization(kustomization('web', { serviceAccountName: 'dev-team' }, 'apps'));
  const plain = parseKustomization(kustomization('web', {}, 'apps'));

  assert.deepEqual(reconcileIdentity(own, { defaultServiceAccount: 'default' }), { impersonate: true, namespace: 'apps', name: 'dev-team', reason: 'spec.serviceAccountName' });
  assert.deepEqual(reconcileIdentity(plain, { defaultServiceAccount: 'default' }), { impersonate: true, namespace: 'apps', name: 'default', reason: "kustomize-controller's --default-service-account" });
  assert.equal(reconcileIdentity(plain).impersonate, false);
});

test("naming one of Flux's own controller accounts means Tideline's own identity", () => {
  const infra = parseKustomization(kustomization('kyverno', { serviceAccountName: 'kustomize-controller' }));

  const identity = reconcileIdentity(infra, { defaultServiceAccount: 'default' }, ['flux-system/kustomize-controller']);

  assert.deepEqual(identity, { impersonate: false, reason: "flux-system/kustomize-controller is one of Flux's own controllers, whose work Tideline does" });
});

test('a cross-namespace sourceRef is refused in Flux’s words when the fleet blocks such references', () => {
  const crossing = parseKustomization(kustomization('web', { sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' } }, 'apps'));

  assert.equal(crossNamespaceRefProblem(crossing, { noCrossNamespaceRefs: true }), "can't access 'GitRepository/flux-system/flux-system', cross-namespace references have been blocked");
  assert.equal(crossNamespaceRefProblem(crossing, {}), undefined);
  assert.equal(crossNamespaceRefProblem(parseKustomization(kustomization('web', {}, 'apps')), { noCrossNamespaceRefs: false }), undefined);
});
