// The deployed shape, locally: the synthesized stack's resources created in moto from its
// template, every function's esbuild bundle loaded in its own fresh Node 24 process with the
// template's environment and driven as Lambda drives it, against moto, the test Git server and the
// real API server. A signed push posted to the intake bundle must end as objects applied by the
// apply bundle, every hop going through moto (bus rule → queue → next bundle). This is what catches a
// file missing from a bundle, a wrong environment variable, or a rule that matches nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import yaml from 'js-yaml';
import { DynamoDbStatusStore } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';
import { applyGroupOf } from '#shared/events/catalog.ts';
import { ClusterClient, endpointFromKubeconfigFile } from '#shared/kube/index.ts';
import { createGitRepo, getTestEnv, kubeContextName, type TestGitRepo } from '#test/env/index.ts';
import { DeployedStack } from '#test/infra/deployed.ts';
import { githubPushBody, githubPushHeaders } from '#test/support/webhooks.ts';
import { bootstrapRepository, synthTideline } from '#test/infra/synth.ts';

const suffix = randomBytes(3).toString('hex');
const cluster = `shape-${suffix}`;
const namespace = `shape-${suffix}`;
const prefix = `tideline-${suffix}/`;
const TOKEN = `token-${suffix}`;
// Names of their own: other tests apply Kustomizations to the same API server, and apply refuses a
// revision older than the one it last applied to an object of the same name.
const bootstrapName = `shape-${suffix}`;
const app = `app-${suffix}`;

/** The fleet: this cluster's Kustomization applying a Namespace and a ConfigMap from ./app. */
const FLEET_FILES = {
  [`clusters/${cluster}/app.yaml`]: yaml.dump({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: app, namespace: 'flux-system' },
    spec: { interval: '10m', prune: true, path: './app', sourceRef: { kind: 'GitRepository', name: bootstrapName } },
  }),
  'app/objects.yaml': [
    yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
    yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { colour: 'green' } }),
  ].join('---\n'),
};

let deployed: DeployedStack;
let fleet: TestGitRepo;
let statusTableName: string;

before(async () => {
  const { moto, kube } = await getTestEnv();
  fleet = await createGitRepo({ name: 'shape-fleet', files: FLEET_FILES });
  // The bootstrap Receivers (bundled with intake) and Alerts config (bundled with alerts) of this deployment.
  const notifications = mkdtempSync(path.join(tmpdir(), 'tideline-shape-config-'));
  writeFileSync(
    path.join(notifications, 'notifications.yaml'),
    yaml.dump({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'fleet', namespace: 'flux-system' },
      spec: { type: 'github', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: bootstrapName }] },
    }),
  );
  const synthesized = synthTideline({
    bootstrap: bootstrapRepository(fleet.url, bootstrapName),
    secretsPrefix: prefix,
    receiversFile: path.join(notifications, 'notifications.yaml'),
    alertsConfigDir: notifications,
  });
  const aws = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
  const secrets = new SecretsManagerClient(aws);
  await secrets.send(
    new CreateSecretCommand({
      Name: `${prefix}clusters/${cluster}`,
      SecretString: JSON.stringify({ kubeconfig: readFileSync(kube.kubeconfigPath, 'utf8').replaceAll(kubeContextName, cluster) }),
    }),
  );
  await secrets.send(new CreateSecretCommand({ Name: `${prefix}flux-system/webhook-token`, SecretString: TOKEN }));
  deployed = await DeployedStack.deploy(synthesized.json, synthesized.outdir, moto, {
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  statusTableName = deployed.names.get(synthesized.stack.getLogicalId(synthesized.tideline.statusTable.node.defaultChild as never)) as string;
});
after(() => deployed?.stop());

