// The pipeline's Lambda handlers in their AWS shape: loaded as Lambda loads them (environment
// first), wired to moto's EventBridge, SQS, S3, DynamoDB and Secrets Manager, the test Git server
// and the real API server. Events travel as they would deployed: a rule built from the catalog
// pattern delivers each to an SQS queue, from which the next handler is invoked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import yaml from 'js-yaml';
import { DynamoDbStatusStore } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { ClusterClient, endpointFromKubeconfigFile } from '#shared/kube/index.ts';
import { createGitRepo, getTestEnv, kubeContextName, type TestGitRepo } from '#test/env/index.ts';
import { statusTable } from '#test/integration/adapters/helpers.ts';
import { githubPushBody, githubPushHeaders } from '#test/support/webhooks.ts';
import { createCatalogBus, createDeliveriesTable, drainQueue } from '#test/integration/intake/helpers.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';

type Handler = (input: unknown) => Promise<unknown>;
let handlers: { source: Handler; render: Handler; intake: Handler; apply: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }> };
let queues: Map<string, string>;
let status: DynamoDbStatusStore;
let fleet: TestGitRepo;
let bucket: string;
let cacheDir: string;
const suffix = randomBytes(3).toString('hex');
const cluster = `aws-${suffix}`;
const namespace = `aws-fn-${suffix}`;
const GIT_RECEIVER_TOKEN = `token-${suffix}-from-git`;

