/**
 * {@link TtlStore} over DynamoDB: one item per key with a TTL attribute.
 *
 * The first sighting is a conditional put, so two concurrent deliveries of one webhook cannot
 * both win. DynamoDB deletes expired items only eventually (often hours later), so the
 * condition also treats an item whose expiry has passed as absent.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { errorMessage, InvalidInputError, TransientError } from '#shared/errors/index.ts';
import type { Clock, TtlStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';

export interface DynamoDbTtlStoreOptions {
  /** Partition key attribute (string), default `pk`. */
  keyAttribute?: string;
  /** The table's TTL attribute (epoch seconds), default `expiresAt`. */
  ttlAttribute?: string;
  clock?: Clock;
}

/** Keys that expire, kept in a DynamoDB table with TTL enabled on `ttlAttribute`. */
export class DynamoDbTtlStore implements TtlStore {
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #table: string;
  readonly #keyAttribute: string;
  readonly #ttlAttribute: string;
  readonly #clock: Clock;

  constructor(client: Pick<DynamoDBClient, 'send'>, tableName: string, options: DynamoDbTtlStoreOptions = {}) {
    this.#client = client;
    this.#table = tableName;
    this.#keyAttribute = options.keyAttribute ?? 'pk';
    this.#ttlAttribute = options.ttlAttribute ?? 'expiresAt';
    this.#clock = options.clock ?? systemClock;
  }

  /** Records `key` unless a live record exists; true when this call recorded it. */
  async putIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const expiresAt = Math.ceil((now + ttlMs) / 1000);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { [this.#keyAttribute]: { S: key }, [this.#ttlAttribute]: { N: String(expiresAt) } },
          ConditionExpression: 'attribute_not_exists(#key) OR #ttl <= :now',
          ExpressionAttributeNames: { '#key': this.#keyAttribute, '#ttl': this.#ttlAttribute },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string } | null)?.name === 'ConditionalCheckFailedException') return false;
      throw storeError(`recording ${key} in table ${this.#table} failed`, error);
    }
  }

  /** Forgets `key`. */
  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: { [this.#keyAttribute]: { S: key } } }));
    } catch (error) {
      throw storeError(`forgetting ${key} in table ${this.#table} failed`, error);
    }
  }
}

/** Throttling, 5xx and connection trouble are transient; a missing table or bad request is not. */
function storeError(message: string, error: unknown): Error {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  const transient =
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable|TimeoutError|ECONNRESET|ECONNREFUSED/.test(e?.name ?? '') ||
    status === undefined ||
    status === 429 ||
    status >= 500;
  const text = `${message}: ${errorMessage(error)}`;
  return transient ? new TransientError(text, { cause: error }) : new InvalidInputError(text, { cause: error });
}
