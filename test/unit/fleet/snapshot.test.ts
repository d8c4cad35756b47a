import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import {
  alerts,
  classifyRendered,
  createFleetSnapshot,
  descendantsOf,
  kustomizationsFollowing,
  parseFleetSnapshot,
  recordRender,
  sourcesOf,
  syntheticRoot,
  withClusterRoots,
  type FleetSnapshot,
} from '#shared/fleet/index.ts';
import { alert, bundle, configMap, devSnapshot, FLEET_SOURCE, gitRepository, kustomization } from './objects.ts';

const ROOT = 'flux-system/flux-system';
const REV = 'main@sha1:1111111111111111111111111111111111111111';
const REV2 = 'main@sha1:2222222222222222222222222222222222222222';

/** dev: root → infra → (apps → web) */
function layered(): FleetSnapshot {
  let snapshot = devSnapshot();
  snapshot = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [kustomization('infra')]), REV).snapshot;
  snapshot = recordRender(snapshot, 'dev', 'flux-system/infra', bundle('flux-system/infra', [kustomization('apps'), gitRepository('apps-repo')]), REV).snapshot;
  return recordRender(snapshot, 'dev', 'flux-system/apps', bundle('flux-system/apps', [kustomization('web'), configMap('settings')]), REV).snapshot;
}

/** Clusters with synthetic roots following the fleet source. */
function syntheticFleet(clusters: string[]): FleetSnapshot {
  return createFleetSnapshot(clusters.map((cluster) => ({ cluster, origin: 'synthetic' as const, kustomization: syntheticRoot(cluster, FLEET_SOURCE) })));
}

/** Clusters dev and qa following the fleet source's main branch, prod its tag v1.4.0. */
function branchAndTagFleet(): FleetSnapshot {
  const tag = gitRepository('flux-system', 'flux-system', { tag: 'v1.4.0' });
  let snapshot = syntheticFleet(['dev', 'prod', 'qa']);
  for (const [cluster, repo] of [
    ['dev', gitRepository('flux-system')],
    ['qa', gitRepository('flux-system')],
    ['prod', tag],
  ] as const) {
    snapshot = recordRender(snapshot, cluster, ROOT, classifyRendered([repo], { cluster, owner: ROOT }), REV).snapshot;
  }
  return snapshot;
}

/** Clusters a and b defining Alert fleet with severity error, c with severity info. */
function alertingFleet(): FleetSnapshot {
  let snapshot = syntheticFleet(['a', 'b', 'c']);
  for (const [cluster, severity] of [
    ['a', 'error'],
    ['b', 'error'],
    ['c', 'info'],
  ] as const) {
    snapshot = recordRender(
      snapshot,
      cluster,
      ROOT,
      classifyRendered([alert('fleet', severity)], { cluster, owner: ROOT, file: `clusters/${cluster}/alerts.yaml` }),
      REV,
    ).snapshot;
  }
  return snapshot;
}

const devAndProdRoots = ['dev', 'prod'].map((cluster) => ({ cluster, origin: 'synthetic' as const, kustomization: syntheticRoot(cluster, FLEET_SOURCE) }));

test('the Kustomizations a render defines join the tree with the owner as parent and the file they are defined in', () => {
  // Prepare
  const rendered = bundle(ROOT, [kustomization('infra'), kustomization('apps'), configMap('settings')]);
  // Act
  const record = recordRender(devSnapshot(), 'dev', ROOT, rendered, REV);
  // Assess
  assert.deepEqual(record.added, ['Kustomization/flux-system/infra', 'Kustomization/flux-system/apps']);
  const apps = record.snapshot.clusters['dev']?.kustomizations['flux-system/apps'];
  assert.equal(apps?.parent, ROOT);
  assert.equal(apps?.file, 'clusters/dev/flux-system.yaml');
});

test('the owner of a render notes the revision rendered; the Kustomizations it defines have none until they render', () => {
  // Act
  const record = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [kustomization('apps')]), REV);
  // Assess
  const tree = record.snapshot.clusters['dev'];
  assert.equal(tree?.kustomizations[ROOT]?.revision, REV);
  assert.equal(tree?.kustomizations['flux-system/apps']?.revision, undefined);
});

