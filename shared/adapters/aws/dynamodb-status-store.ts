/**
 * {@link StatusStore} over DynamoDB: one item per (cluster, Kustomization) and per source, in one
 * table keyed by `pk` (partition, string) and `sk` (sort, string):
 *
 * | record | pk | sk |
 * | --- | --- | --- |
 * | Kustomization | `kustomization#<cluster>` | `<namespace>/<name>` |
 * | source | `source` | `<kind>/<namespace>/<name>` |
 *
 * A cluster's records share a partition, so `tideline get kustomizations --cluster c` is one
 * Query; the whole fleet is a paginated Scan. Each status field is its own attribute, and an update
 * is an UpdateItem that SETs only the fields it carries — render and apply write their parts of
 * one record without reading it first and without overwriting each other.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { fromAwsError } from '#shared/errors/aws.ts';
import type {
  Clock,
  KustomizationKey,
  KustomizationStatus,
  KustomizationStatusUpdate,
  SourceKey,
  SourceStatus,
  SourceStatusUpdate,
  StatusStore,
} from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { compareKustomizations, compareSources, definedFields, waitingCondition } from '#shared/adapters/status-records.ts';

/** The table's key attributes (both strings): infra creates the table with these. */
export const STATUS_TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

const KUSTOMIZATION_PREFIX = 'kustomization#';
const SOURCE_PARTITION = 'source';

export interface DynamoDbStatusStoreOptions {
  clock?: Clock;
  /** Items per Query/Scan page (DynamoDB's default: up to 1 MB); small values let tests cross pages. */
  pageSize?: number;
}

type Item = Record<string, AttributeValue>;

/** Reconcile status kept in a DynamoDB table. */
export class DynamoDbStatusStore implements StatusStore {
  readonly #client: Pick<DynamoDBClient, 'send'>;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #pageSize: number | undefined;

  constructor(client: Pick<DynamoDBClient, 'send'>, tableName: string, options: DynamoDbStatusStoreOptions = {}) {
    this.#client = client;
    this.#table = tableName;
    this.#clock = options.clock ?? systemClock;
    this.#pageSize = options.pageSize;
  }

  /** SETs the given fields (and the identity and `updatedAt`), creating the item; returns the whole record. */
  async updateKustomization(key: KustomizationKey, update: KustomizationStatusUpdate): Promise<KustomizationStatus> {
    const identity = { cluster: key.cluster, namespace: key.namespace, name: key.name };
    const item = await this.#update(kustomizationKey(key), `Kustomization ${key.namespace}/${key.name} of cluster ${key.cluster}`, identity, update);
    return fromItem(item) as unknown as KustomizationStatus;
  }

  async getKustomization(key: KustomizationKey): Promise<KustomizationStatus | undefined> {
    const item = await this.#get(kustomizationKey(key), `Kustomization ${key.namespace}/${key.name} of cluster ${key.cluster}`);
    return item && (fromItem(item) as unknown as KustomizationStatus);
  }

  /** One cluster's records with a Query, or the fleet's with a Scan; both follow pagination. */
  async listKustomizations(filter: { cluster?: string } = {}): Promise<KustomizationStatus[]> {
    const items =
      filter.cluster === undefined
        ? await this.#scan('begins_with(#pk, :prefix)', { ':prefix': { S: KUSTOMIZATION_PREFIX } })
        : await this.#query(`${KUSTOMIZATION_PREFIX}${filter.cluster}`);
    return items.map((item) => fromItem(item) as unknown as KustomizationStatus).sort(compareKustomizations);
  }

  async updateSource(key: SourceKey, update: SourceStatusUpdate): Promise<SourceStatus> {
    const identity = { kind: key.kind, cluster: key.cluster, namespace: key.namespace, name: key.name };
    const defaults = { url: '', ref: '' };
    const item = await this.#update(sourceKey(key), `${key.kind} ${key.namespace}/${key.name} of cluster ${key.cluster}`, identity, update, defaults);
    return fromItem(item) as unknown as SourceStatus;
  }

  async getSource(key: SourceKey): Promise<SourceStatus | undefined> {
    const item = await this.#get(sourceKey(key), `${key.kind} ${key.namespace}/${key.name}`);
    return item && (fromItem(item) as unknown as SourceStatus);
  }

