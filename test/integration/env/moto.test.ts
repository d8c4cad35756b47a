import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getTestEnv } from '#test/env/index.ts';

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

test('an EventBridge rule delivers matching events to its SQS target and ignores others', async () => {
  // Prepare
  const { moto } = await getTestEnv();
  const clientConfig = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
  const events = new EventBridgeClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const busName = unique('bus');
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('queue') }));
  assert.ok(queueUrl);
  const { Attributes: attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new CreateEventBusCommand({ Name: busName }));
  await events.send(
    new PutRuleCommand({
      Name: 'rendered',
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: ['tideline.render'], 'detail-type': ['ManifestsRendered'] }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'rendered', EventBusName: busName, Targets: [{ Id: 'queue', Arn: attributes?.['QueueArn'] }] }));

  // Act
  const put = await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: busName, Source: 'tideline.render', DetailType: 'ManifestsRendered', Detail: JSON.stringify({ revision: 'match' }) },
        { EventBusName: busName, Source: 'tideline.render', DetailType: 'SomethingElse', Detail: JSON.stringify({ revision: 'other-type' }) },
        { EventBusName: busName, Source: 'tideline.intake', DetailType: 'ManifestsRendered', Detail: JSON.stringify({ revision: 'other-source' }) },
      ],
    }),
  );
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
  // Delivery is synchronous in moto; a second poll proves nothing else is on its way.
  const more = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));

  // Assess
  assert.equal(put.FailedEntryCount, 0);
  const details = [...(received.Messages ?? []), ...(more.Messages ?? [])].map(
    (message) => JSON.parse(message.Body ?? '{}') as { detail?: { revision?: string } },
  );
  assert.deepEqual(
    details.map((body) => body.detail?.revision),
    ['match'],
  );
});

test('a secret stored in Secrets Manager reads back with the same value', async () => {
  // Prepare
  const { moto } = await getTestEnv();
  const secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials });
  const name = unique('tideline/test/webhook-token');

  // Act
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 's3cr3t-value' }));
  const read = await secrets.send(new GetSecretValueCommand({ SecretId: name }));

  // Assess
  assert.equal(read.SecretString, 's3cr3t-value');
  assert.equal(read.Name, name);
});
