// Moto fixtures for the intake integration tests: an EventBridge bus whose rules are built from
// the catalog patterns, each targeting its own SQS queue, so a test can see where events landed.
import { randomBytes } from 'node:crypto';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DetailType } from '#shared/events/catalog.ts';
import { patternFor } from '#shared/events/catalog.ts';
import { getTestEnv } from '#test/env/index.ts';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function awsClients(): Promise<{
  config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  events: EventBridgeClient;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  secrets: SecretsManagerClient;
}> {
  const { moto } = await getTestEnv();
  const config = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
  return {
    config,
    events: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    dynamodb: new DynamoDBClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

export interface CatalogBus {
  busName: string;
  /** Queue URL per rule, each rule selecting the listed detail-types with `patternFor`. */
  queues: Map<string, string>;
}

/** Creates a bus with one rule (from the catalog's pattern) and one SQS queue per group of detail-types. */
export async function createCatalogBus(groups: Record<string, DetailType[]>): Promise<CatalogBus> {
  const { events, sqs } = await awsClients();
  const busName = unique('tideline');
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const queues = new Map<string, string>();
  for (const [name, types] of Object.entries(groups)) {
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: unique(name) }));
    const { Attributes: attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    await events.send(new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify(patternFor(...types)) }));
    await events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: [{ Id: 'queue', Arn: attributes?.['QueueArn'] }] }));
    queues.set(name, url as string);
  }
  return { busName, queues };
}

/** Receives (and deletes) every message currently on a queue; moto delivers synchronously. */
export async function drainQueue(queueUrl: string): Promise<string[]> {
  const { sqs } = await awsClients();
  const bodies: string[] = [];
  for (;;) {
    const { Messages: messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(message.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

/** A DynamoDB table keyed by `pk` (string), as the deliveries table is. */
export function createDeliveriesTable(): Promise<string> {
  return createPkTable('deliveries');
}

/** A fresh DynamoDB table named after `prefix` and keyed by `pk` (string), as Tideline's tables are. */
export async function createPkTable(prefix: string): Promise<string> {
  const { dynamodb } = await awsClients();
  const name = unique(prefix);
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}
