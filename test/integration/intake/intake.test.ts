import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { githubPushHeaders } from '#test/support/webhooks.ts';
import { before, test } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { EventBridgeBus, putEventsClientFor } from '#shared/adapters/aws/eventbridge-bus.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { makeEvent } from '#shared/events/catalog.ts';
import { parseEvent } from '#shared/events/parse.ts';
import type { PutEventsClient } from '#shared/events/publish.ts';
import type { CatalogBus } from './helpers.ts';
import { awsClients, createCatalogBus, createDeliveriesTable, drainQueue, unique } from './helpers.ts';

const SHA_BEFORE = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
const SHA_AFTER = 'c441029cf673f84c8b7db52d0a5944ee5c52ff89';
const TOKEN = 'integration-webhook-token';

let bus: CatalogBus;
let namespace: string;
let handler: (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number | undefined; body?: string | undefined }>;

before(async () => {
  // Prepare once: a bus whose rules come from the catalog, a deliveries table, the receiver's
  // token in Secrets Manager, and the real handler module configured through its environment.
  const { config, secrets } = await awsClients();
  bus = await createCatalogBus({
    pushes: ['GitPushReceived'],
    reconciles: ['ReconcileSucceeded', 'ReconcileFailed'],
    rendered: ['ManifestsRendered', 'RenderFailed'],
  });
  namespace = unique('ns');
  await secrets.send(new CreateSecretCommand({ Name: `tideline/${namespace}/github-token`, SecretString: JSON.stringify({ token: TOKEN }) }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: config.endpoint,
    AWS_REGION: config.region,
    AWS_ACCESS_KEY_ID: config.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    TIDELINE_BUS_NAME: bus.busName,
    TIDELINE_DELIVERIES_TABLE: await createDeliveriesTable(),
    TIDELINE_SECRETS_PREFIX: 'tideline/',
    // Two YAML documents: a GitHub receiver and a Flux-style generic-hmac one sharing its token.
    TIDELINE_RECEIVERS: [
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'github', namespace },
        spec: { type: 'github', events: ['ping', 'push'], secretRef: { name: 'github-token' }, resources: [{ kind: 'GitRepository', name: 'fleet' }] },
      },
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'ci', namespace },
        spec: {
          type: 'generic-hmac',
          secretRef: { name: 'github-token' },
          resources: [
            { kind: 'GitRepository', name: 'fleet' },
            { kind: 'Kustomization', name: 'apps', namespace: 'prod' },
          ],
        },
      },
    ]
      .map((receiver) => JSON.stringify(receiver))
      .join('\n---\n'),
  });
  ({ handler } = await import('#functions/webhook-intake/handler.ts'));
});

function pushPayload(): string {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: SHA_BEFORE,
    after: SHA_AFTER,
    repository: {
      full_name: 'acme/fleet',
      clone_url: 'https://github.com/acme/fleet.git',
      ssh_url: 'git@github.com:acme/fleet.git',
      html_url: 'https://github.com/acme/fleet',
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    commits: [{ id: SHA_AFTER, message: 'Bump web' }],
  });
}

function functionUrlEvent(body: string, headers: Record<string, string>, receiverName = 'github'): APIGatewayProxyEventV2 {
  const path = receiverWebhookPath(TOKEN, receiverName, namespace);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'url',
      domainName: 'url.lambda-url.us-east-1.on.aws',
      domainPrefix: 'url',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'GitHub-Hookshot/044aadd' },
      requestId: unique('req'),
      routeKey: '$default',
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

function signedHeaders(body: string, deliveryId: string, secret = TOKEN): Record<string, string> {
  return githubPushHeaders(body, secret, deliveryId);
}

async function drainAll(): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const [name, url] of bus.queues) result[name] = await drainQueue(url);
  return result;
}

test('a signed GitHub push through the handler lands on the GitPushReceived queue and parses with the catalog schema', async () => {
  // Prepare
  const body = pushPayload();
  // Act
  const response = await handler(functionUrlEvent(body, signedHeaders(body, unique('delivery'))));
  const queues = await drainAll();
  // Assess
  assert.equal(response.statusCode, 200);
  assert.equal(queues['pushes']?.length, 1);
  const event = parseEvent('GitPushReceived', queues['pushes']?.[0]);
  assert.equal(event.detail.revision, SHA_AFTER);
  assert.equal(event.detail.before, SHA_BEFORE);
  assert.deepEqual(event.detail.receiver, { name: 'github', namespace });
  assert.deepEqual(event.detail.resources, [{ kind: 'GitRepository', name: 'fleet', namespace }]);
  assert.deepEqual(queues['reconciles'], []);
  assert.deepEqual(queues['rendered'], []);
});

