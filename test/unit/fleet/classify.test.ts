import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { classifyRendered, describeUnsupported } from '#shared/fleet/index.ts';
import type { KubeObject } from '#shared/kube/objects.ts';
import { alert, configMap, gitRepository, kustomization } from './objects.ts';

const where = { cluster: 'dev', owner: 'flux-system/flux-system', file: './clusters/dev' };

const fluxLabels = { 'app.kubernetes.io/instance': 'flux-system', 'app.kubernetes.io/part-of': 'flux', 'app.kubernetes.io/version': 'v2.7.3' };

/** A bundle holding Flux's own controllers, a trimmed CRD copy without labels, and one look-alike workload object. */
const fluxInstall: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system', labels: fluxLabels } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'kustomize-controller', namespace: 'flux-system', labels: { ...fluxLabels, 'app.kubernetes.io/component': 'kustomize-controller' } },
  },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kustomize-controller', namespace: 'flux-system', labels: fluxLabels } },
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gitrepositories.source.toolkit.fluxcd.io' },
    spec: { group: 'source.toolkit.fluxcd.io' },
  } as KubeObject,
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboard', namespace: 'monitoring', labels: { 'app.kubernetes.io/part-of': 'flux' } } },
];

/** Flux kinds Tideline does not build yet, a Kustomization following an OCI source, and one workload object. */
const notBuiltYet: KubeObject[] = [
  { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'podinfo', namespace: 'podinfo' } },
  { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'podinfo', namespace: 'podinfo' } },
  { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImagePolicy', metadata: { name: 'web', namespace: 'flux-system' } },
  { apiVersion: 'source.extensions.fluxcd.io/v1beta1', kind: 'ArtifactGenerator', metadata: { name: 'apps', namespace: 'flux-system' } },
  kustomization('kyverno-controller', { sourceRef: { kind: 'OCIRepository', name: 'kyverno' } }),
  configMap('settings'),
];

/** The names of the Kustomizations a classification found, in order. */
function kustomizationNames(classified: ReturnType<typeof classifyRendered>): string[] {
  return classified.config.kustomizations.map((k) => k.object.metadata.name);
}

/** The names of the workload objects of a classification, in order. */
function workloadNames(classified: ReturnType<typeof classifyRendered>): string[] {
  return classified.workload.map((o) => o.metadata.name);
}

function classifyWithBrokenApps(): ReturnType<typeof classifyRendered> {
  const objects = [kustomization('apps', { interval: 'soon' }), kustomization('infra'), configMap('settings')];
  return classifyRendered(objects, { ...where, fileOf: (object) => (object.metadata.name === 'apps' ? 'clusters/dev/apps.yaml' : undefined) });
}

test('Flux objects become configuration and never reach the workload', () => {
  // Prepare
  const objects = [kustomization('apps'), gitRepository('tenant', 'apps'), alert('errors'), configMap('settings')];
  // Act
  const classified = classifyRendered(objects, where);
  // Assess
  assert.deepEqual(kustomizationNames(classified), ['apps']);
  assert.deepEqual(
    classified.config.gitRepositories.map((r) => `${r.object.metadata.namespace}/${r.object.metadata.name}`),
    ['apps/tenant'],
  );
  assert.deepEqual(
    classified.config.alerts.map((a) => a.object.spec.eventSeverity),
    ['error'],
  );
  assert.deepEqual(workloadNames(classified), ['settings']);
});

test("Flux's own controllers, a trimmed CRD copy among them, are skipped with one summary line", () => {
  // Act
  const classified = classifyRendered(fluxInstall, where);
  // Assess
  assert.equal(classified.fluxComponents.count, 4);
  assert.equal(
    classified.fluxComponents.summary,
    "skipped 4 objects of Flux's own controllers (./clusters/dev, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
  );
});

test("the ServiceAccounts of Flux's own controllers are named", () => {
  // Act
  const classified = classifyRendered(fluxInstall, where);
  // Assess
  assert.deepEqual(classified.fluxComponents.serviceAccounts, ['flux-system/kustomize-controller']);
});

test("an object labelled part-of flux without Flux's instance label is workload", () => {
  // Act
  const classified = classifyRendered(fluxInstall, where);
  // Assess
  assert.deepEqual(workloadNames(classified), ['dashboard']);
});

test('Flux kinds not built yet are listed by name and kept out of configuration and workload', () => {
  // Act
  const classified = classifyRendered(notBuiltYet, where);
  // Assess
  assert.deepEqual(
    classified.unsupported.map((u) => `${u.kind} ${u.namespace}/${u.name}`),
    [
      'HelmRelease podinfo/podinfo',
      'HelmRepository podinfo/podinfo',
      'ImagePolicy flux-system/web',
      'ArtifactGenerator flux-system/apps',
      'Kustomization flux-system/kyverno-controller',
    ],
  );
  assert.deepEqual(workloadNames(classified), ['settings']);
  assert.equal(classified.config.kustomizations.length, 0);
});

test('an unsupported object is described by kind, name, file and why', () => {
  // Prepare
  const [helmRelease] = classifyRendered(notBuiltYet, where).unsupported;
  assert.ok(helmRelease);
  // Act
  const description = describeUnsupported(helmRelease);
  // Assess
  assert.equal(description, 'HelmRelease podinfo/podinfo (./clusters/dev): not supported yet: Helm releases are not supported yet');
});

test('a Kustomization following an OCI source is unsupported, the reason naming the source', () => {
  // Act
  const classified = classifyRendered([kustomization('kyverno-controller', { sourceRef: { kind: 'OCIRepository', name: 'kyverno' } })], where);
  // Assess
  assert.equal(classified.unsupported.length, 1);
  assert.match(classified.unsupported[0]?.reason ?? '', /follows OCIRepository kyverno: OCI sources are not supported yet/);
});

test('an invalid Flux object is an InvalidInputError naming its file and the object', () => {
  // Act
  const classified = classifyWithBrokenApps();
  // Assess
  assert.equal(classified.errors.length, 1);
  assert.ok(classified.errors[0] instanceof InvalidInputError);
  assert.match(classified.errors[0].message, /^clusters\/dev\/apps\.yaml: Kustomization apps: spec\.interval/);
  assert.deepEqual(classified.invalid, [{ kind: 'Kustomization', name: 'apps', namespace: 'flux-system' }]);
});

test('an invalid Flux object leaves the rest of the bundle classified', () => {
  // Act
  const classified = classifyWithBrokenApps();
  // Assess
  assert.deepEqual(kustomizationNames(classified), ['infra']);
  assert.deepEqual(workloadNames(classified), ['settings']);
});

test('a GitRepository is validated by the injected parser when one is given', () => {
  // Prepare
  const parseGitRepository = (value: unknown, file: string): unknown => {
    throw new InvalidInputError(`GitRepository ${(value as KubeObject).metadata.name}: spec.url: ssh:// URLs are not supported`, { source: { file } });
  };
  // Act
  const classified = classifyRendered([gitRepository('fleet')], { ...where, file: 'clusters/dev/source.yaml' }, { parseGitRepository });
  // Assess
  assert.equal(classified.config.gitRepositories.length, 0);
  assert.match(classified.errors[0]?.message ?? '', /^clusters\/dev\/source\.yaml: GitRepository fleet: spec\.url: ssh/);
});
