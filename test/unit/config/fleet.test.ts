import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { EMBEDDED_FLEET, renderFleet } from '#shared/cli/commands/dev.ts';
import { clusterOfFile } from '#shared/config/fleet.ts';
import { findFleetKustomizations } from '#shared/config/kustomization.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { buildOptionsFromKustomization, renderKustomization } from '#shared/render/index.ts';
import { writeTree } from '#test/support/files.ts';

function fleet(t: TestContext, files: Record<string, string>): string {
  return writeTree(t, files, 'tideline-fleet-');
}

const kustomization = (name: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
spec:
  interval: 5m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: fleet
${extra}`;

test('files under clusters/<name>/ belong to that cluster, others to none', () => {
  // Prepare
  const files = ['clusters/prod-eu/apps.yaml', 'clusters/prod-eu/nested/apps.yaml', 'apps/base/web.yaml', 'clusters/readme.yaml'];
  // Act
  const clusters = files.map((file) => clusterOfFile(file));
  // Assess
  assert.deepEqual(clusters, ['prod-eu', 'prod-eu', undefined, undefined]);
});

test('Flux Kustomizations are found per cluster; kustomize files and objects outside clusters/ are not', async (t) => {
  // Prepare
  const root = fleet(t, {
    'clusters/dev/apps.yaml': kustomization('apps'),
    'clusters/prod/apps.yaml': `${kustomization('apps')}---\n${kustomization('infra')}`,
    'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
    'other/stray.yaml': kustomization('stray'),
  });
  // Act
  const found = await findFleetKustomizations(root);
  // Assess
  assert.deepEqual(
    found.map((k) => `${k.cluster}:${k.kustomization.metadata.name}`),
    ['dev:apps', 'prod:apps', 'prod:infra'],
  );
});

test('an invalid Flux Kustomization in the fleet is refused naming its file and field', async (t) => {
  // Prepare
  const root = fleet(t, { 'clusters/dev/apps.yaml': kustomization('apps', '  kubeConfig:\n    secretRef:\n      name: prod\n') });
  // Act
  const finding = findFleetKustomizations(root);
  // Assess
  await assert.rejects(
    finding,
    (error: unknown) => error instanceof InvalidInputError && /clusters\/dev\/apps\.yaml: Kustomization apps: spec\.kubeConfig/.test(error.message),
  );
});

test('the embedded example fleet renders with its Kustomization fields: target namespace and substitution', async () => {
  // Prepare
  const [entry] = await findFleetKustomizations(EMBEDDED_FLEET);
  assert.ok(entry);
  // Act
  const rendered = await renderKustomization({
    root: EMBEDDED_FLEET,
    path: entry.kustomization.spec.path ?? '.',
    flux: buildOptionsFromKustomization(entry.kustomization.spec),
  });
  const [summary] = await renderFleet(EMBEDDED_FLEET);
  // Assess
  assert.deepEqual(new Set(rendered.objects.map((o) => o.namespace)), new Set(['shop']));
  assert.match(rendered.yaml, /- name: ENVIRONMENT\n {10}value: dev\n/);
  assert.deepEqual(summary, {
    cluster: 'dev',
    kustomization: 'flux-system/apps',
    path: './apps/dev',
    objects: 3,
    kinds: { ConfigMap: 1, Service: 1, Deployment: 1 },
    digest: rendered.digest,
  });
});
