// The fleet walk over fixture repos laid out like fluxcd/flux2-kustomize-helm-example and
// fluxcd/flux2-multi-tenancy, rendered by Tideline's real renderer.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
} from '#shared/fleet/index.ts';
import { TransientError } from '#shared/errors/index.ts';
import { parseManifests } from '#shared/kube/manifests.ts';
import { groupOf } from '#shared/kube/objects.ts';
import { renderKustomization } from '#shared/render/index.ts';
import { FLEET_SOURCE } from './objects.ts';
import { fixture, walkFleet } from './walk.ts';

const helmFleet = () => walkFleet({ 'flux-system/flux-system': fixture('kustomize-helm') }, { source: FLEET_SOURCE });
const tenancyDirs = (fleetDir = fixture('multi-tenancy')) => ({ 'flux-system/flux-system': fleetDir, 'apps/dev-team': fixture('dev-team-repo') });
const tenancyFleet = () => walkFleet(tenancyDirs(), { source: FLEET_SOURCE });

function copyFixture(t: TestContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

test('kustomize-helm layout: every Kustomization of each cluster is found with its parent and file, rendered at its cluster’s revision', async () => {
  const { snapshot, problems } = await helmFleet();

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
  assert.match(snapshot.clusters['production']?.kustomizations['flux-system/apps']?.revision ?? '', /^v1\.4\.0@sha1:/);
  assert.match(snapshot.clusters['staging']?.kustomizations['flux-system/apps']?.revision ?? '', /^main@sha1:/);
  assert.equal(snapshot.clusters['production']?.kustomizations['flux-system/apps']?.object.spec.path, './apps/production');
  assert.deepEqual(snapshot.clusters['production']?.kustomizations['flux-system/infra-configs']?.object.spec.dependsOn, [{ name: 'infra-controllers' }]);
});

test('kustomize-helm layout: Helm objects are listed as not supported by name while the rest reconciles', async () => {
  const { snapshot, renders } = await helmFleet();

  assert.deepEqual(
    unsupportedObjects(snapshot).filter((u) => u.cluster === 'production').map((u) => `${u.kind} ${u.namespace}/${u.name} (${u.file}) ← ${u.parent}`),
    [
      'HelmRelease cert-manager/cert-manager (infrastructure/controllers/cert-manager.yaml) ← flux-system/infra-controllers',
      'HelmRelease ingress-nginx/ingress-nginx (infrastructure/controllers/ingress-nginx.yaml) ← flux-system/infra-controllers',
      'HelmRelease podinfo/podinfo (apps/base/podinfo/release.yaml) ← flux-system/apps',
      'HelmRepository cert-manager/cert-manager (infrastructure/controllers/cert-manager.yaml) ← flux-system/infra-controllers',
      'HelmRepository ingress-nginx/ingress-nginx (infrastructure/controllers/ingress-nginx.yaml) ← flux-system/infra-controllers',
      'HelmRepository podinfo/podinfo (apps/base/podinfo/repository.yaml) ← flux-system/apps',
    ],
  );
  const workload = (cluster: string, key: string) => renders.find((r) => r.cluster === cluster && r.key === key)?.classified.workload ?? [];
  assert.deepEqual(workload('production', 'flux-system/apps').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`), ['Namespace//podinfo', 'ConfigMap/podinfo/podinfo-settings']);
  assert.deepEqual(workload('production', 'flux-system/infra-controllers').map((o) => o.metadata.name), ['cert-manager', 'ingress-nginx']);
  const issuer = (cluster: string) => (workload(cluster, 'flux-system/infra-configs')[0] as { spec?: { acme?: { server?: string } } }).spec?.acme?.server;
  assert.equal(issuer('production'), 'https://acme-v02.api.letsencrypt.org/directory');
  assert.equal(issuer('staging'), 'https://acme-staging-v02.api.letsencrypt.org/directory');
});

test("kustomize-helm layout: Flux's own controllers are skipped with one summary per cluster and no Flux object is ever workload", async () => {
  const { renders } = await helmFleet();

  const summaries = renders.map((r) => r.classified.fluxComponents.summary).filter((s) => s !== '');
  assert.deepEqual(summaries, [
    "skipped 22 objects of Flux's own controllers (./clusters/production, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
    "skipped 22 objects of Flux's own controllers (./clusters/staging, rendered by Kustomization flux-system/flux-system): Tideline runs outside the cluster, so Flux's controllers, CRDs and namespace are not applied",
  ]);
  const root = renders.find((r) => r.cluster === 'production' && r.key === 'flux-system/flux-system');
  assert.deepEqual(root?.classified.workload, [], 'the root renders only Flux objects and Flux itself');
  assert.deepEqual(root?.classified.fluxComponents.serviceAccounts, ['flux-system/helm-controller', 'flux-system/kustomize-controller', 'flux-system/notification-controller', 'flux-system/source-controller']);
  const everyWorkload = renders.flatMap((r) => r.classified.workload);
  assert.ok(everyWorkload.length > 0);
  assert.deepEqual(everyWorkload.filter((o) => isFluxGroup(groupOf(o.apiVersion)) || o.metadata.namespace === 'flux-system'), []);
});

test('kustomize-helm layout: notification objects shared by both clusters are read once; each cluster follows its own flux-system source', async () => {
  const { snapshot } = await helmFleet();

  assert.deepEqual(alerts(snapshot).items.map((a) => `${a.object.metadata.name} ${a.clusters.join(',')} ${a.file}`), ['fleet-errors production,staging infrastructure/configs/notifications.yaml']);
  assert.deepEqual(providers(snapshot).items.map((p) => `${p.object.metadata.name} ${p.object.spec.type}`), ['slack slack']);
  assert.deepEqual(receivers(snapshot).items.map((r) => `${r.object.metadata.name} ${r.clusters.join(',')}`), ['github-push production,staging']);
  assert.deepEqual(
    sourcesOf(snapshot).map((s) => `${s.source.name} ${JSON.stringify(s.gitRepository?.spec['ref'])} ${s.clusters.join(',')}`),
    ['flux-system {"tag":"v1.4.0"} production', 'flux-system {"branch":"main"} staging'],
  );
});

test('multi-tenancy layout: the tenant Kustomization is found below tenants, follows its own GitRepository and renders from the tenant repo', async () => {
  const { snapshot, renders, problems } = await tenancyFleet();

  assert.deepEqual(problems, []);
  const tree = snapshot.clusters['production'];
  const tenant = tree?.kustomizations['apps/dev-team'];
  assert.equal(tenant?.parent, 'flux-system/tenants');
  assert.equal(tenant?.file, 'tenants/base/dev-team/sync.yaml');
  assert.equal(tenant?.object.spec.path, './production', "the production overlay's patch applies");
  assert.equal(tenant?.object.spec.serviceAccountName, 'dev-team');
  assert.equal(tree?.gitRepositories['apps/dev-team']?.parent, 'flux-system/tenants');
  assert.deepEqual(kustomizationsFollowing(snapshot, { kind: 'GitRepository', namespace: 'apps', name: 'dev-team' }).map((k) => k.key), ['apps/dev-team']);
  assert.ok(!kustomizationsFollowing(snapshot, FLEET_SOURCE).some((k) => k.key === 'apps/dev-team'), 'a push to the fleet repo does not reach the tenant');
  const tenantRender = renders.find((r) => r.key === 'apps/dev-team');
  assert.match(tenantRender?.revision ?? '', /^dev-team@sha1:/);
  assert.deepEqual(tenantRender?.classified.workload.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${(o as { spec?: { replicas?: number } }).spec?.replicas}`), ['Deployment apps/podinfo 2']);
});