test('recording a render leaves the input snapshot as it was', () => {
  // Prepare
  const snapshot = devSnapshot();
  // Act
  recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [kustomization('infra'), kustomization('apps')]), REV);
  // Assess
  assert.deepEqual(Object.keys(snapshot.clusters['dev']?.kustomizations ?? {}), [ROOT]);
});

test('a Kustomization that defines itself updates its own spec: not a cycle', () => {
  // Prepare
  const self = kustomization('flux-system', { path: './clusters/dev', serviceAccountName: 'kustomize-controller' });
  // Act
  const record = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [self]), REV);
  // Assess
  assert.deepEqual(record.problems, []);
  assert.deepEqual(record.added, []);
  assert.deepEqual(record.changed, ['Kustomization/flux-system/flux-system']);
  assert.equal(record.snapshot.clusters['dev']?.kustomizations[ROOT]?.object.spec.serviceAccountName, 'kustomize-controller');
  assert.equal(record.snapshot.clusters['dev']?.kustomizations[ROOT]?.parent, undefined);
});

test('a render at a new revision with unchanged specs reports nothing added, removed or changed', () => {
  // Prepare
  const snapshot = layered();
  // Act
  const same = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [kustomization('infra')]), REV2);
  // Assess
  assert.deepEqual([same.added, same.removed, same.changed], [[], [], []]);
});

test('a render that changes a child spec reports it changed and stores the new spec', () => {
  // Prepare
  const snapshot = layered();
  // Act
  const changed = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [kustomization('infra', { interval: '1h' })]), REV2);
  // Assess
  assert.deepEqual(changed.changed, ['Kustomization/flux-system/infra']);
  assert.equal(changed.snapshot.clusters['dev']?.kustomizations['flux-system/infra']?.object.spec.interval, '1h');
});

test('a second owner defining the same Kustomization gets a duplicate problem naming both files; the first keeps it', () => {
  // Prepare
  const snapshot = recordRender(
    devSnapshot(),
    'dev',
    ROOT,
    bundle(ROOT, [kustomization('infra'), kustomization('apps')], 'clusters/dev/layers.yaml'),
    REV,
  ).snapshot;
  // Act
  const record = recordRender(
    snapshot,
    'dev',
    'flux-system/apps',
    bundle('flux-system/apps', [kustomization('infra', { path: './elsewhere' })], 'apps/infra-copy.yaml'),
    REV,
  );
  // Assess
  assert.equal(record.problems.length, 1);
  assert.equal(record.problems[0]?.type, 'duplicate');
  assert.deepEqual(record.problems[0]?.files, ['clusters/dev/layers.yaml', 'apps/infra-copy.yaml']);
  assert.equal(
    record.problems[0]?.message,
    'Kustomization flux-system/infra is defined twice in cluster dev: by Kustomization flux-system/flux-system (clusters/dev/layers.yaml) and by Kustomization flux-system/apps (apps/infra-copy.yaml); the first definition is kept',
  );
  const infra = record.snapshot.clusters['dev']?.kustomizations['flux-system/infra'];
  assert.equal(infra?.parent, ROOT);
  assert.equal(infra?.object.spec.path, './infra');
});

test('duplicate names are found among GitRepositories and Alerts too', () => {
  // Prepare
  const snapshot = recordRender(
    devSnapshot(),
    'dev',
    ROOT,
    bundle(ROOT, [kustomization('a'), kustomization('b'), gitRepository('shared'), alert('errors')]),
    REV,
  ).snapshot;
  // Act
  const record = recordRender(snapshot, 'dev', 'flux-system/b', bundle('flux-system/b', [gitRepository('shared'), alert('errors')]), REV);
  // Assess
  assert.deepEqual(
    record.problems.map((p) => `${p.type} ${p.object}`),
    ['duplicate GitRepository/flux-system/shared', 'duplicate Alert/flux-system/errors'],
  );
});

