import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { SecretsManagerSecretStore } from '#shared/adapters/aws/secrets-manager-store.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { awsClients, createDeliveriesTable, unique } from './helpers.ts';

function steppingClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

test('the DynamoDB TTL store records a key once until it expires', async () => {
  // Prepare
  const { dynamodb } = await awsClients();
  const clock = steppingClock();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable(), { clock });
  // Act
  const first = await store.putIfAbsent('webhook/flux-system/r/d-1', 60_000);
  const second = await store.putIfAbsent('webhook/flux-system/r/d-1', 60_000);
  clock.advance(61_000);
  const afterExpiry = await store.putIfAbsent('webhook/flux-system/r/d-1', 60_000);
  // Assess
  assert.deepEqual([first, second, afterExpiry], [true, false, true]);
});

test('a deleted key in the DynamoDB TTL store can be recorded again', async () => {
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable());
  await store.putIfAbsent('k', 60_000);
  await store.delete('k');
  assert.equal(await store.putIfAbsent('k', 60_000), true);
});

test('the DynamoDB TTL store against a missing table fails with an error naming the table', async () => {
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, 'no-such-table');
  await assert.rejects(store.putIfAbsent('k', 1000), /no-such-table/);
});

test('the Secrets Manager store reads a secret under its prefix and serves it from cache until fresh is asked', async () => {
  // Prepare
  const { secrets } = await awsClients();
  const prefix = `${unique('tideline')}/`;
  await secrets.send(new CreateSecretCommand({ Name: `${prefix}flux-system/webhook-token`, SecretString: 'first' }));
  const store = new SecretsManagerSecretStore(secrets, { prefix, clock: steppingClock() });
  // Act
  const initial = await store.getSecret('flux-system/webhook-token');
  await secrets.send(new PutSecretValueCommand({ SecretId: `${prefix}flux-system/webhook-token`, SecretString: 'second' }));
  const cached = await store.getSecret('flux-system/webhook-token');
  const fresh = await store.getSecret('flux-system/webhook-token', { fresh: true });
  // Assess
  assert.deepEqual([initial, cached, fresh], ['first', 'first', 'second']);
});

test('the Secrets Manager store re-reads a secret after its TTL', async () => {
  const { secrets } = await awsClients();
  const name = unique('tideline/ttl');
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'old' }));
  const clock = steppingClock();
  const store = new SecretsManagerSecretStore(secrets, { ttlMs: 1000, clock });
  await store.getSecret(name);
  await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }));
  clock.advance(1001);
  assert.equal(await store.getSecret(name), 'new');
});

test('a missing secret in Secrets Manager is a NotFoundError naming it', async () => {
  const { secrets } = await awsClients();
  const store = new SecretsManagerSecretStore(secrets, { prefix: 'tideline/' });
  await assert.rejects(store.getSecret('flux-system/absent'), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /tideline\/flux-system\/absent/);
    return true;
  });
});
