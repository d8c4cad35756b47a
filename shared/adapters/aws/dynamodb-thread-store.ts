/**
 * {@link ThreadStore} over DynamoDB, so a revision's Slack thread survives cold starts.
 *
 * It shares the dedup table (string key `pk`, TTL attribute `expiresAt` in epoch seconds) with its
 * own key prefix. The first message of a revision wins a conditional put; DynamoDB removes
 * expired items only eventually, so reads and the condition both treat a passed expiry as absent.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { systemClock, type Clock, type ThreadStore } from '#shared/ports/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

const PREFIX = 'alert-thread/';

/** Slack thread timestamps in a DynamoDB table keyed by `pk` with TTL on `expiresAt`. */
export class DynamoDbThreadStore implements ThreadStore {
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(client: Pick<DynamoDBClient, 'send'>, tableName: string, clock: Clock = systemClock) {
    this.#client = client;
    this.#table = tableName;
    this.#clock = clock;
  }

  /** The thread `ts` remembered for `key`, unless expired. */
  async get(key: string): Promise<string | undefined> {
    try {
      const { Item: item } = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: PREFIX + key } }, ConsistentRead: true }));
      const ts = item?.ts?.S;
      const expiresAt = Number(item?.expiresAt?.N ?? 0);
      return ts !== undefined && expiresAt * 1000 > this.#clock.now() ? ts : undefined;
    } catch (error) {
      throw fromAwsError(error, `reading a thread from table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  /** Remembers `ts` for `key` unless a live entry exists (the first message starts the thread). */
  async putIfAbsent(key: string, ts: string, ttlMs: number): Promise<void> {
    const now = this.#clock.now();
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { pk: { S: PREFIX + key }, ts: { S: ts }, expiresAt: { N: String(Math.ceil((now + ttlMs) / 1000)) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string } | null)?.name === 'ConditionalCheckFailedException') return;
      throw fromAwsError(error, `remembering a thread in table ${this.#table}`, { unansweredIsTransient: true });
    }
  }
}
