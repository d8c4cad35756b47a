// The fleet walk over fixture repos laid out like fluxcd/flux2-kustomize-helm-example and
// fluxcd/flux2-multi-tenancy, rendered by Tideline's real renderer.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  alerts,
  dependencyState,
  findClusterRoots,
  fluxControllerSettings,
  isFluxGroup,
  kustomizationsFollowing,
  kustomizationsOf,
  providers,
  reconcileAccess,
  resolveFleetTree,
  receivers,
  sourcesOf,
  unsupportedObjects,
  type DependencyStatus,
  type ResolvedFleet,
} from '#shared/fleet/index.ts';
import { TransientError } from '#shared/errors/index.ts';
import { parseManifests } from '#shared/kube/manifests.ts';
import { groupOf } from '#shared/kube/objects.ts';
import { renderKustomization } from '#shared/render/index.ts';
import { writeTree } from '#test/support/files.ts';
import { FLEET_SOURCE } from './objects.ts';
import { fixture, walkFleet } from './walk.ts';

// Each layout is walked once and its result shared: the walk is what is under test, and its result
// is only read.
let helmWalk: ReturnType<typeof walkFleet> | undefined;
let tenancyWalk: ReturnType<typeof walkFleet> | undefined;
const helmFleet = () => (helmWalk ??= walkFleet({ 'flux-system/flux-system': fixture('kustomize-helm') }, { source: FLEET_SOURCE }));
const tenancyDirs = (fleetDir = fixture('multi-tenancy')) => ({ 'flux-system/flux-system': fleetDir, 'apps/dev-team': fixture('dev-team-repo') });
const tenancyFleet = () => (tenancyWalk ??= walkFleet(tenancyDirs(), { source: FLEET_SOURCE }));

/** The render of Kustomization `key` in `cluster` among a walk's renders, if any. */
function renderOf<R extends { cluster: string; key: string }>(renders: R[], cluster: string, key: string): R | undefined {
  return renders.find((r) => r.cluster === cluster && r.key === key);
}