test('a signed push posted to the intake bundle ends as objects applied by the apply bundle, through moto at every hop', async () => {
  // Prepare: a GitHub push of the fleet's head, signed with the Receiver's token.
  const sha = await fleet.head();
  const body = githubPushBody({ sha, repository: { clone_url: fleet.url } });
  const rawPath = receiverWebhookPath(TOKEN, 'fleet', 'flux-system');
  const request = {
    version: '2.0',
    rawPath,
    headers: githubPushHeaders(body, TOKEN, `delivery-${suffix}`),
    body,
    isBase64Encoded: false,
    requestContext: { requestId: `request-${suffix}`, http: { method: 'POST', path: rawPath } },
  };
  // Act: the Function URL request, then every rule, queue, pipe and mapping until nothing moves.
  const response = (await deployed.fn('TidelineIntake').invoke(request)) as { statusCode: number; body: string };
  const moved = await deployed.settle();
  // Assess
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(deployed.failures, [], deployed.logTail());
  assert.ok(moved >= 4, `push → source → render → apply (and alerts) moved ${moved} messages\n${deployed.logTail()}`);
  const { kube } = await getTestEnv();
  const client = new ClusterClient(await endpointFromKubeconfigFile(kube.kubeconfigPath, undefined));
  try {
    const config = (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' })) as { data?: Record<string, string> } | undefined;
    assert.equal(config?.data?.['colour'], 'green', deployed.logTail());
  } finally {
    client.close();
  }
  const { moto } = await getTestEnv();
  const status = new DynamoDbStatusStore(new DynamoDBClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials }), statusTableName);
  const record = await status.getKustomization({ cluster, namespace: 'flux-system', name: app });
  assert.equal(record?.lastAppliedRevision, `main@sha1:${sha}`);
  assert.equal(record?.ready.status, 'True');
  // The apply queue saw each Kustomization in its own message group, deduplicated on the event id.
  const applied = deployed.fifoDeliveries.filter((delivery) => delivery.detailType === 'ManifestsRendered');
  assert.ok(
    applied.some((delivery) => delivery.groupId === applyGroupOf(cluster, { namespace: 'flux-system', name: app })),
    JSON.stringify(applied),
  );
  assert.ok(applied.every((delivery) => delivery.deduplicationId.length > 0));
});

test('the schedule’s own input runs a tick in the source bundle', async () => {
  // Prepare: the Scheduler target input, as the template has it.
  const { json } = synthTideline();
  const schedule = Object.values(json.Resources).find((resource) => resource.Type === 'AWS::Scheduler::Schedule');
  const input = JSON.parse((schedule?.Properties?.['Target'] as { Input: string }).Input) as unknown;
  // Act
  const report = (await deployed.fn('TidelineSource').invoke(input)) as { sources: number; kustomizations: number };
  // Assess: the bootstrap was fetched moments ago and the Kustomization just applied, so nothing is due.
  assert.deepEqual(report, { sources: 0, kustomizations: 0 });
  assert.equal(await deployed.settle(), 0);
});

test('the drift schedule’s input sweeps in the drift bundle, its shard comes back through the bus rule and puts a drifted object back, and alerts get DriftCorrected', async () => {
  // Prepare: the ConfigMap the push applied (the first test) changed by another manager, as `kubectl edit` would.
  const { json } = synthTideline();
  const schedule = Object.values(json.Resources).find(
    (resource) => resource.Type === 'AWS::Scheduler::Schedule' && String(resource.Properties?.['Description']).includes('drift'),
  );
  const input = JSON.parse((schedule?.Properties?.['Target'] as { Input: string }).Input) as unknown;
  const { kube } = await getTestEnv();
  const client = new ClusterClient(await endpointFromKubeconfigFile(kube.kubeconfigPath, undefined));
  const delivered = deployed.deliveries.length;
  try {
    await client.send('PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings`, {
      query: { fieldManager: 'kubectl-edit' },
      body: JSON.stringify({ data: { colour: 'red' } }),
      contentType: 'application/merge-patch+json',
    });
    // Act: the Scheduler invokes the drift bundle; every shard it published moves through moto.
    const started = (await deployed.fn('TidelineDrift').invoke(input)) as { sweepId: string; clusters: number; shards: number };
    const moved = await deployed.settle();
    // Assess
    assert.deepEqual(deployed.failures, [], deployed.logTail());
    assert.ok(started.clusters >= 1 && started.shards >= 1, JSON.stringify(started));
    assert.ok(moved >= 2, `sweep → shard → alerts moved ${moved} messages\n${deployed.logTail()}`);
    const config = (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' })) as { data?: Record<string, string> } | undefined;
    assert.equal(config?.data?.['colour'], 'green', deployed.logTail());
    const alerted = deployed.deliveries.slice(delivered).filter((delivery) => delivery.fn.startsWith('TidelineAlerts'));
    assert.ok(
      alerted.some((delivery) => delivery.detailType === 'DriftCorrected'),
      `alerts got ${JSON.stringify(alerted)}\n${deployed.logTail()}`,
    );
  } finally {
    client.close();
  }
});