test('A defining B and B defining A is a cycle: reported with its chain and not followed', () => {
  // Prepare
  let snapshot = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [kustomization('a')]), REV).snapshot;
  snapshot = recordRender(snapshot, 'dev', 'flux-system/a', bundle('flux-system/a', [kustomization('b')]), REV).snapshot;
  // Act
  const record = recordRender(snapshot, 'dev', 'flux-system/b', bundle('flux-system/b', [kustomization('a', { path: './changed' })], 'b/a.yaml'), REV);
  // Assess
  assert.equal(record.problems.length, 1);
  assert.equal(record.problems[0]?.type, 'cycle');
  assert.equal(
    record.problems[0]?.message,
    'Kustomization flux-system/a is part of a cycle in cluster dev: flux-system/a → flux-system/b → flux-system/a (each defines the next); the definition in the output of Kustomization flux-system/b (b/a.yaml) is ignored',
  );
  assert.equal(record.snapshot.clusters['dev']?.kustomizations['flux-system/a']?.object.spec.path, './a');
  assert.deepEqual(record.removed, []);
});

test('a longer loop (A → B → C → A), and one back to the root, are cycles too', () => {
  // Prepare
  let snapshot = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [kustomization('a')]), REV).snapshot;
  snapshot = recordRender(snapshot, 'dev', 'flux-system/a', bundle('flux-system/a', [kustomization('b')]), REV).snapshot;
  snapshot = recordRender(snapshot, 'dev', 'flux-system/b', bundle('flux-system/b', [kustomization('c')]), REV).snapshot;
  // Act
  const record = recordRender(snapshot, 'dev', 'flux-system/c', bundle('flux-system/c', [kustomization('a'), kustomization('flux-system')]), REV);
  // Assess
  assert.deepEqual(
    record.problems.map((p) => p.type),
    ['cycle', 'cycle'],
  );
  assert.match(record.problems[0]?.message ?? '', /flux-system\/a → flux-system\/b → flux-system\/c → flux-system\/a/);
  assert.match(record.problems[1]?.message ?? '', /flux-system\/flux-system → flux-system\/a → flux-system\/b → flux-system\/c → flux-system\/flux-system/);
});

test('a child the owner no longer defines is removed with all its descendants', () => {
  // Prepare
  const snapshot = layered();
  // Act
  const record = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, []), REV2);
  // Assess
  assert.deepEqual(record.removed.sort(), [
    'GitRepository/flux-system/apps-repo',
    'Kustomization/flux-system/apps',
    'Kustomization/flux-system/infra',
    'Kustomization/flux-system/web',
  ]);
  assert.deepEqual(Object.keys(record.snapshot.clusters['dev']?.kustomizations ?? {}), [ROOT]);
  assert.deepEqual(record.snapshot.clusters['dev']?.gitRepositories, {});
});

test('a child that fails validation keeps its previous version instead of being removed', () => {
  // Prepare
  const snapshot = layered();
  // Act
  const record = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [kustomization('infra', { prune: 'yes' })]), REV2);
  // Assess
  assert.deepEqual(record.removed, []);
  assert.deepEqual(
    record.problems.map((p) => `${p.type} ${p.object}`),
    ['invalid Kustomization/flux-system/infra'],
  );
  assert.match(record.problems[0]?.message ?? '', /Kustomization infra: spec\.prune/);
  assert.equal(record.snapshot.clusters['dev']?.kustomizations['flux-system/infra']?.object.spec.prune, true);
  assert.equal(descendantsOf(record.snapshot, 'dev', 'flux-system/infra').length, 3);
});

test('descendantsOf lists everything below a Kustomization', () => {
  // Act
  const below = descendantsOf(layered(), 'dev', 'flux-system/infra');
  // Assess
  assert.deepEqual(below.sort(), ['GitRepository/flux-system/apps-repo', 'Kustomization/flux-system/apps', 'Kustomization/flux-system/web']);
});

test('a Kustomization that defines nothing has no descendants', () => {
  // Act
  const below = descendantsOf(layered(), 'dev', 'flux-system/web');
  // Assess
  assert.deepEqual(below, []);
});