before(async () => {
  const { moto, kube } = await getTestEnv();
  const aws = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
  fleet = await createGitRepo({
    name: 'aws-fleet',
    files: {
      [`clusters/${cluster}/receiver.yaml`]: yaml.dump({
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'from-git', namespace: 'flux-system' },
        spec: { type: 'github', secretRef: { name: 'from-git-token' }, resources: [{ kind: 'GitRepository', name: 'flux-system' }] },
      }),
      [`clusters/${cluster}/app.yaml`]: yaml.dump({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'app', namespace: 'flux-system' },
        spec: { interval: '10m', prune: true, path: './app', sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
      }),
      'app/objects.yaml': [
        yaml.dump({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
        yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { colour: 'blue' } }),
      ].join('---\n'),
    },
  });
  bucket = `tideline-bundles-${suffix}`;
  await new S3Client(aws).send(new CreateBucketCommand({ Bucket: bucket }));
  const table = await statusTable();
  status = new DynamoDbStatusStore(table.dynamodb, table.table);
  const prefix = `tideline-${suffix}/`;
  const kubeconfig = readFileSync(kube.kubeconfigPath, 'utf8').replaceAll(kubeContextName, cluster);
  const secretsManager = new SecretsManagerClient(aws);
  await secretsManager.send(new CreateSecretCommand({ Name: `${prefix}clusters/${cluster}`, SecretString: JSON.stringify({ kubeconfig }) }));
  await secretsManager.send(new CreateSecretCommand({ Name: `${prefix}flux-system/from-git-token`, SecretString: GIT_RECEIVER_TOKEN }));
  const bus = await createCatalogBus({
    source: ['GitPushReceived'],
    render: ['SourceChanged', 'RenderRequested'],
    apply: ['ManifestsRendered'],
    outcome: ['ReconcileSucceeded', 'ReconcileFailed', 'RenderFailed'],
  });
  queues = bus.queues;
  cacheDir = mkdtempSync(path.join(tmpdir(), 'tideline-aws-git-'));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: moto.region,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    TIDELINE_BUS_NAME: bus.busName,
    TIDELINE_ARTIFACT_BUCKET: bucket,
    TIDELINE_STATUS_TABLE: table.table,
    TIDELINE_SECRETS_PREFIX: prefix,
    TIDELINE_GIT_CACHE: cacheDir,
    TIDELINE_DELIVERIES_TABLE: await createDeliveriesTable(),
    TIDELINE_RECEIVERS: yaml.dump({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'bootstrap', namespace: 'flux-system' },
      spec: { type: 'github', secretRef: { name: 'bootstrap-token' }, resources: [{ kind: 'GitRepository', name: 'flux-system' }] },
    }),
    TIDELINE_BOOTSTRAP: JSON.stringify({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', url: fleet.url, ref: { branch: 'main' } },
    }),
  });
  handlers = {
    source: ((await import('#functions/source/handler.ts')) as { handler: Handler }).handler,
    render: ((await import('#functions/render/handler.ts')) as { handler: Handler }).handler,
    apply: ((await import('#functions/apply/handler.ts')) as { handler: typeof handlers.apply }).handler,
    intake: ((await import('#functions/webhook-intake/handler.ts')) as { handler: Handler }).handler,
  };
});
after(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Invokes `handler` with each envelope on `queue` until the queue stays empty. */
async function deliver(queue: string, handler: Handler): Promise<number> {
  let delivered = 0;
  for (;;) {
    const bodies = await drainQueue(queues.get(queue) as string);
    if (bodies.length === 0) return delivered;
    for (const body of bodies) await handler(JSON.parse(body));
    delivered += bodies.length;
  }
}

test('schedule → source → render → apply: the functions take a fleet from Git to the cluster through EventBridge, S3 and DynamoDB', async () => {
  // Act: the scheduled tick finds the bootstrap source due; each event goes through its rule and queue.
  await handlers.source({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' });
  assert.equal(await deliver('render', handlers.render), 1, 'one SourceChanged for the bootstrap');
  const applied = await drainQueue(queues.get('apply') as string);
  assert.ok(applied.length >= 2, 'the root and the app Kustomization were rendered');
  const result = await handlers.apply({ Records: applied.map((body, i) => ({ messageId: `m-${i}`, body })) } as SQSEvent);
  // Assess
  assert.deepEqual(result.batchItemFailures, []);
  const head = await fleet.head();
  const record = await status.getKustomization({ cluster, namespace: 'flux-system', name: 'app' });
  assert.equal(record?.lastAppliedRevision, `main@sha1:${head}`);
  assert.equal(record?.ready.status, 'True');
  const { kube } = await getTestEnv();
  const client = new ClusterClient(await endpointFromKubeconfigFile(kube.kubeconfigPath, undefined));
  try {
    const config = (await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' })) as { data?: Record<string, string> } | undefined;
    assert.equal(config?.data?.['colour'], 'blue');
  } finally {
    client.close();
  }
  const outcomes = (await drainQueue(queues.get('outcome') as string)).map((body) => (JSON.parse(body) as { 'detail-type': string })['detail-type']);
  assert.ok(outcomes.includes('ReconcileSucceeded'));
  const { moto } = await getTestEnv();
  const listed = await new S3Client({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials, forcePathStyle: true }).send(
    new ListObjectsV2Command({ Bucket: bucket }),
  );
  const keys = (listed.Contents ?? []).map((object) => object.Key);
  assert.ok(keys.includes('fleet/snapshot.json'));
  assert.ok(keys.some((key) => key?.startsWith('bundles/sha256/')));
});

test('a scheduled tick with no source due emits nothing, even when the repository moved (webhooks and intervals decide)', async () => {
  // Prepare: the source was fetched moments ago, so it is not due.
  await fleet.commit({ 'app/more.yaml': yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'more', namespace }, data: { a: '1' } }) }, 'more');
  // Act
  await handlers.source({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' });
  // Assess
  assert.equal(await deliver('render', handlers.render), 0);
});

test('a Receiver that Git added answers through the intake function with no redeploy, and its push reaches the source function', async () => {
  // Prepare: the first test's render stored the snapshot holding the Receiver `from-git`.
  const sha = await fleet.head();
  const body = githubPushBody({ sha, repository: { clone_url: fleet.url } });
  const request = {
    rawPath: receiverWebhookPath(GIT_RECEIVER_TOKEN, 'from-git', 'flux-system'),
    headers: githubPushHeaders(body, GIT_RECEIVER_TOKEN, `d-${suffix}`),
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' }, requestId: 'r-1' },
  };
  // Act
  const response = (await handlers.intake(request)) as { statusCode: number; body: string };
  const pushes = await drainQueue(queues.get('source') as string);
  // Assess
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(pushes.length, 1);
  for (const push of pushes) await handlers.source(JSON.parse(push));
  // The previous test's commit moved the ref: the push renders and applies it.
  assert.equal(await deliver('render', handlers.render), 1);
  const rendered = await drainQueue(queues.get('apply') as string);
  const result = await handlers.apply({ Records: rendered.map((body, i) => ({ messageId: `p-${i}`, body })) } as SQSEvent);
  assert.deepEqual(result.batchItemFailures, []);
  const { kube } = await getTestEnv();
  const client = new ClusterClient(await endpointFromKubeconfigFile(kube.kubeconfigPath, undefined));
  try {
    assert.ok(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'more' }));
  } finally {
    client.close();
  }
});
