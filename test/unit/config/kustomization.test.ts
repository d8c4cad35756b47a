import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationToMs } from '#shared/config/duration.ts';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

function kustomization(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'apps' }): unknown {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata,
    spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, ...spec },
  };
}

test('a Flux Kustomization parses with the namespace defaulted as Flux does', () => {
  // Act
  const parsed = parseKustomization(kustomization({ path: './apps/dev', targetNamespace: 'shop', postBuild: { substitute: { env: 'dev' } } }));

  // Assess
  assert.equal(parsed.metadata.namespace, 'flux-system');
  assert.equal(parsed.spec.targetNamespace, 'shop');
  assert.deepEqual(parsed.spec.postBuild?.substitute, { env: 'dev' });
});

test('a known but unsupported Flux field is refused by name with the reason and the file', () => {
  // Act and assess
  assert.throws(
    () => parseKustomization(kustomization({ kubeConfig: { secretRef: { name: 'prod' } } }), 'clusters/dev/apps.yaml'),
    (error: unknown) =>
      error instanceof InvalidInputError &&
      error.message.startsWith('clusters/dev/apps.yaml: Kustomization apps: spec.kubeConfig is not supported') &&
      /cluster registry/.test(error.message),
  );
});

test('an unknown field is named in the error, including keys that exist on every JS object', () => {
  // Act and assess
  assert.throws(() => parseKustomization(kustomization({ prunee: true })), /unknown field\(s\) spec\.prunee/);
  assert.throws(() => parseKustomization(kustomization({ constructor: 'x' })), /unknown field\(s\) spec\.constructor/);
});

test('a missing required field is named', () => {
  // Prepare
  const value = kustomization({});
  delete (value as { spec: Record<string, unknown> }).spec.prune;

  // Act and assess
  assert.throws(() => parseKustomization(value), /Kustomization apps: spec\.prune:/);
});

test('durations add up their units as Go durations do', () => {
  // Act
  const hourAndHalf = durationToMs('1h30m');
  const seconds = durationToMs('90s');
  const millis = durationToMs('250ms');

  // Assess
  assert.equal(hourAndHalf, 5_400_000);
  assert.equal(seconds, 90_000);
  assert.equal(millis, 250);
  // Act and assess
  assert.throws(() => parseKustomization(kustomization({ interval: 'ten minutes' })), /spec\.interval: a duration/);
});

test('newer Flux fields Tideline does not implement are refused by name, not as unknown', () => {
  for (const [field, value, reason] of [['buildMetadata', ['originAnnotations'], /buildMetadata .* is not supported/]] as const) {
    // Act and assess
    assert.throws(
      () =>
        parseKustomization({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'apps', namespace: 'flux-system' },
          spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' }, [field]: value },
        }),
      (error: unknown) => error instanceof InvalidInputError && error.message.includes(`spec.${field} is not supported`) && reason.test(error.message),
    );
  }
});

test('drift ignore rules are read with their targets; a path that is not a JSON pointer is refused naming the field', () => {
  // Prepare
  const base = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' } };
  const spec = { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } };
  // Act
  const parsed = parseKustomization({
    ...base,
    spec: { ...spec, ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaled=true' } }] },
  });
  // Assess
  assert.deepEqual(parsed.spec.ignore, [{ paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaled=true' } }]);
  // Act and assess
  assert.throws(
    () => parseKustomization({ ...base, spec: { ...spec, ignore: [{ paths: ['spec.replicas'] }] } }),
    (error: unknown) => error instanceof InvalidInputError && /spec\.ignore\.0\.paths\.0/.test(error.message),
  );
});
