/**
 * The DynamoDB thread store against moto's DynamoDB, with an injected clock for expiry.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NotFoundError } from '#shared/errors/index.ts';
import { DynamoDbThreadStore } from '#shared/adapters/aws/dynamodb-thread-store.ts';
import { awsClients, createPkTable } from '#test/integration/intake/helpers.ts';
import { ManualClock } from '#test/unit/alerts/fixtures.ts';

let client: DynamoDBClient;
let table: string;

before(async () => {
  ({ dynamodb: client } = await awsClients());
  table = await createPkTable('alerts');
});

describe('DynamoDB thread store', () => {
  it('keeps the first thread ts of a key until it expires', async () => {
    // Prepare
    const clock = new ManualClock();
    const store = new DynamoDbThreadStore(client, table, clock);

    // Act
    await store.putIfAbsent('prod-eu|apps|rev1', '1700000000.000100', 60_000);
    await store.putIfAbsent('prod-eu|apps|rev1', '1700000000.000999', 60_000);
    const first = await store.get('prod-eu|apps|rev1');
    clock.advance(60_000);
    const expired = await store.get('prod-eu|apps|rev1');
    await store.putIfAbsent('prod-eu|apps|rev1', '1700000099.000100', 60_000);
    const renewed = await store.get('prod-eu|apps|rev1');

    // Assess
    assert.equal(first, '1700000000.000100');
    assert.equal(expired, undefined);
    assert.equal(renewed, '1700000099.000100');
  });

  it('an unknown key has no thread', async () => {
    // Act and assess
    assert.equal(await new DynamoDbThreadStore(client, table, new ManualClock()).get('never-seen'), undefined);
  });

  it('a missing table is a final error naming the table', async () => {
    // Prepare
    const store = new DynamoDbThreadStore(client, 'no-such-alerts-table', new ManualClock());

    // Act and assess
    await assert.rejects(store.get('k'), (error: unknown) => error instanceof NotFoundError && /no-such-alerts-table/.test(error.message));
  });
});
