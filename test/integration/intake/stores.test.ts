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
  // Prepare
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable());
  await store.putIfAbsent('k', 60_000);
  // Act
  await store.delete('k');
  const again = await store.putIfAbsent('k', 60_000);
  // Assess
  assert.equal(again, true);
});

test('the DynamoDB TTL store against a missing table fails with an error naming the table', async () => {
  // Prepare
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, 'no-such-table');
  // Act and assess
  await assert.rejects(store.putIfAbsent('k', 1000), /no-such-table/);
});

test('a DynamoDB claim is claimed once, then seen in progress, then done after completing', async () => {
  // Prepare
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable(), { clock: steppingClock() });
  // Act
  const first = await store.claim('webhook/flux-system/r/d-1', 120_000);
  const whileInProgress = await store.claim('webhook/flux-system/r/d-1', 120_000);
  const completed = await store.complete('webhook/flux-system/r/d-1', 86_400_000);
  const afterDone = await store.claim('webhook/flux-system/r/d-1', 120_000);
  // Assess
  assert.deepEqual([first, whileInProgress, completed, afterDone], ['claimed', 'in-progress', true, 'done']);
});

/** A DynamoDB claim store on a fresh table, on a clock the test moves, where `key` was just claimed for two minutes. */
async function storeWithClaim(key: string): Promise<{ clock: ReturnType<typeof steppingClock>; store: DynamoDbTtlStore }> {
  const { dynamodb } = await awsClients();
  const clock = steppingClock();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable(), { clock });
  await store.claim(key, 120_000);
  return { clock, store };
}

test('a DynamoDB claim that was never completed lapses after its expiry and is claimed again', async () => {
  // Prepare
  const { clock, store } = await storeWithClaim('k');
  // Act
  clock.advance(121_000);
  const again = await store.claim('k', 120_000);
  // Assess
  assert.equal(again, 'claimed');
});

test('a completed DynamoDB claim stays done past the in-progress expiry', async () => {
  // Prepare
  const { clock, store } = await storeWithClaim('k');
  await store.complete('k', 86_400_000);
  // Act
  clock.advance(3_600_000);
  const later = await store.claim('k', 120_000);
  // Assess
  assert.equal(later, 'done');
});

// Keys that cannot be completed: the store refuses, writes nothing and leaves the key claimable.
const UNCOMPLETABLE: { name: string; store: () => Promise<DynamoDbTtlStore> }[] = [
  {
    name: 'completing a lapsed DynamoDB claim is refused by the condition and leaves the key claimable',
    store: async () => {
      const { clock, store } = await storeWithClaim('k');
      clock.advance(121_000);
      return store;
    },
  },
  {
    name: 'completing a DynamoDB key that was never claimed writes nothing',
    store: async () => {
      const { dynamodb } = await awsClients();
      return new DynamoDbTtlStore(dynamodb, await createDeliveriesTable());
    },
  },
];
for (const c of UNCOMPLETABLE) {
  test(c.name, async () => {
    // Prepare
    const store = await c.store();
    // Act
    const completed = await store.complete('k', 86_400_000);
    const claimAfter = await store.claim('k', 120_000);
    // Assess: nothing completed, and the key is free to claim
    assert.deepEqual({ completed, claimAfter }, { completed: false, claimAfter: 'claimed' });
  });
}

test('a released DynamoDB claim can be claimed again at once', async () => {
  // Prepare
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable());
  await store.claim('k', 120_000);
  // Act
  await store.delete('k');
  const again = await store.claim('k', 120_000);
  // Assess
  assert.equal(again, 'claimed');
});

test('a key recorded in DynamoDB with putIfAbsent counts as done for a claim', async () => {
  // Prepare
  const { dynamodb } = await awsClients();
  const store = new DynamoDbTtlStore(dynamodb, await createDeliveriesTable());
  await store.putIfAbsent('k', 60_000);
  // Act
  const answer = await store.claim('k', 120_000);
  // Assess
  assert.equal(answer, 'done');
});

test('of concurrent DynamoDB claims of one key exactly one is claimed', async () => {
  // Prepare: separate clients, as separate Lambda containers would have.
  const table = await createDeliveriesTable();
  const stores = await Promise.all(Array.from({ length: 8 }, async () => new DynamoDbTtlStore((await awsClients()).dynamodb, table)));
  // Act
  const answers = await Promise.all(stores.map((store) => store.claim('webhook/flux-system/r/race', 120_000)));
  // Assess
  assert.equal(answers.filter((answer) => answer === 'claimed').length, 1);
  assert.equal(answers.filter((answer) => answer === 'in-progress').length, 7);
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
  // Prepare
  const { secrets } = await awsClients();
  const name = unique('tideline/ttl');
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'old' }));
  const clock = steppingClock();
  const store = new SecretsManagerSecretStore(secrets, { ttlMs: 1000, clock });
  await store.getSecret(name);
  // Act
  await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }));
  clock.advance(1001);
  const reread = await store.getSecret(name);
  // Assess
  assert.equal(reread, 'new');
});

test('a missing secret in Secrets Manager is a NotFoundError naming it', async () => {
  // Prepare
  const { secrets } = await awsClients();
  const store = new SecretsManagerSecretStore(secrets, { prefix: 'tideline/' });
  // Act and assess
  await assert.rejects(store.getSecret('flux-system/absent'), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /tideline\/flux-system\/absent/);
    return true;
  });
});
