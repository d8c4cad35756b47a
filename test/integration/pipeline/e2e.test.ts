// The product's main job, end to end in local mode: a push to Git reaches every cluster that
// follows it, through the signed webhook, the source, render and apply engines and the alerts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import yaml from 'js-yaml';
import { runSchedule } from '#shared/pipeline/schedule.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeEvent } from '#shared/events/catalog.ts';
import { registerReconcile } from '#shared/cli/commands/control.ts';
import { captureIo, runVerbs } from '#test/unit/cli/helpers.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APP_TOKEN, FLEET_TOKEN, SETTINGS, WEB, overlay, startFleetHarness, waitUntil, type FleetHarness } from './harness.ts';

let h: FleetHarness;

/** A tenant's GitRepository `name` (fetched every minute) and the Kustomization applying `path` of it. */
function tenant(name: string, source: Record<string, unknown>, path: string): string {
  return (
    yaml.dump({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name, namespace: 'flux-system' },
      spec: { interval: '1m', ...source },
    }) +
    '---\n' +
    yaml.dump({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name, namespace: 'flux-system' },
      spec: { interval: '10m', prune: true, path, sourceRef: { kind: 'GitRepository', name } },
    })
  );
}

function replicasOf(object: unknown): number | undefined {
  return (object as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
}
function imageOf(object: unknown): string | undefined {
  return (object as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
}

describe('pipeline end to end (local mode, real API servers, signed webhooks)', { concurrency: false }, () => {
  before(async () => {
    h = await startFleetHarness();
  });
  after(async () => {
    await h?.stop();
  });

  test('the first sync applies every cluster at its own revision and overlay', async () => {
    // Prepare
    const head = await h.fleet.head();
    // Act: read what the first sync left
    const dev = await h.status('dev', 'apps');
    const prod = await h.status('prod', 'apps');
    // Assess
    assert.equal(dev?.lastAppliedRevision, `main@sha1:${head}`);
    assert.equal(prod?.lastAppliedRevision, `prod@sha1:${head}`);
    assert.equal(dev?.ready.status, 'True');
    const devWeb = await h.get(h.dev, 'Deployment', 'dev-web', h.ns);
    const prodWeb = await h.get(h.prod, 'Deployment', 'prod-web', h.ns);
    assert.deepEqual([replicasOf(devWeb), imageOf(devWeb)], [2, 'nginx:1.27.1']);
    assert.deepEqual([replicasOf(prodWeb), imageOf(prodWeb)], [3, 'nginx:1.27.0']);
    assert.equal(await h.get(h.dev, 'Deployment', 'prod-web', h.ns), undefined, 'prod overlay not on dev');
    const infrastructure = await Promise.all([h.status('dev', 'infrastructure'), h.status('prod', 'infrastructure')]);
    assert.equal(infrastructure[0]?.lastAppliedDigest, infrastructure[1]?.lastAppliedDigest, 'identical render inputs share one bundle');
  });

  test('postBuild.substituteFrom is read from the target cluster, as Flux reads it', async () => {
    // Act
    const dev = (await h.get(h.dev, 'ConfigMap', 'dev-settings', h.ns)) as { data?: Record<string, string> } | undefined;
    const prod = (await h.get(h.prod, 'ConfigMap', 'prod-settings', h.ns)) as { data?: Record<string, string> } | undefined;
    // Assess
    assert.equal(dev?.data?.['greeting'], `hello ${h.region}`);
    assert.equal(prod?.data?.['greeting'], 'hello us-1');
  });

  test("Flux's own controllers (gotk-components) are not applied", async () => {
    // Act and assess: read what the first sync left
    assert.equal(await h.get(h.dev, 'Deployment', 'source-controller', 'flux-system'), undefined);
    assert.equal(await h.get(h.prod, 'Namespace', 'flux-system'), undefined);
    const root = await h.status('dev', 'flux-system');
    assert.equal(root?.ready.status, 'True', `flux-system is not Ready: ${root?.ready.reason}: ${root?.ready.message}`);
  });

  test('a Kustomization found in rendered output reconciles from its own repository', async () => {
    // Act
    const team = await h.status('dev', 'team-a');
    // Assess
    assert.equal(team?.lastAppliedRevision, `main@sha1:${await h.app.head()}`);
    const config = await h.get(h.dev, 'ConfigMap', 'team-a', h.tenantNs);
    assert.equal((config as { data?: Record<string, string> } | undefined)?.data?.['version'], '1');
    assert.equal(await h.status('prod', 'team-a'), undefined, 'tenants are dev only');
  });

  test('replicas and an image tag changed in Git are applied; a push to many targets renders in shards', async () => {
    // Prepare
    const shardsBefore = h.events.filter((event) => event.includes('"RenderRequested"')).length;
    // Act
    const sha = await h.push({ 'apps/dev/kustomization.yaml': overlay('dev', 4, '1.27.2') }, 'dev: 4 replicas of 1.27.2');
    // Assess
    const web = await h.get(h.dev, 'Deployment', 'dev-web', h.ns);
    assert.deepEqual([replicasOf(web), imageOf(web)], [4, 'nginx:1.27.2']);
    assert.equal((await h.status('dev', 'apps'))?.lastAppliedRevision, `main@sha1:${sha}`);
    const prodWeb = await h.get(h.prod, 'Deployment', 'prod-web', h.ns);
    assert.equal(replicasOf(prodWeb), 3, 'prod follows its tag, not main');
    // dev's four Kustomizations follow main; with two per shard they render in two RenderRequested invocations.
    assert.equal(h.events.filter((event) => event.includes('"RenderRequested"')).length - shardsBefore, 2);
  });

  test('a file deleted from Git is pruned, and git revert brings it back', async () => {
    // Act: delete the file
    await h.push(
      {
        'apps/base/settings.yaml': null,
        'apps/base/kustomization.yaml': yaml.dump({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['web.yaml'] }),
      },
      'drop settings',
    );
    // Assess
    assert.equal(await h.get(h.dev, 'ConfigMap', 'dev-settings', h.ns), undefined);
    // Act: revert the deletion
    const restored = await h.push(
      {
        'apps/base/settings.yaml': SETTINGS,
        'apps/base/kustomization.yaml': yaml.dump({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['web.yaml', 'settings.yaml'],
        }),
      },
      'Revert "drop settings"',
    );
    // Assess
    assert.ok(await h.get(h.dev, 'ConfigMap', 'dev-settings', h.ns));
    assert.equal((await h.status('dev', 'apps'))?.lastAppliedRevision, `main@sha1:${restored}`);
  });

  test('a broken manifest fails the render, alerts Slack, and prunes nothing', async () => {
    // Prepare
    const before = h.slack.messages.length;
    const good = (await h.status('dev', 'apps'))?.lastAppliedRevision;
    // Act
    const broken = await h.push({ 'apps/base/web.yaml': 'kind: [broken\n' }, 'break the build');
    // Assess
    const status = await h.status('dev', 'apps');
    assert.equal(status?.ready.status, 'False');
    assert.equal(status?.ready.reason, 'BuildFailed');
    assert.equal(status?.lastAttemptedRevision, `main@sha1:${broken}`);
    assert.equal(status?.lastAppliedRevision, good);
    assert.match(status?.ready.message ?? '', /web\.yaml/);
    assert.ok(await h.get(h.dev, 'Deployment', 'dev-web', h.ns), 'nothing pruned');
    await waitUntil(async () => h.slack.messages.length > before, 10_000);
    assert.match(h.slack.messages.slice(before).join('\n'), /apps/);
    // Put it back for the next tests.
    await h.push({ 'apps/base/web.yaml': WEB }, 'fix the build');
    assert.equal((await h.status('dev', 'apps'))?.ready.status, 'True');
  });

  test('two pushes delivered out of order: the newer revision wins', async () => {
    // Prepare
    const first = await h.fleet.commit({ 'apps/dev/kustomization.yaml': overlay('dev', 5, '1.27.2') }, 'five');
    const second = await h.fleet.commit({ 'apps/dev/kustomization.yaml': overlay('dev', 6, '1.27.2') }, 'six');
    // Act: the newer push is delivered first
    assert.equal(await h.webhook(h.fleet, { name: 'fleet-push', token: FLEET_TOKEN }, { sha: second }), 200);
    assert.equal(await h.webhook(h.fleet, { name: 'fleet-push', token: FLEET_TOKEN }, { sha: first }), 200);
    await h.pipeline.idle();
    // Assess
    assert.equal((await h.status('dev', 'apps'))?.lastAppliedRevision, `main@sha1:${second}`);
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 6);
  });

  test('a failing dependency holds its dependents, with a reason that names it', async () => {
    // Act: break infrastructure
    const bad = await h.push(
      {
        'infrastructure/namespaces.yaml': yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Not_A_Valid_Name' } }),
        'apps/dev/kustomization.yaml': overlay('dev', 7, '1.27.2'),
      },
      'break infrastructure',
    );
    // Assess
    const infrastructure = await h.status('dev', 'infrastructure');
    assert.equal(infrastructure?.ready.status, 'False');
    const apps = await h.status('dev', 'apps');
    assert.equal(apps?.ready.reason, 'DependencyNotReady');
    assert.match(apps?.ready.message ?? '', /infrastructure/);
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 6, 'dependents not applied');
    assert.equal(infrastructure?.lastAttemptedRevision, `main@sha1:${bad}`);
    // Act: fix it
    const fixed = await h.push(
      {
        'infrastructure/namespaces.yaml':
          yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: h.ns } }) +
          '---\n' +
          yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: h.tenantNs } }),
      },
      'fix infrastructure',
    );
    // Assess
    await waitUntil(async () => (await h.status('dev', 'apps'))?.lastAppliedRevision === `main@sha1:${fixed}`, 20_000, h.pipeline);
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 7);
  });

  test('a suspended Kustomization is left untouched until resumed', async () => {
    // Prepare
    await h.pipeline.deps.status.updateKustomization({ cluster: 'dev', namespace: 'flux-system', name: 'apps' }, { suspended: true });
    // Act: push while suspended
    await h.push({ 'apps/dev/kustomization.yaml': overlay('dev', 8, '1.27.2') }, 'while suspended');
    // Assess
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 7);
    // Act: resume and request a reconcile
    await h.pipeline.deps.status.updateKustomization({ cluster: 'dev', namespace: 'flux-system', name: 'apps' }, { suspended: false });
    await h.pipeline.bus.publish([
      makeEvent('ReconcileRequested', {
        version: 1,
        eventId: 'resume-1',
        correlationId: 'resume-1',
        occurredAt: new Date().toISOString(),
        object: { kind: 'Kustomization', name: 'apps', namespace: 'flux-system' },
        cluster: 'dev',
        withSource: false,
        requestedAt: new Date().toISOString(),
      }),
    ]);
    await h.pipeline.idle();
    // Assess
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 8);
  });

  test('a change made by hand is reverted at the next interval', async () => {
    // Prepare: scale by hand
    const web = await h.get(h.dev, 'Deployment', 'dev-web', h.ns);
    assert.ok(web);
    // What `kubectl scale` sends: a merge patch of the scale subresource, as field manager kubectl.
    await h.dev.send('PATCH', `/apis/apps/v1/namespaces/${h.ns}/deployments/dev-web/scale`, {
      query: { fieldManager: 'kubectl' },
      body: JSON.stringify({ spec: { replicas: 1 } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 1);
    // Act: the next interval
    h.clock.advance(61_000);
    const report = await runSchedule(h.pipeline.deps);
    // Assess
    assert.ok(report.kustomizations >= 1);
    await h.pipeline.idle();
    assert.equal(replicasOf(await h.get(h.dev, 'Deployment', 'dev-web', h.ns)), 8);
  });

  test('a Receiver added by a commit answers at once; an app-repo push reconciles only its Kustomizations', async () => {
    // Prepare
    const receiver = { name: 'team-a-push', token: APP_TOKEN };
    assert.equal(await h.webhook(h.app, receiver), 404, 'no such receiver yet');
    // Act: commit the Receiver, then push to the app repository
    await h.push(
      {
        'tenants/receiver.yaml': yaml.dump({
          apiVersion: 'notification.toolkit.fluxcd.io/v1',
          kind: 'Receiver',
          metadata: { name: 'team-a-push', namespace: 'flux-system' },
          spec: { type: 'github', secretRef: { name: 'team-a-webhook' }, resources: [{ kind: 'GitRepository', name: 'team-a' }] },
        }),
      },
      'add the team-a receiver',
    );
    const appsBefore = await h.status('dev', 'apps');
    const sha = await h.app.commit(
      { 'deploy/config.yaml': yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'team-a' }, data: { version: '2' } }) },
      'v2',
    );
    assert.equal(await h.webhook(h.app, receiver), 200);
    await h.pipeline.idle();
    // Assess
    assert.equal((await h.status('dev', 'team-a'))?.lastAppliedRevision, `main@sha1:${sha}`);
    assert.equal(((await h.get(h.dev, 'ConfigMap', 'team-a', h.tenantNs)) as { data?: Record<string, string> } | undefined)?.data?.['version'], '2');
    assert.equal((await h.status('dev', 'apps'))?.lastAttemptedAt, appsBefore?.lastAttemptedAt, 'the fleet Kustomizations were not reconciled');
  });

  test('a Git server that is down is retried and shows in status; the other sources keep working', async () => {
    // Act: add a source that is down
    await h.push(
      {
        'tenants/broken-source.yaml': tenant('gone', { url: 'http://127.0.0.1:9/nowhere.git', ref: { branch: 'main' } }, './'),
      },
      'a source that is down',
    );
    // Assess
    const source = await h.pipeline.deps.status.getSource({ kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'gone' });
    assert.equal(source?.ready.status, 'False');
    assert.equal(source?.ready.reason, 'GitOperationFailed');
    const firstAttempt = source?.lastFetchedAt;
    // Act: the next interval, then a push to the fleet
    h.clock.advance(61_000);
    await runSchedule(h.pipeline.deps);
    await h.pipeline.idle();
    // Assess
    const retried = await h.pipeline.deps.status.getSource({ kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'gone' });
    assert.notEqual(retried?.lastFetchedAt, firstAttempt, 'retried at its interval');
    const sha = await h.push({ 'apps/dev/kustomization.yaml': overlay('dev', 9, '1.27.2') }, 'still working');
    assert.equal((await h.status('dev', 'apps'))?.lastAppliedRevision, `main@sha1:${sha}`);
  });

  test('a GitRepository whose secretRef is missing is a clear error in status; credentials never appear in logs, events or status', async () => {
    // Act
    await h.push(
      {
        'tenants/locked.yaml': tenant('locked', { url: h.app.url, ref: { branch: 'main' }, secretRef: { name: 'no-such-secret' } }, './deploy'),
      },
      'a source without its secret',
    );
    // Assess
    const locked = await h.pipeline.deps.status.getSource({ kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'locked' });
    assert.equal(locked?.ready.status, 'False');
    assert.match(locked?.ready.message ?? '', /GitRepository flux-system\/locked: secret flux-system\/no-such-secret not found/);
    // team-a's repository needs basic auth; its password must not leak anywhere.
    assert.equal((await h.status('dev', 'team-a'))?.ready.status, 'True');
    const password = h.app.password as string;
    assert.ok(password.length >= 8);
    const status = readFileSync(path.join(h.dataDir, 'status.json'), 'utf8');
    for (const [where, text] of [
      ['status', status],
      ['logs', h.logLines.join('\n')],
      ['events', h.events.join('\n')],
      ['slack', h.slack.messages.join('\n')],
    ] as const) {
      assert.ok(!text.includes(password), `the Git password appears in ${where}`);
    }
  });

  test('an invalid Flux object in a rendered output fails its owner, naming it, and changes nothing', async () => {
    // Prepare
    const before = await h.status('dev', 'team-a');
    // Act
    const bad = await h.push(
      {
        'tenants/bad.yaml': yaml.dump({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'bad', namespace: 'flux-system' },
          spec: { path: './deploy', sourceRef: { kind: 'GitRepository', name: 'team-a' } },
        }),
      },
      'an invalid Kustomization',
    );
    // Assess
    const tenants = await h.status('dev', 'tenants');
    assert.equal(tenants?.ready.status, 'False');
    assert.equal(tenants?.lastAttemptedRevision, `main@sha1:${bad}`);
    assert.match(tenants?.ready.message ?? '', /Kustomization bad: .*interval/);
    assert.equal(await h.status('dev', 'bad'), undefined, 'the invalid Kustomization is not reconciled');
    assert.equal((await h.status('dev', 'team-a'))?.lastAppliedRevision, before?.lastAppliedRevision);
    await h.push({ 'tenants/bad.yaml': null }, 'remove the invalid Kustomization');
    assert.equal((await h.status('dev', 'tenants'))?.ready.status, 'True');
  });

  test('a Kustomization removed from Git has its objects pruned, as its parent prunes it', async () => {
    // Prepare: team-a's objects are there
    assert.ok(await h.get(h.dev, 'ConfigMap', 'team-a', h.tenantNs));
    // Act
    await h.push({ 'tenants/team-a.yaml': null }, 'team-a leaves');
    // Assess
    assert.equal(await h.get(h.dev, 'ConfigMap', 'team-a', h.tenantNs), undefined);
    const snapshot = await h.pipeline.deps.fleet.load();
    assert.equal(snapshot.clusters['dev']?.kustomizations['flux-system/team-a'], undefined);
  });

  test('tideline reconcile kustomization reaches the running local mode through its control endpoint and waits for the apply', async () => {
    // Prepare
    const io = captureIo({ TIDELINE_DATA_DIR: h.dataDir });
    // Act
    const code = await runVerbs([registerReconcile], ['reconcile', 'kustomization', 'apps', '--cluster', 'dev', '--timeout', '30s'], io);
    // Assess
    assert.equal(code, 0, io.err.join(''));
    assert.match(io.err.join(''), /✔ applied revision main@sha1:/);
  });

  test('moving the prod tag promotes to prod', async () => {
    // Prepare
    const head = await h.fleet.head();
    // Act
    await promisify(execFile)('git', ['--git-dir', h.fleet.bareDir, 'tag', '-f', 'prod', head]);
    assert.equal(await h.webhook(h.fleet, { name: 'fleet-push', token: FLEET_TOKEN }, { ref: 'refs/tags/prod', sha: head }), 200);
    await h.pipeline.idle();
    // Assess
    assert.equal((await h.status('prod', 'apps'))?.lastAppliedRevision, `prod@sha1:${head}`);
  });
});
