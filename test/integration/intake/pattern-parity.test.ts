// The local in-process bus must route exactly as EventBridge does: the same rules and the same
// events, once through moto's EventBridge into SQS and once through the in-process bus, must land
// in the same places.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { EventBridgeBus } from '#shared/adapters/aws/eventbridge-bus.ts';
import { InProcessBus } from '#shared/adapters/local/in-process-bus.ts';
import type { CatalogEvent, GitProvider } from '#shared/events/catalog.ts';
import { makeEvent, patternFor } from '#shared/events/catalog.ts';
import { awsClients, drainQueue, unique } from './helpers.ts';
import { SAMPLE_SHA as SHA, gitPushEvent } from '#test/support/events.ts';

function push(id: string, provider: GitProvider, ref: string, before?: string): CatalogEvent {
  return gitPushEvent({
    eventId: id,
    correlationId: id,
    deliveryId: id,
    provider,
    repository: { urls: ['https://git.example.com/fleet.git'] },
    ref,
    ...(before ? { before } : {}),
    commits: 2,
  });
}

function failure(id: string): CatalogEvent {
  return makeEvent('RenderFailed', {
    version: 1,
    eventId: id,
    correlationId: id,
    occurredAt: '2026-03-01T12:00:00.000Z',
    cluster: 'prod',
    kustomization: { name: 'apps', namespace: 'flux-system' },
    revision: `main@sha1:${SHA}`,
    reason: 'BuildFailed',
    message: 'kustomization.yaml: unknown field',
  });
}

const RULES: Record<string, unknown> = {
  pushes: patternFor('GitPushReceived'),
  failures: patternFor('RenderFailed', 'ReconcileFailed'),
  branches: { ...patternFor('GitPushReceived'), detail: { ref: [{ prefix: 'refs/heads/' }] } },
  notGithub: { ...patternFor('GitPushReceived'), detail: { provider: [{ 'anything-but': ['github'] }] } },
  newRefs: { ...patternFor('GitPushReceived'), detail: { before: [{ exists: false }] } },
  gitlabTags: { source: ['tideline.intake'], detail: { provider: ['gitlab'], ref: [{ prefix: 'refs/tags/' }] } },
};

const EVENTS = [
  push('p1', 'github', 'refs/heads/main', SHA),
  push('p2', 'gitlab', 'refs/tags/v1.0.0'),
  push('p3', 'bitbucket', 'refs/heads/feature'),
  push('p4', 'gitlab', 'refs/heads/main', SHA),
  failure('f1'),
];

test('the in-process bus routes catalog events exactly as EventBridge rules with the same patterns do', async () => {
  // Prepare: one SQS queue per rule on a moto bus, and the same rules on an in-process bus.
  const { events, sqs } = await awsClients();
  const busName = unique('parity');
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const queues = new Map<string, string>();
  const local = new InProcessBus();
  const localRouted: Record<string, string[]> = {};
  for (const [name, pattern] of Object.entries(RULES)) {
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: unique(name) }));
    const { Attributes: attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    await events.send(new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: [{ Id: 'q', Arn: attributes?.['QueueArn'] }] }));
    queues.set(name, url as string);
    localRouted[name] = [];
    local.subscribe(pattern, (envelope) => void localRouted[name]?.push((envelope.detail as { eventId: string }).eventId));
  }
  // Act
  await new EventBridgeBus(events, busName).publish(EVENTS);
  await local.publish(EVENTS);
  await local.drain();
  const awsRouted: Record<string, string[]> = {};
  for (const [name, url] of queues) {
    awsRouted[name] = (await drainQueue(url)).map((body) => (JSON.parse(body) as { detail: { eventId: string } }).detail.eventId).sort();
    localRouted[name]?.sort();
  }
  // Assess: same routing, and the routing is the one intended.
  assert.deepEqual(localRouted, awsRouted);
  assert.deepEqual(awsRouted, {
    pushes: ['p1', 'p2', 'p3', 'p4'],
    failures: ['f1'],
    branches: ['p1', 'p3', 'p4'],
    notGithub: ['p2', 'p3', 'p4'],
    newRefs: ['p2', 'p3'],
    gitlabTags: ['p2'],
  });
});
