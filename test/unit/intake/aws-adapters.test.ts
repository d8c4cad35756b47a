// Error translation and caching of the AWS adapters, with narrow stand-ins for the SDK clients
// (their behaviour against a real service is covered by the moto integration tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { SecretsManagerSecretStore } from '#shared/adapters/aws/secrets-manager-store.ts';
import { TransientError, UnauthorizedError } from '#shared/errors/index.ts';

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

/** A DynamoDbTtlStore on table 'deliveries' whose every call fails with the AWS error `name`. */
const tableFailingWith = (name: string): DynamoDbTtlStore =>
  new DynamoDbTtlStore({ send: async () => Promise.reject(awsError(name, 400)) } as never, 'deliveries');

/** A predicate for assert.rejects: the error is a `type` whose message matches `message`. */
function errorOf(type: new (...args: never[]) => Error, message: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof type);
    assert.match(error.message, message);
    return true;
  };
}

test('concurrent cold reads of one secret make a single Secrets Manager call', async () => {
  // Prepare
  let calls = 0;
  const client = {
    send: async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { SecretString: 'value' };
    },
  };
  const store = new SecretsManagerSecretStore(client as never);
  // Act
  const values = await Promise.all([store.getSecret('a'), store.getSecret('a'), store.getSecret('a')]);
  // Assess
  assert.deepEqual(values, ['value', 'value', 'value']);
  assert.equal(calls, 1);
});

test('a throttled Secrets Manager read is a TransientError', async () => {
  // Prepare
  const store = new SecretsManagerSecretStore({ send: async () => Promise.reject(awsError('ThrottlingException', 400)) } as never);
  // Act and assess
  await assert.rejects(store.getSecret('a'), TransientError);
});

test('an access-denied Secrets Manager read is a final permission error naming the secret', async () => {
  // Prepare
  const store = new SecretsManagerSecretStore({ send: async () => Promise.reject(awsError('AccessDeniedException', 400)) } as never, { prefix: 'tideline/' });
  // Act and assess
  await assert.rejects(store.getSecret('ns/token'), errorOf(UnauthorizedError, /tideline\/ns\/token/));
});

test('a failed conditional put means the key was already recorded', async () => {
  // Prepare
  const store = tableFailingWith('ConditionalCheckFailedException');
  // Act
  const recorded = await store.putIfAbsent('k', 1000);
  // Assess
  assert.equal(recorded, false);
});

test('a throttled DynamoDB write is a TransientError naming the table', async () => {
  // Prepare
  const store = tableFailingWith('ProvisionedThroughputExceededException');
  // Act and assess
  await assert.rejects(store.putIfAbsent('k', 1000), errorOf(TransientError, /deliveries/));
});

test('the conditional put treats an expired item as absent and writes the TTL in epoch seconds', async () => {
  // Prepare
  const inputs: { ConditionExpression?: string; Item?: Record<string, { N?: string }>; ExpressionAttributeValues?: Record<string, { N?: string }> }[] = [];
  const store = new DynamoDbTtlStore({ send: async (command: { input: (typeof inputs)[number] }) => void inputs.push(command.input) } as never, 't', {
    clock: { now: () => 1_000_500, sleep: async () => {} },
  });
  // Act
  await store.putIfAbsent('k', 60_000);
  // Assess
  assert.equal(inputs[0]?.ConditionExpression, 'attribute_not_exists(#key) OR #ttl <= :now');
  assert.equal(inputs[0]?.Item?.['expiresAt']?.N, '1061');
  assert.equal(inputs[0]?.ExpressionAttributeValues?.[':now']?.N, '1000');
});

test('a claim is a conditional put of an in-progress item that asks for the item it met', async () => {
  // Prepare
  const inputs: { ConditionExpression?: string; Item?: Record<string, { N?: string; S?: string }>; ReturnValuesOnConditionCheckFailure?: string }[] = [];
  const store = new DynamoDbTtlStore({ send: async (command: { input: (typeof inputs)[number] }) => void inputs.push(command.input) } as never, 't', {
    clock: { now: () => 1_000_500, sleep: async () => {} },
  });
  // Act
  const answer = await store.claim('k', 120_000);
  // Assess
  assert.equal(answer, 'claimed');
  assert.equal(inputs[0]?.ConditionExpression, 'attribute_not_exists(#key) OR #ttl <= :now');
  assert.equal(inputs[0]?.Item?.['state']?.S, 'in-progress');
  assert.equal(inputs[0]?.Item?.['expiresAt']?.N, '1121');
  assert.equal(inputs[0]?.ReturnValuesOnConditionCheckFailure, 'ALL_OLD');
});

test('a refused claim answers the state of the item the condition met', async () => {
  // Prepare
  const met = { pk: { S: 'k' }, expiresAt: { N: '2000' }, state: { S: 'in-progress' } };
  const store = new DynamoDbTtlStore(
    { send: async () => Promise.reject(Object.assign(awsError('ConditionalCheckFailedException', 400), { Item: met })) } as never,
    't',
    {
      clock: { now: () => 1_000_500, sleep: async () => {} },
    },
  );
  // Act
  const answer = await store.claim('k', 120_000);
  // Assess
  assert.equal(answer, 'in-progress');
});

test('a refused claim without the met item reads it back consistently; an item without state counts as done', async () => {
  // Prepare
  const reads: { ConsistentRead?: boolean }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: { ConsistentRead?: boolean } }) => {
      if (command.constructor.name === 'GetItemCommand') {
        reads.push(command.input);
        return { Item: { pk: { S: 'k' }, expiresAt: { N: '2000' } } };
      }
      throw awsError('ConditionalCheckFailedException', 400);
    },
  };
  const store = new DynamoDbTtlStore(client as never, 't', { clock: { now: () => 1_000_500, sleep: async () => {} } });
  // Act
  const answer = await store.claim('k', 120_000);
  // Assess
  assert.equal(answer, 'done');
  assert.deepEqual(
    reads.map((read) => read.ConsistentRead),
    [true],
  );
});

test('completing is an update conditioned on a live in-progress state', async () => {
  // Prepare
  const inputs: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, { N?: string; S?: string }> }[] = [];
  const store = new DynamoDbTtlStore({ send: async (command: { input: (typeof inputs)[number] }) => void inputs.push(command.input) } as never, 't', {
    clock: { now: () => 1_000_500, sleep: async () => {} },
  });
  // Act
  const completed = await store.complete('k', 86_400_000);
  // Assess
  assert.equal(completed, true);
  assert.equal(inputs[0]?.ConditionExpression, '#state = :inProgress AND #ttl > :now');
  assert.equal(inputs[0]?.ExpressionAttributeValues?.[':expiresAt']?.N, String(1001 + 86_400));
});

test('a throttled claim is a TransientError naming the table and never an answer', async () => {
  // Prepare
  const store = tableFailingWith('ThrottlingException');
  // Act and assess
  await assert.rejects(store.claim('k', 1000), errorOf(TransientError, /deliveries/));
});