test('unsupported objects are kept per owner', () => {
  // Prepare
  const helm = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'podinfo', namespace: 'podinfo' } };
  // Act
  const first = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [helm]), REV).snapshot;
  // Assess
  assert.deepEqual(Object.keys(first.clusters['dev']?.unsupported ?? {}), ['HelmRelease/podinfo/podinfo']);
});

test("an owner's unsupported objects are replaced at its next render", () => {
  // Prepare
  const helm = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'podinfo', namespace: 'podinfo' } };
  const first = recordRender(devSnapshot(), 'dev', ROOT, bundle(ROOT, [helm]), REV).snapshot;
  // Act
  const second = recordRender(first, 'dev', ROOT, bundle(ROOT, []), REV2).snapshot;
  // Assess
  assert.deepEqual(second.clusters['dev']?.unsupported, {});
});

test('recording the render of a Kustomization the tree does not hold is a NotFoundError', () => {
  // Act
  const act = () => recordRender(devSnapshot(), 'dev', 'flux-system/ghost', bundle('flux-system/ghost', []), REV);
  // Assess
  assert.throws(act, NotFoundError);
});

test('recording a render for a cluster the snapshot does not hold is a NotFoundError', () => {
  // Act
  const act = () => recordRender(devSnapshot(), 'prod', ROOT, bundle(ROOT, []), REV);
  // Assess
  assert.throws(act, NotFoundError);
});

test('the snapshot survives a JSON round trip', () => {
  // Prepare
  const snapshot = layered();
  // Act
  const read = parseFleetSnapshot(JSON.parse(JSON.stringify(snapshot)));
  // Assess
  assert.deepEqual(read, snapshot);
});

test('a snapshot of another format version is refused as an InvalidInputError naming the file', () => {
  // Prepare
  const future = { ...layered(), format: 2 };
  // Act
  const act = () => parseFleetSnapshot(future, 'fleet/snapshot.json');
  // Assess
  assert.throws(
    act,
    (error: unknown) => error instanceof InvalidInputError && /^fleet\/snapshot\.json: fleet snapshot format 2 is not understood/.test(error.message),
  );
});

test("a Kustomization follows the source its sourceRef names, the namespace defaulting to the Kustomization's own", () => {
  // Prepare
  const snapshot = recordRender(
    devSnapshot(),
    'dev',
    ROOT,
    bundle(ROOT, [
      gitRepository('dev-team', 'apps'),
      kustomization('dev-team', { sourceRef: { kind: 'GitRepository', name: 'dev-team' } }, 'apps'),
      kustomization('other', { sourceRef: { kind: 'GitRepository', name: 'dev-team' } }),
    ]),
    REV,
  ).snapshot;
  // Act
  const following = kustomizationsFollowing(snapshot, { kind: 'GitRepository', namespace: 'apps', name: 'dev-team' });
  const fleet = kustomizationsFollowing(snapshot, FLEET_SOURCE);
  // Assess
  assert.deepEqual(
    following.map((k) => `${k.cluster} ${k.key}`),
    ['dev apps/dev-team'],
  );
  assert.deepEqual(
    fleet.map((k) => k.key),
    [ROOT],
  );
});

test('a source with one name but different specs per cluster is two sources, each with its clusters', () => {
  // Prepare
  const snapshot = branchAndTagFleet();
  // Act
  const sources = sourcesOf(snapshot);
  // Assess
  assert.deepEqual(
    sources.map((s) => `${s.source.namespace}/${s.source.name} ${JSON.stringify(s.gitRepository?.spec['ref'])} ${s.clusters.join(',')}`),
    ['flux-system/flux-system {"branch":"main"} dev,qa', 'flux-system/flux-system {"tag":"v1.4.0"} prod'],
  );
});

test('the Kustomizations following a source can be narrowed to some clusters', () => {
  // Prepare
  const snapshot = branchAndTagFleet();
  // Act
  const following = kustomizationsFollowing(snapshot, { ...FLEET_SOURCE, clusters: ['prod'] });
  // Assess
  assert.deepEqual(
    following.map((k) => k.cluster),
    ['prod'],
  );
});