test('a push with a bad signature is refused with 401 and leaves every queue empty', async () => {
  // Prepare
  const body = pushPayload();
  // Act
  const response = await handler(functionUrlEvent(body, signedHeaders(body, unique('delivery'), 'wrong-secret')));
  const queues = await drainAll();
  // Assess
  assert.equal(response.statusCode, 401);
  assert.deepEqual(queues, { pushes: [], reconciles: [], rendered: [] });
});

test('the same delivery twice through the handler is emitted once', async () => {
  // Prepare
  const body = pushPayload();
  const headers = signedHeaders(body, unique('delivery'));
  // Act
  const first = await handler(functionUrlEvent(body, headers));
  const second = await handler(functionUrlEvent(body, headers));
  const queues = await drainAll();
  // Assess
  assert.equal(first.statusCode, 200);
  assert.equal(second.statusCode, 200);
  assert.equal(JSON.parse(second.body ?? '{}').status, 'duplicate');
  assert.equal(queues['pushes']?.length, 1);
});

test('a signed generic-hmac request with any body lands on the queue carrying only the receiver resources', async () => {
  // Prepare
  const body = '{}';
  // Act
  const response = await handler(functionUrlEvent(body, { 'x-signature': `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}` }, 'ci'));
  const queues = await drainAll();
  // Assess
  assert.equal(response.statusCode, 200);
  assert.equal(queues['pushes']?.length, 1);
  const event = parseEvent('GitPushReceived', queues['pushes']?.[0]);
  assert.deepEqual(event.detail.resources, [
    { kind: 'GitRepository', name: 'fleet', namespace },
    { kind: 'Kustomization', name: 'apps', namespace: 'prod' },
  ]);
  assert.equal(event.detail.revision, undefined);
  assert.equal(event.detail.ref, undefined);
});

test('an unsigned generic-hmac request is refused with 401 and leaves every queue empty', async () => {
  // Act
  const response = await handler(functionUrlEvent('{}', { 'content-type': 'application/json' }, 'ci'));
  const queues = await drainAll();
  // Assess
  assert.equal(response.statusCode, 401);
  assert.deepEqual(queues, { pushes: [], reconciles: [], rendered: [] });
});

function reconcileEvent(index: number): CatalogEvent {
  return makeEvent('ReconcileSucceeded', {
    version: 1,
    eventId: `reconcile-${index}`,
    correlationId: 'c',
    occurredAt: '2026-03-01T12:00:00.000Z',
    cluster: 'prod',
    kustomization: { name: 'apps', namespace: 'flux-system' },
    revision: `main@sha1:${SHA_AFTER}`,
    digest: `sha256:${'b'.repeat(64)}`,
    changeSet: { counts: { Created: 0, Configured: 1, Unchanged: 3, Deleted: 0, Skipped: 0 }, entries: [], omitted: 0 },
    durationMs: 1200,
  });
}

test('25 events published through the EventBridge bus all arrive, each exactly once', async () => {
  // Prepare
  const { events } = await awsClients();
  // Act
  const result = await new EventBridgeBus(events, bus.busName).publish(Array.from({ length: 25 }, (_, i) => reconcileEvent(i)));
  const queues = await drainAll();
  // Assess
  assert.equal(result.published, 25);
  const ids = (queues['reconciles'] ?? []).map((body) => parseEvent('ReconcileSucceeded', body).detail.eventId).sort();
  assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => `reconcile-${i}`).sort());
});

test('entries refused in a partial PutEvents failure are retried and arrive exactly once', async () => {
  // Prepare: moto behind a wrapper whose first call forwards only the even entries and reports
  // the odd ones as throttled, the way EventBridge answers a partial failure.
  const { events } = await awsClients();
  const real = putEventsClientFor(events);
  let calls = 0;
  const sentPerCall: number[] = [];
  const flaky: PutEventsClient = {
    async putEvents(entries) {
      calls += 1;
      sentPerCall.push(entries.length);
      if (calls > 1) return real.putEvents(entries);
      const accepted = entries.filter((_, i) => i % 2 === 0);
      const output = await real.putEvents(accepted);
      let next = 0;
      return {
        FailedEntryCount: entries.length - accepted.length,
        Entries: entries.map((_, i) => (i % 2 === 0 ? (output.Entries?.[next++] ?? {}) : { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' })),
      };
    },
  };
  // Act
  const result = await new EventBridgeBus(flaky, bus.busName, { baseDelayMs: 1 }).publish(Array.from({ length: 6 }, (_, i) => reconcileEvent(100 + i)));
  const queues = await drainAll();
  // Assess
  assert.equal(result.published, 6);
  assert.deepEqual(sentPerCall, [6, 3]);
  const ids = (queues['reconciles'] ?? []).map((body) => parseEvent('ReconcileSucceeded', body).detail.eventId).sort();
  assert.deepEqual(ids, Array.from({ length: 6 }, (_, i) => `reconcile-${100 + i}`).sort());
});
