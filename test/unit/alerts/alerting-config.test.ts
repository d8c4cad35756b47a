import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { alertYaml } from './fixtures.ts';
import { alertsFor, clusterOfFile, kustomizationFacts, loadAlertingConfig, parseYamlDocuments, providerFor } from '#shared/alerts/config.ts';

const ALERTS = `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: { name: slack, namespace: flux-system }
spec: { type: slack, channel: deploys, secretRef: { name: slack-bot } }
---
${alertYaml('on-call', 'slack')}`;
const PROD = `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: fleet, namespace: flux-system }
spec: { url: https://github.com/acme/fleet, interval: 1m }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: apps, namespace: flux-system, labels: { team: shop } }
spec: { interval: 5m, prune: true, path: ./apps/prod, sourceRef: { kind: GitRepository, name: fleet } }
---
${alertYaml('prod-only', 'slack', { before: ['eventSeverity: error'] })}`;

async function fleet(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'tideline-alerts-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

describe('alerting config from the fleet repo', () => {
  it('scopes objects under clusters/<name>/ to that cluster', async (t) => {
    // Prepare
    const root = await fleet({ 'infrastructure/alerts.yaml': ALERTS, 'clusters/prod-eu/flux.yaml': PROD, 'apps/base/deploy.yaml': 'kind: Deployment\n' });
    t.after(() => rm(root, { recursive: true, force: true }));

    // Act
    const config = await loadAlertingConfig(root);

    // Assess
    assert.deepEqual(
      alertsFor(config, 'prod-eu')
        .map((a) => a.metadata.name)
        .sort(),
      ['on-call', 'prod-only'],
    );
    assert.deepEqual(
      alertsFor(config, 'staging').map((a) => a.metadata.name),
      ['on-call'],
    );
  });

  it("knows a Kustomization's labels and its source repository URL", async (t) => {
    // Prepare
    const root = await fleet({ 'clusters/prod-eu/flux.yaml': PROD });
    t.after(() => rm(root, { recursive: true, force: true }));

    // Act
    const config = await loadAlertingConfig(root);

    // Assess
    assert.deepEqual(kustomizationFacts(config, 'prod-eu', 'flux-system', 'apps'), { labels: { team: 'shop' }, repoUrl: 'https://github.com/acme/fleet' });
    assert.equal(kustomizationFacts(config, 'staging', 'flux-system', 'apps'), undefined);
  });

  it('finds the Provider of an Alert in its namespace', async (t) => {
    // Prepare
    const root = await fleet({ 'alerts.yaml': ALERTS });
    t.after(() => rm(root, { recursive: true, force: true }));
    const config = await loadAlertingConfig(root);
    const [alert] = alertsFor(config, 'prod-eu');
    assert.ok(alert);

    // Act
    const provider = providerFor(config, 'prod-eu', alert);

    // Assess
    assert.equal(provider.metadata.name, 'slack');
  });

  it('a missing Provider is a NotFoundError naming the Alert', async (t) => {
    // Prepare
    const root = await fleet({ 'alerts.yaml': ALERTS.split('---')[1] ?? '' });
    t.after(() => rm(root, { recursive: true, force: true }));
    const config = await loadAlertingConfig(root);
    const [alert] = alertsFor(config, 'prod-eu');
    assert.ok(alert);

    // Act and assess
    assert.throws(
      () => providerFor(config, 'prod-eu', alert),
      (e: unknown) => e instanceof NotFoundError && /Alert flux-system\/on-call: Provider flux-system\/slack not found/.test(e.message),
    );
  });

  it('an invalid Alert fails the load naming its file', async (t) => {
    // Prepare
    const root = await fleet({ 'clusters/prod-eu/alerts.yaml': ALERTS.replace('eventSources', 'eventSourcez') });
    t.after(() => rm(root, { recursive: true, force: true }));

    // Act and assess
    await assert.rejects(
      loadAlertingConfig(root),
      (e: unknown) => e instanceof InvalidInputError && e.message.startsWith('clusters/prod-eu/alerts.yaml: Alert on-call'),
    );
  });

  it('a missing configuration directory is a NotFoundError naming it', async () => {
    // Act and assess
    await assert.rejects(
      loadAlertingConfig('/nonexistent/fleet'),
      (e: unknown) => e instanceof NotFoundError && /\/nonexistent\/fleet does not exist/.test(e.message),
    );
  });

  it('invalid YAML is refused naming the file', () => {
    // Act and assess
    assert.throws(
      () => parseYamlDocuments('kind: [unclosed', 'x.yaml'),
      (e: unknown) => e instanceof InvalidInputError && e.message.startsWith('x.yaml: invalid YAML: '),
    );
  });

  it('tells the cluster of a file path', () => {
    // Act and assess
    assert.equal(clusterOfFile('clusters/prod-eu/alerts.yaml'), 'prod-eu');
    assert.equal(clusterOfFile('infrastructure/alerts.yaml'), undefined);
  });
});
