import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { classifyRendered, describeUnsupported } from '#shared/fleet/index.ts';
import type { KubeObject } from '#shared/kube/objects.ts';
import { alert, configMap, gitRepository, kustomization } from './objects.ts';

const where = { cluster: 'dev', owner: 'flux-system/flux-system', file: './clusters/dev' };

const fluxLabels = { 'app.kubernetes.io/instance': 'flux-system', 'app.kubernetes.io/part-of': 'flux', 'app.kubernetes.io/version': 'v2.7.3' };

test('Flux objects become configuration and never reach the workload', () => {
  const objects = [kustomization('apps'), gitRepository('tenant', 'apps'), alert('errors'), configMap('settings')];

  const classified = classifyRendered(objects, where);

  assert.deepEqual(classified.config.kustomizations.map((k) => k.object.metadata.name), ['apps']);
  assert.deepEqual(classified.config.gitRepositories.map((r) => `${r.object.metadata.namespace}/${r.object.metadata.name}`), ['apps/tenant']);
  assert.equal(classified.config.alerts[0]?.object.spec.eventSeverity, 'error');
  assert.deepEqual(classified.workload.map((o) => o.metadata.name), ['settings']);
});

test("Flux's own controllers are skipped with one summary line, and their ServiceAccounts are named", () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system', labels: fluxLabels } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kustomize-controller', namespace: 'flux-system', labels: { ...fluxLabels, 'app.kubernetes.io/component': 'kustomize-controller' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kustomize-controller', namespace: 'flux-system', labels: fluxLabels } },
    // A trimmed CRD copy without Flux's labels is still Flux's.
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gitrepositories.source.toolkit.fluxcd.io' }, spec: { group: 'source.toolkit.fluxcd.io' } } as KubeObject,
    // An object merely labelled part-of flux by its owner, without Flux's instance label, is workload.
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboard', namespace: 'monitoring', labels: { 'app.kubernetes.io/part-of': 'flux' } } },
  ];

  const classified = classifyRendered(objects, where);

  assert.equal(classified.fluxComponents.count, 4);
  assert.equal(
    classified.fluxComponents.summary,
    "skipped 4 objects of Flux's own controllers (./clusters/dev, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
  );
  assert.deepEqual(classified.fluxComponents.serviceAccounts, ['flux-system/kustomize-controller']);
  assert.deepEqual(classified.workload.map((o) => o.metadata.name), ['dashboard']);
});

test('Flux kinds not built yet are listed by name, a Kustomization following an OCI source among them', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'podinfo', namespace: 'podinfo' } },
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'podinfo', namespace: 'podinfo' } },
    { apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImagePolicy', metadata: { name: 'web', namespace: 'flux-system' } },
    { apiVersion: 'source.extensions.fluxcd.io/v1beta1', kind: 'ArtifactGenerator', metadata: { name: 'apps', namespace: 'flux-system' } },
    kustomization('kyverno-controller', { sourceRef: { kind: 'OCIRepository', name: 'kyverno' } }),
    configMap('settings'),
  ];

  const classified = classifyRendered(objects, where);

  assert.deepEqual(
    classified.unsupported.map((u) => `${u.kind} ${u.namespace}/${u.name}`),
    ['HelmRelease podinfo/podinfo', 'HelmRepository podinfo/podinfo', 'ImagePolicy flux-system/web', 'ArtifactGenerator flux-system/apps', 'Kustomization flux-system/kyverno-controller'],
  );
  assert.equal(describeUnsupported(classified.unsupported[0]!), 'HelmRelease podinfo/podinfo (./clusters/dev): not supported yet: Helm releases are not supported yet');
  assert.match(classified.unsupported[4]?.reason ?? '', /follows OCIRepository kyverno: OCI sources are not supported yet/);
  assert.deepEqual(classified.workload.map((o) => o.metadata.name), ['settings']);
  assert.equal(classified.config.kustomizations.length, 0);
});

test('an invalid Flux object is reported naming the object and file, and the rest of the bundle is still classified', () => {
  const broken = kustomization('apps', { interval: 'soon' });
  const objects = [broken, kustomization('infra'), configMap('settings')];

  const classified = classifyRendered(objects, { ...where, fileOf: (object) => (object.metadata.name === 'apps' ? 'clusters/dev/apps.yaml' : undefined) });

  assert.equal(classified.errors.length, 1);
  assert.ok(classified.errors[0] instanceof InvalidInputError);
  assert.match(classified.errors[0].message, /^clusters\/dev\/apps\.yaml: Kustomization apps: spec\.interval/);
  assert.deepEqual(classified.invalid, [{ kind: 'Kustomization', name: 'apps', namespace: 'flux-system' }]);
  assert.deepEqual(classified.config.kustomizations.map((k) => k.object.metadata.name), ['infra']);
  assert.deepEqual(classified.workload.map((o) => o.metadata.name), ['settings']);
});

test('a GitRepository is validated by the injected parser when one is given', () => {
  const parseGitRepository = (value: unknown, file: string): unknown => {
    throw new InvalidInputError(`GitRepository ${(value as KubeObject).metadata.name}: spec.url: ssh:// URLs are not supported`, { source: { file } });
  };

  const classified = classifyRendered([gitRepository('fleet')], { ...where, file: 'clusters/dev/source.yaml' }, { parseGitRepository });

  assert.equal(classified.config.gitRepositories.length, 0);
  assert.match(classified.errors[0]?.message ?? '', /^clusters\/dev\/source\.yaml: GitRepository fleet: spec\.url: ssh/);
});
