// A delivery whose first attempt died between claiming its id and publishing (a Lambda timeout,
// crash or OOM) must not be lost: through the real DynamoDB conditional writes and the real
// EventBridge bus (moto), its redelivery is held while the claim is live and published after.
import assert from 'node:assert/strict';
import { githubPushHeaders } from '#test/support/webhooks.ts';
import { test } from 'node:test';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { EventBridgeBus } from '#shared/adapters/aws/eventbridge-bus.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { parseReceiver, receiverWebhookPath } from '#shared/config/receiver.ts';
import { parseEvent } from '#shared/events/parse.ts';
import type { WebhookRequest } from '#shared/intake/index.ts';
import { DELIVERY_IN_PROGRESS_TTL_MS, ReceiverDirectory, handleWebhook } from '#shared/intake/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { busDyingOnPublish } from '#test/support/dying-bus.ts';
import { awsClients, createCatalogBus, createDeliveriesTable, drainQueue, unique } from './helpers.ts';

const TOKEN = 'redelivery-webhook-token';
const SHA = 'c441029cf673f84c8b7db52d0a5944ee5c52ff89';

function steppingClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

function githubPushRequest(namespace: string, deliveryId: string): WebhookRequest {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after: SHA,
    repository: { full_name: 'acme/fleet', clone_url: 'https://github.com/acme/fleet.git', html_url: 'https://github.com/acme/fleet' },
    commits: [{ id: SHA, message: 'Bump web' }],
  });
  return {
    method: 'POST',
    path: receiverWebhookPath(TOKEN, 'github', namespace),
    headers: githubPushHeaders(body, TOKEN, deliveryId),
    body: Buffer.from(body),
  };
}

test('a delivery whose first attempt died mid-publish is answered in-progress, then published once after the claim expired', async () => {
  // Prepare
  const { dynamodb, events } = await awsClients();
  const bus = await createCatalogBus({ pushes: ['GitPushReceived'] });
  const namespace = unique('ns');
  const receiver = parseReceiver({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'github', namespace },
    spec: { type: 'github', secretRef: { name: 'github-token' }, resources: [{ kind: 'GitRepository', name: 'fleet' }] },
  });
  const clock = steppingClock();
  const deps = {
    receivers: new ReceiverDirectory([receiver], new LocalSecretStore({ values: { [`${namespace}/github-token`]: TOKEN } }), { clock }),
    bus: new EventBridgeBus(events, bus.busName),
    deliveries: new DynamoDbTtlStore(dynamodb, await createDeliveriesTable(), { clock }),
    clock,
  };
  // The first attempt claims the id and dies while publishing: its publish is reached (so the
  // claim is written) and never settles.
  const dying = busDyingOnPublish();
  const deliveryId = unique('delivery');
  const queue = bus.queues.get('pushes') as string;
  void handleWebhook(githubPushRequest(namespace, deliveryId), { ...deps, bus: dying.bus });
  await dying.reached;
  // Act
  const whileClaimed = await handleWebhook(githubPushRequest(namespace, deliveryId), deps);
  clock.advance(DELIVERY_IN_PROGRESS_TTL_MS + 1000);
  const afterExpiry = await handleWebhook(githubPushRequest(namespace, deliveryId), deps);
  const again = await handleWebhook(githubPushRequest(namespace, deliveryId), deps);
  const delivered = await drainQueue(queue);
  // Assess
  assert.equal(whileClaimed.status, 503);
  assert.equal(JSON.parse(whileClaimed.body).status, 'in-progress');
  assert.equal(JSON.parse(afterExpiry.body).status, 'accepted');
  assert.equal(JSON.parse(again.body).status, 'duplicate');
  assert.equal(delivered.length, 1);
  assert.equal(parseEvent('GitPushReceived', delivered[0]).detail.deliveryId, deliveryId);
});