  async listSources(): Promise<SourceStatus[]> {
    return (await this.#query(SOURCE_PARTITION)).map((item) => fromItem(item) as unknown as SourceStatus).sort(compareSources);
  }

  async #update(key: Item, what: string, identity: Record<string, string>, update: object, defaults: Record<string, string> = {}): Promise<Item> {
    const now = new Date(this.#clock.now()).toISOString();
    const names: Record<string, string> = {};
    const values: Item = {};
    const sets: string[] = [];
    let index = 0;
    const set = (field: string, value: unknown, onlyIfAbsent = false): void => {
      const name = `#f${index}`;
      const placeholder = `:v${index}`;
      index += 1;
      names[name] = field;
      values[placeholder] = toAttribute(value);
      sets.push(onlyIfAbsent ? `${name} = if_not_exists(${name}, ${placeholder})` : `${name} = ${placeholder}`);
    };
    const fields = definedFields(update);
    const given = new Set(fields.map(([field]) => field as string));
    for (const [field, value] of fields) if (!(field in identity) && field !== 'updatedAt') set(field, value);
    for (const [field, value] of Object.entries(identity)) set(field, value);
    // A new record needs the fields every reader expects; if_not_exists keeps this a single write.
    if (!given.has('ready')) set('ready', waitingCondition(now), true);
    for (const [field, value] of Object.entries(defaults)) if (!given.has(field)) set(field, value, true);
    set('updatedAt', now);
    try {
      const { Attributes: attributes } = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return attributes ?? {};
    } catch (error) {
      throw fromAwsError(error, `writing the status of ${what} to table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  async #get(key: Item, what: string): Promise<Item | undefined> {
    try {
      // Consistent: `tideline reconcile` polls for the write the pipeline has just made.
      const { Item: item } = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
      return item;
    } catch (error) {
      throw fromAwsError(error, `reading the status of ${what} from table ${this.#table}`, { unansweredIsTransient: true });
    }
  }

  #query(partition: string): Promise<Item[]> {
    return this.#pages(`listing status records ${partition} in table ${this.#table}`, (start) =>
      this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': STATUS_TABLE_KEY.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: partition } },
          ConsistentRead: true,
          ...(this.#pageSize ? { Limit: this.#pageSize } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
  }

  #scan(filter: string, values: Item): Promise<Item[]> {
    return this.#pages(`listing status records in table ${this.#table}`, (start) =>
      this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: filter,
          ExpressionAttributeNames: { '#pk': STATUS_TABLE_KEY.partitionKey },
          ExpressionAttributeValues: values,
          ConsistentRead: true,
          ...(this.#pageSize ? { Limit: this.#pageSize } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
  }

  /** Every item of a paginated Query or Scan; `what` names the read in an error. */
  async #pages(what: string, page: (start: Item | undefined) => Promise<{ Items?: Item[] | undefined; LastEvaluatedKey?: Item | undefined }>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      let result: { Items?: Item[] | undefined; LastEvaluatedKey?: Item | undefined };
      try {
        result = await page(start);
      } catch (error) {
        throw fromAwsError(error, what, { unansweredIsTransient: true });
      }
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function kustomizationKey(key: KustomizationKey): Item {
  return { pk: { S: `${KUSTOMIZATION_PREFIX}${key.cluster}` }, sk: { S: `${key.namespace}/${key.name}` } };
}

function sourceKey(key: SourceKey): Item {
  return { pk: { S: SOURCE_PARTITION }, sk: { S: `${key.cluster}/${key.kind}/${key.namespace}/${key.name}` } };
}

/** JSON-like value → DynamoDB attribute (strings, numbers, booleans, null, lists and maps). */
function toAttribute(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (typeof value === 'object') {
    const map: Item = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) map[key] = toAttribute(entry);
    return { M: map };
  }
  throw new TypeError(`status field of type ${typeof value} cannot be stored`);
}

function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return Object.fromEntries(Object.entries(attribute.M).map(([key, entry]) => [key, fromAttribute(entry)]));
  return undefined;
}

/** An item without its key attributes, as a plain record. */
function fromItem(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, attribute] of Object.entries(item)) {
    if (key === STATUS_TABLE_KEY.partitionKey || key === STATUS_TABLE_KEY.sortKey) continue;
    record[key] = fromAttribute(attribute);
  }
  return record;
}