test("multi-tenancy layout: the root takes its own kustomization's patch; a Kustomization following an OCIRepository is listed, not reconciled", async () => {
  const { snapshot, renders } = await tenancyFleet();

  const root = renders.find((r) => r.key === 'flux-system/flux-system');
  assert.deepEqual(root?.changed, ['Kustomization/flux-system/flux-system']);
  assert.equal(snapshot.clusters['production']?.kustomizations['flux-system/flux-system']?.object.spec.serviceAccountName, 'kustomize-controller');
  assert.deepEqual(unsupportedObjects(snapshot).map((u) => `${u.kind} ${u.namespace}/${u.name}: ${u.reason}`), [
    'Kustomization flux-system/kyverno-controller: it follows OCIRepository kyverno-controller: OCI sources are not supported yet (only GitRepository sources are)',
    'OCIRepository flux-system/kyverno-controller: OCI sources are not supported yet',
  ]);
});

test('multi-tenancy layout: tenants wait for kyverno-policies until it is Ready at the fleet revision', async () => {
  const { snapshot } = await tenancyFleet();
  const revision = snapshot.clusters['production']?.kustomizations['flux-system/tenants']?.revision;
  const status: Record<string, DependencyStatus> = {};

  const before = dependencyState(snapshot, 'production', 'flux-system/tenants', (key) => status[key]);
  status['flux-system/kyverno-policies'] = { ready: true, lastAppliedRevision: revision, lastAttemptedRevision: revision };
  const after = dependencyState(snapshot, 'production', 'flux-system/tenants', (key) => status[key]);

  assert.deepEqual(before, { state: 'waiting', reason: 'DependencyNotReady', message: "dependency 'flux-system/kyverno-policies' is not ready", dependency: 'flux-system/kyverno-policies' });
  assert.deepEqual(after, { state: 'ready' });
});