test('the bootstrap source is adopted by the first Kustomization that defines it in Git', () => {
  // Prepare
  const bootstrap = {
    source: FLEET_SOURCE,
    gitRepository: {
      apiVersion: 'source.toolkit.fluxcd.io/v1' as const,
      kind: 'GitRepository' as const,
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { url: 'https://git.example.com/flux-system.git' },
    },
  };
  const snapshot = createFleetSnapshot([{ cluster: 'dev', origin: 'synthetic', kustomization: syntheticRoot('dev', FLEET_SOURCE) }], bootstrap);
  // Act
  const record = recordRender(snapshot, 'dev', ROOT, bundle(ROOT, [gitRepository('flux-system')]), REV);
  // Assess
  assert.deepEqual(record.problems, []);
  assert.equal(record.snapshot.clusters['dev']?.gitRepositories[ROOT]?.parent, ROOT);
  assert.deepEqual(record.changed, ['GitRepository/flux-system/flux-system']);
});

test('an Alert several clusters define alike is one Alert listing those clusters, parsed again from the snapshot', () => {
  // Prepare
  const snapshot = alertingFleet();
  // Act
  const shared = alerts(snapshot);
  // Assess
  assert.equal(shared.items.length, 1);
  assert.deepEqual(shared.items[0]?.clusters, ['a', 'b']);
  assert.equal(shared.items[0]?.object.spec.eventSeverity, 'error');
  assert.ok(Array.isArray(shared.items[0]?.object.inclusion), 'the stored Alert is parsed again, regexes compiled');
});

test('an Alert with a conflicting spec under the same name is reported, the first cluster’s kept', () => {
  // Prepare
  const snapshot = alertingFleet();
  // Act
  const shared = alerts(snapshot);
  // Assess
  assert.deepEqual(
    shared.conflicts.map((c) => c.message),
    ['Alert flux-system/fleet of cluster c differs from the one of cluster a; the one of cluster a is used'],
  );
});

test('new roots add the clusters the snapshot lacks', () => {
  // Act
  const updated = withClusterRoots(layered(), devAndProdRoots);
  // Assess
  assert.deepEqual(updated.addedClusters, ['prod']);
  assert.deepEqual(updated.removedClusters, []);
});

test('a cluster whose root is unchanged keeps its tree when roots are updated', () => {
  // Act
  const updated = withClusterRoots(layered(), devAndProdRoots);
  // Assess
  assert.deepEqual(
    Object.keys(updated.snapshot.clusters['dev']?.kustomizations ?? {}).sort(),
    [ROOT, 'flux-system/apps', 'flux-system/infra', 'flux-system/web'].sort(),
  );
});

test('new roots drop the clusters they no longer list', () => {
  // Prepare
  const both = withClusterRoots(layered(), devAndProdRoots).snapshot;
  // Act
  const dropped = withClusterRoots(both, devAndProdRoots.slice(1));
  // Assess
  assert.deepEqual(dropped.removedClusters, ['dev']);
  assert.deepEqual(Object.keys(dropped.snapshot.clusters), ['prod']);
});

test('a synthetic root takes a changed bootstrap source at the next roots update, keeping its tree', () => {
  // Prepare
  const snapshot = layered();
  const moved = { kind: 'GitRepository' as const, namespace: 'flux-system', name: 'fleet-v2' };
  // Act
  const updated = withClusterRoots(snapshot, [{ cluster: 'dev', origin: 'synthetic', kustomization: syntheticRoot('dev', moved) }]).snapshot;
  // Assess
  assert.equal(updated.clusters['dev']?.kustomizations[ROOT]?.object.spec.sourceRef.name, 'fleet-v2');
  assert.equal(Object.keys(updated.clusters['dev']?.kustomizations ?? {}).length, 4);
  assert.equal(snapshot.clusters['dev']?.kustomizations[ROOT]?.object.spec.sourceRef.name, 'flux-system', 'the input snapshot is left as it was');
});