function copyFixture(t: TestContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

function writeRepo(t: TestContext, files: Record<string, string>): string {
  return writeTree(t, files, 'tideline-fleet-');
}

/** A fleet repo with cluster dup (two layers defining Kustomization shared) and cluster loop (apps → web → apps). */
function walkDuplicatesAndCycles(t: TestContext): ReturnType<typeof walkFleet> {
  const ks = (name: string, target: string, interval = '5m') =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: ${interval}\n  path: ${target}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n`;
  const dir = writeRepo(t, {
    'clusters/dup/layers.yaml': `${ks('a', './dup/a')}---\n${ks('b', './dup/b')}`,
    'dup/a/shared.yaml': ks('shared', './dup/shared'),
    'dup/b/shared.yaml': ks('shared', './dup/other'),
    'dup/shared/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: default\n',
    'clusters/loop/apps.yaml': ks('apps', './loop/apps'),
    'loop/apps/web.yaml': ks('web', './loop/web'),
    'loop/web/apps.yaml': ks('apps', './loop/apps', '1h'),
  });
  return walkFleet({ 'flux-system/fleet': dir }, { source: { kind: 'GitRepository', namespace: 'flux-system', name: 'fleet' } });
}

/** Cluster dev with Kustomization web on the fleet source, orphan on an undefined source, shop on a source whose fetch fails. */
async function resolveWithBrokenSources(t: TestContext): Promise<ResolvedFleet> {
  const ks = (name: string, source: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./${name}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: ${source}\n`;
  const repoOf = (name: string) =>
    `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://git.example.com/${name}.git\n  ref:\n    branch: main\n`;
  const dir = writeRepo(t, {
    'clusters/dev/layers.yaml': [ks('web', 'fleet'), ks('orphan', 'nowhere'), ks('shop', 'down'), repoOf('down')].join('---\n'),
    'web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\n',
  });
  const bootstrap = { source: { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'fleet' } };
  const roots = await findClusterRoots(dir, bootstrap);
  return resolveFleetTree({
    roots,
    bootstrap,
    checkout: async ({ source }) => {
      if (source.name === 'down') throw new TransientError('GET https://git.example.com/down.git/info/refs: connection refused');
      return { dir, revision: 'main@sha1:1111111111111111111111111111111111111111' };
    },
    render: async ({ kustomization }) => parseManifests((await renderKustomization({ root: dir, path: kustomization.spec.path ?? '.' })).yaml, 'rendered'),
  });
}

test('kustomize-helm layout: every Kustomization of each cluster is found with its parent and file', async () => {
  // Act
  const { snapshot, problems } = await helmFleet();
  // Assess
  assert.deepEqual(problems, []);
  for (const cluster of ['production', 'staging']) {
    const tree = snapshot.clusters[cluster];
    assert.deepEqual(
      kustomizationsOf(snapshot, cluster).map((k) => `${k.key} ← ${tree?.kustomizations[k.key]?.parent ?? '(root)'} ${tree?.kustomizations[k.key]?.file}`),
      [
        `flux-system/apps ← flux-system/flux-system clusters/${cluster}/apps.yaml`,
        `flux-system/flux-system ← (root) clusters/${cluster}/flux-system/gotk-sync.yaml`,
        `flux-system/infra-configs ← flux-system/flux-system clusters/${cluster}/infrastructure.yaml`,
        `flux-system/infra-controllers ← flux-system/flux-system clusters/${cluster}/infrastructure.yaml`,
      ],
    );
  }
});

test('kustomize-helm layout: each cluster renders at the revision of its own ref, production a tag and staging a branch', async () => {
  // Act
  const { snapshot } = await helmFleet();
  // Assess
  assert.match(snapshot.clusters['production']?.kustomizations['flux-system/apps']?.revision ?? '', /^v1\.4\.0@sha1:[0-9a-f]{40}$/);
  assert.match(snapshot.clusters['staging']?.kustomizations['flux-system/apps']?.revision ?? '', /^main@sha1:[0-9a-f]{40}$/);
});

test("kustomize-helm layout: a found Kustomization keeps its cluster's spec, path and dependsOn", async () => {
  // Act
  const { snapshot } = await helmFleet();
  // Assess
  assert.equal(snapshot.clusters['production']?.kustomizations['flux-system/apps']?.object.spec.path, './apps/production');
  assert.deepEqual(snapshot.clusters['production']?.kustomizations['flux-system/infra-configs']?.object.spec.dependsOn, [{ name: 'infra-controllers' }]);
});

test('kustomize-helm layout: Helm objects are listed as not supported by name, file and the Kustomization rendering them', async () => {
  // Act
  const { snapshot } = await helmFleet();
  // Assess
  assert.deepEqual(
    unsupportedObjects(snapshot)
      .filter((u) => u.cluster === 'production')
      .map((u) => `${u.kind} ${u.namespace}/${u.name} (${u.file}) ← ${u.parent}`),
    [
      'HelmRelease cert-manager/cert-manager (infrastructure/controllers/cert-manager.yaml) ← flux-system/infra-controllers',
      'HelmRelease ingress-nginx/ingress-nginx (infrastructure/controllers/ingress-nginx.yaml) ← flux-system/infra-controllers',
      'HelmRelease podinfo/podinfo (apps/base/podinfo/release.yaml) ← flux-system/apps',
      'HelmRepository cert-manager/cert-manager (infrastructure/controllers/cert-manager.yaml) ← flux-system/infra-controllers',
      'HelmRepository ingress-nginx/ingress-nginx (infrastructure/controllers/ingress-nginx.yaml) ← flux-system/infra-controllers',
      'HelmRepository podinfo/podinfo (apps/base/podinfo/repository.yaml) ← flux-system/apps',
    ],
  );
});

test('kustomize-helm layout: next to the Helm objects, the rest of each layer is workload', async () => {
  // Act
  const { renders } = await helmFleet();
  // Assess
  const workload = (key: string) => renderOf(renders, 'production', key)?.classified.workload ?? [];
  assert.deepEqual(
    workload('flux-system/apps').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    ['Namespace//podinfo', 'ConfigMap/podinfo/podinfo-settings'],
  );
  assert.deepEqual(
    workload('flux-system/infra-controllers').map((o) => o.metadata.name),
    ['cert-manager', 'ingress-nginx'],
  );
});

test("kustomize-helm layout: each cluster's overlay shapes its workload (the ACME server of the issuer)", async () => {
  // Act
  const { renders } = await helmFleet();
  // Assess
  const issuer = (cluster: string) =>
    (renderOf(renders, cluster, 'flux-system/infra-configs')?.classified.workload[0] as { spec?: { acme?: { server?: string } } } | undefined)?.spec?.acme
      ?.server;
  assert.equal(issuer('production'), 'https://acme-v02.api.letsencrypt.org/directory');
  assert.equal(issuer('staging'), 'https://acme-staging-v02.api.letsencrypt.org/directory');
});

test("kustomize-helm layout: Flux's own controllers are skipped with one summary per cluster", async () => {
  // Act
  const { renders } = await helmFleet();
  // Assess
  const summaries = renders.map((r) => r.classified.fluxComponents.summary).filter((s) => s !== '');
  assert.deepEqual(summaries, [
    "skipped 22 objects of Flux's own controllers (./clusters/production, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
    "skipped 22 objects of Flux's own controllers (./clusters/staging, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
  ]);
});

test("kustomize-helm layout: the root renders only Flux objects, naming the ServiceAccounts of Flux's controllers", async () => {
  // Act
  const root = renderOf((await helmFleet()).renders, 'production', 'flux-system/flux-system');
  // Assess
  assert.deepEqual(root?.classified.workload, []);
  assert.deepEqual(root?.classified.fluxComponents.serviceAccounts, [
    'flux-system/helm-controller',
    'flux-system/kustomize-controller',
    'flux-system/notification-controller',
    'flux-system/source-controller',
  ]);
});

test('kustomize-helm layout: no Flux object is ever workload', async () => {
  // Act
  const everyWorkload = (await helmFleet()).renders.flatMap((r) => r.classified.workload);
  // Assess
  assert.ok(everyWorkload.length > 0, 'the layout has workload to look at');
  assert.deepEqual(
    everyWorkload.filter((o) => isFluxGroup(groupOf(o.apiVersion)) || o.metadata.namespace === 'flux-system'),
    [],
  );
});

test('kustomize-helm layout: notification objects shared by both clusters are read once, listing both clusters', async () => {
  // Act
  const { snapshot } = await helmFleet();
  // Assess
  assert.deepEqual(
    alerts(snapshot).items.map((a) => `${a.object.metadata.name} ${a.clusters.join(',')} ${a.file}`),
    ['fleet-errors production,staging infrastructure/configs/notifications.yaml'],
  );
  assert.deepEqual(
    providers(snapshot).items.map((p) => `${p.object.metadata.name} ${p.object.spec.type}`),
    ['slack slack'],
  );
  assert.deepEqual(
    receivers(snapshot).items.map((r) => `${r.object.metadata.name} ${r.clusters.join(',')}`),
    ['github-push production,staging'],
  );
});

test('kustomize-helm layout: each cluster follows its own flux-system source', async () => {
  // Act
  const { snapshot } = await helmFleet();
  // Assess
  assert.deepEqual(
    sourcesOf(snapshot).map((s) => `${s.source.name} ${JSON.stringify(s.gitRepository?.spec['ref'])} ${s.clusters.join(',')}`),
    ['flux-system {"tag":"v1.4.0"} production', 'flux-system {"branch":"main"} staging'],
  );
});

test("multi-tenancy layout: the tenant Kustomization is found below tenants, its file named and the production overlay's patch applied", async () => {
  // Act
  const { snapshot, problems } = await tenancyFleet();
  // Assess
  assert.deepEqual(problems, []);
  const tree = snapshot.clusters['production'];
  const tenant = tree?.kustomizations['apps/dev-team'];
  assert.equal(tenant?.parent, 'flux-system/tenants');
  assert.equal(tenant?.file, 'tenants/base/dev-team/sync.yaml');
  assert.equal(tenant?.object.spec.path, './production');
  assert.equal(tenant?.object.spec.serviceAccountName, 'dev-team');
  assert.equal(tree?.gitRepositories['apps/dev-team']?.parent, 'flux-system/tenants');
});

test('multi-tenancy layout: the tenant follows its own GitRepository, so a push to the fleet repo does not reach it', async () => {
  // Act
  const { snapshot } = await tenancyFleet();
  // Assess
  assert.deepEqual(
    kustomizationsFollowing(snapshot, { kind: 'GitRepository', namespace: 'apps', name: 'dev-team' }).map((k) => k.key),
    ['apps/dev-team'],
  );
  const fleetFollowers = kustomizationsFollowing(snapshot, FLEET_SOURCE).map((k) => k.key);
  assert.ok(fleetFollowers.includes('flux-system/tenants'), 'the fleet source has followers');
  assert.ok(!fleetFollowers.includes('apps/dev-team'));
});

test('multi-tenancy layout: the tenant renders from the tenant repo at its revision', async () => {
  // Act
  const { renders } = await tenancyFleet();
  // Assess
  const tenantRender = renders.find((r) => r.key === 'apps/dev-team');
  assert.match(tenantRender?.revision ?? '', /^dev-team@sha1:[0-9a-f]{40}$/);
  assert.deepEqual(
    tenantRender?.classified.workload.map(
      (o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${(o as { spec?: { replicas?: number } }).spec?.replicas}`,
    ),
    ['Deployment apps/podinfo 2'],
  );
});

test("multi-tenancy layout: the root takes its own kustomization's patch", async () => {
  // Act
  const { snapshot, renders } = await tenancyFleet();
  // Assess
  const root = renders.find((r) => r.key === 'flux-system/flux-system');
  assert.deepEqual(root?.changed, ['Kustomization/flux-system/flux-system']);
  assert.equal(snapshot.clusters['production']?.kustomizations['flux-system/flux-system']?.object.spec.serviceAccountName, 'kustomize-controller');
});

test('multi-tenancy layout: a Kustomization following an OCIRepository is listed as unsupported with its source, not reconciled', async () => {
  // Act
  const { snapshot } = await tenancyFleet();
  // Assess
  assert.deepEqual(
    unsupportedObjects(snapshot).map((u) => `${u.kind} ${u.namespace}/${u.name}: ${u.reason}`),
    [
      'Kustomization flux-system/kyverno-controller: it follows OCIRepository kyverno-controller: OCI sources are not supported yet (only GitRepository sources are)',
      'OCIRepository flux-system/kyverno-controller: OCI sources are not supported yet',
    ],
  );
});

test('multi-tenancy layout: tenants wait for kyverno-policies while it has not reconciled', async () => {
  // Prepare
  const { snapshot } = await tenancyFleet();
  // Act
  const state = dependencyState(snapshot, 'production', 'flux-system/tenants', () => undefined);
  // Assess
  assert.deepEqual(state, {
    state: 'waiting',
    reason: 'DependencyNotReady',
    message: "dependency 'flux-system/kyverno-policies' is not ready",
    dependency: 'flux-system/kyverno-policies',
  });
});

test('multi-tenancy layout: tenants go once kyverno-policies is Ready at the fleet revision', async () => {
  // Prepare
  const { snapshot } = await tenancyFleet();
  const revision = snapshot.clusters['production']?.kustomizations['flux-system/tenants']?.revision;
  assert.ok(revision, 'the snapshot records the tenants revision');
  const status: Record<string, DependencyStatus> = {
    'flux-system/kyverno-policies': { ready: true, lastAppliedRevision: revision, lastAttemptedRevision: revision },
  };
  // Act
  const state = dependencyState(snapshot, 'production', 'flux-system/tenants', (key) => status[key]);
  // Assess
  assert.deepEqual(state, { state: 'ready' });
});

test('multi-tenancy layout: the lockdown patched into the kustomize-controller Deployment is read', async () => {
  // Act
  const { snapshot } = await tenancyFleet();
  // Assess
  assert.deepEqual(fluxControllerSettings(snapshot, 'production').kustomizeController, {
    defaultServiceAccount: 'default',
    noCrossNamespaceRefs: true,
    noRemoteBases: true,
  });
});

test('multi-tenancy layout: the tenant acts as its own account', async () => {
  // Act
  const { snapshot } = await tenancyFleet();
  // Assess
  assert.deepEqual(reconcileAccess(snapshot, 'production', 'apps/dev-team'), {
    identity: { impersonate: true, namespace: 'apps', name: 'dev-team', reason: 'spec.serviceAccountName' },
  });
});

test("multi-tenancy layout: Kustomizations naming Flux's controller account act as Tideline's own identity", async () => {
  // Act
  const { snapshot } = await tenancyFleet();
  // Assess
  for (const key of ['flux-system/tenants', 'flux-system/flux-system']) {
    assert.equal(reconcileAccess(snapshot, 'production', key).identity.impersonate, false, key);
  }
});

test('a layer deleted from Git is removed from the tree with everything below it', async (t) => {
  // Prepare
  const dir = copyFixture(t, 'multi-tenancy');
  const first = await walkFleet(tenancyDirs(dir), { source: FLEET_SOURCE });
  rmSync(path.join(dir, 'clusters/production/tenants.yaml'));
  // Act
  const second = await walkFleet(tenancyDirs(dir), { source: FLEET_SOURCE }, first.snapshot);
  // Assess
  const root = second.renders.find((r) => r.key === 'flux-system/flux-system');
  assert.deepEqual(root?.removed.sort(), ['GitRepository/apps/dev-team', 'Kustomization/apps/dev-team', 'Kustomization/flux-system/tenants']);
  assert.deepEqual(Object.keys(second.snapshot.clusters['production']?.kustomizations ?? {}).sort(), [
    'flux-system/flux-system',
    'flux-system/kyverno',
    'flux-system/kyverno-policies',
  ]);
});

test('a Kustomization two layers of a fleet repo define is reported naming both files; the first definition is kept and renders', async (t) => {
  // Act
  const { snapshot, problems, renders } = await walkDuplicatesAndCycles(t);
  // Assess
  assert.deepEqual(
    problems.filter((p) => p.type === 'duplicate').map((p) => `${p.cluster} ${p.object} ${p.files?.join(' + ')}`),
    ['dup Kustomization/flux-system/shared dup/a/shared.yaml + dup/b/shared.yaml'],
  );
  assert.equal(snapshot.clusters['dup']?.kustomizations['flux-system/shared']?.object.spec.path, './dup/shared');
  assert.ok(
    renders.some((r) => r.cluster === 'dup' && r.key === 'flux-system/shared' && r.classified.workload.length === 1),
    'the kept definition renders',
  );
});

test('a cycle of Kustomizations in a fleet repo is reported by its chain and file; the first definition is kept', async (t) => {
  // Act
  const { snapshot, problems } = await walkDuplicatesAndCycles(t);
  // Assess
  assert.deepEqual(
    problems.map((p) => `${p.type} ${p.cluster}`),
    ['duplicate dup', 'cycle loop'],
  );
  assert.deepEqual(problems[1]?.files, ['loop/web/apps.yaml']);
  assert.match(problems[1]?.message ?? '', /flux-system\/apps → flux-system\/web → flux-system\/apps/);
  assert.equal(snapshot.clusters['loop']?.kustomizations['flux-system/apps']?.object.spec.interval, '5m');
});

test('a Kustomization whose source nobody defines, or whose source cannot be fetched, is reported with the cause', async (t) => {
  // Act
  const { problems } = await resolveWithBrokenSources(t);
  // Assess
  assert.deepEqual(
    problems.map((p) => `${p.type}: ${p.message}`),
    [
      'source-failed: Kustomization flux-system/shop: source GitRepository/flux-system/down: GET https://git.example.com/down.git/info/refs: connection refused',
      "source-not-found: Kustomization flux-system/orphan: Source 'GitRepository/nowhere' not found",
    ],
  );
});

test('the Kustomizations whose sources are fine still render when others’ sources are missing or failing', async (t) => {
  // Act
  const { renders } = await resolveWithBrokenSources(t);
  // Assess
  assert.deepEqual(
    renders.map((r) => `${r.key} ${r.classified.workload.length}`),
    ['flux-system/flux-system 0', 'flux-system/web 1'],
  );
});

test('a root whose own kustomization patches its spec is rendered again with the patched spec', async (t) => {
  // Prepare
  const dir = writeRepo(t, {
    'clusters/dev/flux-system/gotk-sync.yaml':
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/dev\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    'clusters/dev/flux-system/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\npatches:\n  - patch: |\n      - op: add\n        path: /spec/postBuild\n        value:\n          substitute:\n            greeting: hello\n    target:\n      kind: Kustomization\n      name: flux-system\n',
    'clusters/dev/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  message: ${greeting}\n',
  });
  // Act
  const { renders, problems } = await walkFleet({ 'flux-system/flux-system': dir }, { source: FLEET_SOURCE });
  // Assess
  assert.deepEqual(problems, []);
  assert.equal(renders.length, 1, 'one render per Kustomization, the last');
  assert.deepEqual(renders[0]?.changed, ['Kustomization/flux-system/flux-system']);
  assert.deepEqual((renders[0]?.classified.workload[0] as { data?: unknown }).data, { message: 'hello' });
});