test("multi-tenancy layout: the lockdown patched into kustomize-controller holds: tenants act as their own account, Flux's account means Tideline's own", async () => {
  const { snapshot } = await tenancyFleet();

  assert.deepEqual(fluxControllerSettings(snapshot, 'production').kustomizeController, { defaultServiceAccount: 'default', noCrossNamespaceRefs: true, noRemoteBases: true });
  assert.deepEqual(reconcileAccess(snapshot, 'production', 'apps/dev-team'), { identity: { impersonate: true, namespace: 'apps', name: 'dev-team', reason: 'spec.serviceAccountName' } });
  assert.equal(reconcileAccess(snapshot, 'production', 'flux-system/tenants').identity.impersonate, false);
  assert.equal(reconcileAccess(snapshot, 'production', 'flux-system/flux-system').identity.impersonate, false);
});

test('a layer deleted from Git is removed from the tree with everything below it', async (t) => {
  const dir = copyFixture(t, 'multi-tenancy');
  const first = await walkFleet(tenancyDirs(dir), { source: FLEET_SOURCE });
  rmSync(path.join(dir, 'clusters/production/tenants.yaml'));

  const second = await walkFleet(tenancyDirs(dir), { source: FLEET_SOURCE }, first.snapshot);

  const root = second.renders.find((r) => r.key === 'flux-system/flux-system');
  assert.deepEqual(root?.removed.sort(), ['GitRepository/apps/dev-team', 'Kustomization/apps/dev-team', 'Kustomization/flux-system/tenants']);
  assert.deepEqual(Object.keys(second.snapshot.clusters['production']?.kustomizations ?? {}).sort(), ['flux-system/flux-system', 'flux-system/kyverno', 'flux-system/kyverno-policies']);
});

