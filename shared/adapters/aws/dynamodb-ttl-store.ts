/**
 * {@link TtlStore} over DynamoDB: one item per key with a TTL attribute.
 *
 * The first sighting is a conditional put, so two concurrent deliveries of one webhook cannot
 * both win. DynamoDB deletes expired items only eventually (often hours later), so the
 * condition also treats an item whose expiry has passed as absent. Claims carry a state
 * attribute (`in-progress`, then `done`); the move to `done` is an update conditioned on the
 * state, so it never revives a claim that lapsed or was released. Items written by
 * `putIfAbsent` carry no state and count as done.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ClaimState, Clock, TtlStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

export interface DynamoDbTtlStoreOptions {
  /** Partition key attribute (string), default `pk`. */
  keyAttribute?: string;
  /** The table's TTL attribute (epoch seconds), default `expiresAt`. */
  ttlAttribute?: string;
  /** Attribute holding a claim's state (`in-progress` or `done`), default `state`. */
  stateAttribute?: string;
  clock?: Clock;
}

/** Keys that expire, kept in a DynamoDB table with TTL enabled on `ttlAttribute`. */
export class DynamoDbTtlStore implements TtlStore {
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #table: string;
  readonly #keyAttribute: string;
  readonly #ttlAttribute: string;
  readonly #stateAttribute: string;
  readonly #clock: Clock;

  constructor(client: Pick<DynamoDBClient, 'send'>, tableName: string, options: DynamoDbTtlStoreOptions = {}) {
    this.#client = client;
    this.#table = tableName;
    this.#keyAttribute = options.keyAttribute ?? 'pk';
    this.#ttlAttribute = options.ttlAttribute ?? 'expiresAt';
    this.#stateAttribute = options.stateAttribute ?? 'state';
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
      if (isConditionFailure(error)) return false;
      throw fromAwsError(error, `recording ${key} in table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  /**
   * Claims `key` as in progress unless a live item exists, else answers that item's state. The
   * failed condition returns the item it met, so the answer costs no second read; a read is made
   * only when the endpoint does not return it.
   */
  async claim(key: string, inProgressTtlMs: number): Promise<ClaimState> {
    // A live item seen by the condition may be released before the read that follows it; then
    // the claim is tried again. Three rounds of such races mean someone is actively working.
    for (let round = 0; round < 3; round += 1) {
      const now = this.#clock.now();
      const nowSeconds = Math.floor(now / 1000);
      let existing: Record<string, AttributeValue> | undefined;
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: {
              [this.#keyAttribute]: { S: key },
              [this.#ttlAttribute]: { N: String(Math.ceil((now + inProgressTtlMs) / 1000)) },
              [this.#stateAttribute]: { S: 'in-progress' },
            },
            ConditionExpression: 'attribute_not_exists(#key) OR #ttl <= :now',
            ExpressionAttributeNames: { '#key': this.#keyAttribute, '#ttl': this.#ttlAttribute },
            ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'claimed';
      } catch (error) {
        if (!isConditionFailure(error)) throw fromAwsError(error, `claiming ${key} in table ${this.#table}`, { unansweredIsTransient: true });
        existing = (error as { Item?: Record<string, AttributeValue> }).Item ?? (await this.#read(key));
      }
      if (existing && Number(existing[this.#ttlAttribute]?.N) > nowSeconds) {
        return existing[this.#stateAttribute]?.S === 'in-progress' ? 'in-progress' : 'done';
      }
    }
    return 'in-progress';
  }

  /** Turns a live in-progress claim into a done item kept for `ttlMs`; false when there is none. */
  async complete(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { [this.#keyAttribute]: { S: key } },
          UpdateExpression: 'SET #state = :done, #ttl = :expiresAt',
          ConditionExpression: '#state = :inProgress AND #ttl > :now',
          ExpressionAttributeNames: { '#state': this.#stateAttribute, '#ttl': this.#ttlAttribute },
          ExpressionAttributeValues: {
            ':done': { S: 'done' },
            ':inProgress': { S: 'in-progress' },
            ':expiresAt': { N: String(Math.ceil((now + ttlMs) / 1000)) },
            ':now': { N: String(Math.floor(now / 1000)) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw fromAwsError(error, `completing ${key} in table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  /** Forgets `key`. */
  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: { [this.#keyAttribute]: { S: key } } }));
    } catch (error) {
      throw fromAwsError(error, `forgetting ${key} in table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  async #read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const { Item: item } = await this.#client.send(
        new GetItemCommand({ TableName: this.#table, Key: { [this.#keyAttribute]: { S: key } }, ConsistentRead: true }),
      );
      return item;
    } catch (error) {
      throw fromAwsError(error, `reading ${key} in table ${this.#table}`, { unansweredIsTransient: true });
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
