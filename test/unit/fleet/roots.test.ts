import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { findClusterRoots } from '#shared/fleet/index.ts';
import { rejection } from '#test/support/assert.ts';
import { writeTree } from '#test/support/files.ts';
import { FLEET_SOURCE } from './objects.ts';
import { fixture } from './walk.ts';

const bootstrap = { source: { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'fleet' } };

function repo(t: TestContext, files: Record<string, string>): string {
  return writeTree(t, files, 'tideline-roots-');
}

test("a cluster bootstrapped by Flux has gotk-sync.yaml's Kustomization and GitRepository as its root: production follows a tag, staging a branch", async () => {
  // Act
  const roots = await findClusterRoots(fixture('kustomize-helm'), { source: FLEET_SOURCE });
  // Assess
  assert.deepEqual(
    roots.map((r) => `${r.cluster} ${r.origin} ${r.file}`),
    ['production bootstrap clusters/production/flux-system/gotk-sync.yaml', 'staging bootstrap clusters/staging/flux-system/gotk-sync.yaml'],
  );
  const [production, staging] = roots;
  assert.equal(production?.kustomization.spec.interval, '10m0s');
  assert.equal(production?.kustomization.spec.path, './clusters/production');
  assert.deepEqual(production?.gitRepository?.spec['ref'], { tag: 'v1.4.0' });
  assert.deepEqual(staging?.gitRepository?.spec['ref'], { branch: 'main' });
  assert.equal(staging?.gitRepositoryFile, 'clusters/staging/flux-system/gotk-sync.yaml');
});

test('a cluster directory without a bootstrap gets the root flux bootstrap would write, following the bootstrap source', async (t) => {
  // Prepare
  const dir = repo(t, { 'clusters/dev/apps.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', 'clusters/README.md': 'fleet' });
  // Act
  const roots = await findClusterRoots(dir, bootstrap);
  // Assess
  assert.equal(roots.length, 1);
  assert.equal(roots[0]?.origin, 'synthetic');
  assert.deepEqual(roots[0]?.kustomization.metadata, { name: 'flux-system', namespace: 'flux-system' });
  assert.deepEqual(roots[0]?.kustomization.spec, {
    interval: '10m',
    path: './clusters/dev',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' },
  });
});

test('any Kustomization of the cluster directory whose path is that directory is its root; one pointing elsewhere is not', async (t) => {
  // Prepare
  const ks = (name: string, p: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: ${name}\nspec:\n  interval: 5m\n  path: ${p}\n  prune: false\n  sourceRef:\n    kind: GitRepository\n    name: ${name}\n`;
  const dir = repo(t, { 'clusters/edge/sync.yaml': ks('gitops', 'clusters/edge/'), 'clusters/lab/apps.yaml': ks('apps', './apps') });
  // Act
  const roots = await findClusterRoots(dir, bootstrap);
  // Assess
  assert.deepEqual(
    roots.map((r) => `${r.cluster} ${r.origin} ${r.kustomization.metadata.namespace}/${r.kustomization.metadata.name}`),
    ['edge bootstrap gitops/gitops', 'lab synthetic flux-system/flux-system'],
  );
  assert.equal(roots[0]?.gitRepository, undefined, 'its GitRepository is defined elsewhere');
});

test('a checkout without clusters/ is a NotFoundError', async (t) => {
  // Prepare
  const empty = repo(t, { 'README.md': 'nothing' });
  // Act
  const missing = await rejection(findClusterRoots(empty, bootstrap));
  // Assess
  assert.ok(missing instanceof NotFoundError);
});

test('a root Kustomization without an interval is refused as an InvalidInputError naming its file', async (t) => {
  // Prepare
  const broken = repo(t, {
    'clusters/dev/flux-system/gotk-sync.yaml':
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\nspec:\n  path: ./clusters/dev\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
  });
  // Act
  const invalid = await rejection(findClusterRoots(broken, bootstrap));
  // Assess
  assert.ok(invalid instanceof InvalidInputError);
  assert.match(invalid.message, /^clusters\/dev\/flux-system\/gotk-sync\.yaml: Kustomization flux-system: spec\.interval/);
});