test('duplicates and cycles in a fleet repo are reported with their files, and the rest of the tree is still walked', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ks = (name: string, target: string, interval = '5m') =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: ${interval}\n  path: ${target}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: fleet\n`;
  const files: Record<string, string> = {
    'clusters/dup/layers.yaml': `${ks('a', './dup/a')}---\n${ks('b', './dup/b')}`,
    'dup/a/shared.yaml': ks('shared', './dup/shared'),
    'dup/b/shared.yaml': ks('shared', './dup/other'),
    'dup/shared/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: default\n',
    'clusters/loop/apps.yaml': ks('apps', './loop/apps'),
    'loop/apps/web.yaml': ks('web', './loop/web'),
    'loop/web/apps.yaml': ks('apps', './loop/apps', '1h'),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }

  const { snapshot, problems, renders } = await walkFleet({ 'flux-system/fleet': dir }, { source: { kind: 'GitRepository', namespace: 'flux-system', name: 'fleet' } });

  assert.deepEqual(problems.map((p) => `${p.type} ${p.cluster} ${p.object} ${p.files?.join(' + ')}`), [
    'duplicate dup Kustomization/flux-system/shared dup/a/shared.yaml + dup/b/shared.yaml',
    'cycle loop Kustomization/flux-system/apps loop/web/apps.yaml',
  ]);
  assert.match(problems[1]?.message ?? '', /flux-system\/apps → flux-system\/web → flux-system\/apps/);
  assert.equal(snapshot.clusters['dup']?.kustomizations['flux-system/shared']?.object.spec.path, './dup/shared');
  assert.equal(snapshot.clusters['loop']?.kustomizations['flux-system/apps']?.object.spec.interval, '5m');
  assert.ok(renders.some((r) => r.cluster === 'dup' && r.key === 'flux-system/shared' && r.classified.workload.length === 1), 'the kept definition renders');
});

test('a Kustomization whose source nobody defines, or whose source cannot be fetched, is reported; the rest of the fleet still renders', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ks = (name: string, source: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./${name}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: ${source}\n`;
  const repoOf = (name: string) => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://git.example.com/${name}.git\n  ref:\n    branch: main\n`;
  const files: Record<string, string> = {
    'clusters/dev/layers.yaml': [ks('web', 'fleet'), ks('orphan', 'nowhere'), ks('shop', 'down'), repoOf('down')].join('---\n'),
    'web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: default\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const bootstrap = { source: { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'fleet' } };
  const roots = await findClusterRoots(dir, bootstrap);

  const { problems, renders } = await resolveFleetTree({
    roots,
    bootstrap,
    checkout: async ({ source }) => {
      if (source.name === 'down') throw new TransientError('GET https://git.example.com/down.git/info/refs: connection refused');
      return { dir, revision: 'main@sha1:1111111111111111111111111111111111111111' };
    },
    render: async ({ kustomization }) => parseManifests((await renderKustomization({ root: dir, path: kustomization.spec.path ?? '.' })).yaml, 'rendered'),
  });

  assert.deepEqual(problems.map((p) => `${p.type}: ${p.message}`), [
    'source-failed: Kustomization flux-system/shop: source GitRepository/flux-system/down: GET https://git.example.com/down.git/info/refs: connection refused',
    "source-not-found: Kustomization flux-system/orphan: Source 'GitRepository/nowhere' not found",
  ]);
  assert.deepEqual(renders.map((r) => `${r.key} ${r.classified.workload.length}`), ['flux-system/flux-system 0', 'flux-system/web 1']);
});

test('a root whose own kustomization patches its spec is rendered again with the patched spec', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'clusters/dev/flux-system/gotk-sync.yaml':
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./clusters/dev\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    'clusters/dev/flux-system/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\npatches:\n  - patch: |\n      - op: add\n        path: /spec/postBuild\n        value:\n          substitute:\n            greeting: hello\n    target:\n      kind: Kustomization\n      name: flux-system\n',
    'clusters/dev/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  message: ${greeting}\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }

  const { renders, problems } = await walkFleet({ 'flux-system/flux-system': dir }, { source: FLEET_SOURCE });

  assert.deepEqual(problems, []);
  assert.equal(renders.length, 1, 'one render per Kustomization, the last');
  assert.deepEqual(renders[0]?.changed, ['Kustomization/flux-system/flux-system']);
  assert.deepEqual((renders[0]?.classified.workload[0] as { data?: unknown }).data, { message: 'hello' });
});
