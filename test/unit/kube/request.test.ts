// Mapping a Flux Kustomization onto a reconcile request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { finalizeRequestFromKustomization, requestFromKustomization, serviceAccountUser } from '#shared/kube/index.ts';

const kustomization = (spec: Record<string, unknown>) =>
  parseKustomization({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'flux-system' },
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
  });

test('prune, force, wait, timeout, targetNamespace, order and health checks carry over', () => {
  // Prepare
  const spec = {
    force: true,
    wait: true,
    timeout: '2m',
    targetNamespace: 'shop',
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }],
  };
  // Act
  const request = requestFromKustomization(kustomization(spec), { objects: [], revision: 'main@sha1:abc', order: 5 });
  // Assess
  assert.deepEqual(request.owner, { name: 'apps', namespace: 'flux-system' });
  assert.equal(request.prune, true);
  assert.equal(request.force, true);
  assert.equal(request.wait, true);
  assert.equal(request.timeoutMs, 120_000);
  assert.equal(request.targetNamespace, 'shop');
  assert.equal(request.order, 5);
  assert.deepEqual(request.healthChecks, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }]);
});

test('without a timeout the interval bounds the health wait, as in Flux', () => {
  // Act
  const request = requestFromKustomization(kustomization({}), { objects: [], revision: 'r' });
  // Assess
  assert.equal(request.timeoutMs, 600_000);
});

test('a health check without apiVersion is refused naming the Kustomization', () => {
  // Prepare
  const kustomizationWithBadCheck = kustomization({ healthChecks: [{ kind: 'Deployment', name: 'web' }] });
  // Act
  const act = () => requestFromKustomization(kustomizationWithBadCheck, { objects: [], revision: 'r' });
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      /^Kustomization\.kustomize\.toolkit\.fluxcd\.io apps in ns flux-system: healthChecks entry Deployment web needs an apiVersion/.test(error.message),
  );
});

test('serviceAccountName carries over', () => {
  // Act
  const request = requestFromKustomization(kustomization({ serviceAccountName: 'deployer' }), { objects: [], revision: 'r' });
  // Assess
  assert.equal(request.serviceAccountName, 'deployer');
});

test('without serviceAccountName the request names no account', () => {
  // Act
  const request = requestFromKustomization(kustomization({}), { objects: [], revision: 'r' });
  // Assess
  assert.equal(request.serviceAccountName, undefined);
});

test("the account acted as is the one of the Kustomization's namespace", () => {
  // Act
  const user = serviceAccountUser('flux-system', 'deployer');
  // Assess
  assert.equal(user, 'system:serviceaccount:flux-system:deployer');
});

test('commonMetadata carries over', () => {
  // Act
  const request = requestFromKustomization(kustomization({ commonMetadata: { labels: { team: 'shop' }, annotations: { owner: 'shop@example.com' } } }), {
    objects: [],
    revision: 'r',
  });
  // Assess
  assert.deepEqual(request.commonMetadata, { labels: { team: 'shop' }, annotations: { owner: 'shop@example.com' } });
});

test('deletionPolicy, prune, timeout and the service account make the finalize request', () => {
  // Act
  const request = finalizeRequestFromKustomization(kustomization({ deletionPolicy: 'WaitForTermination', timeout: '90s', serviceAccountName: 'deployer' }));
  // Assess
  assert.deepEqual(request, {
    owner: { name: 'apps', namespace: 'flux-system' },
    prune: true,
    deletionPolicy: 'WaitForTermination',
    serviceAccountName: 'deployer',
    timeoutMs: 90_000,
  });
});

test('an unknown deletionPolicy is invalid input', () => {
  // Act
  const act = () => kustomization({ deletionPolicy: 'Later' });
  // Assess
  assert.throws(act, InvalidInputError);
});
