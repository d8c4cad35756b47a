/**
 * {@link ClusterRegistry} over AWS Secrets Manager: every secret `<prefix>clusters/<name>` (default
 * prefix `tideline/`) holds the record of cluster `<name>` in the format of
 * {@link parseClusterRecord}. The secret's tags are labels of the cluster too (tags under the
 * reserved `aws:` prefix excepted); a label of the record wins over a tag of the same name.
 *
 * `list()` finds the secrets with ListSecrets (a name-prefix filter, every page) and reads them
 * with a small bound on concurrent GetSecretValue calls; records are cached for a short TTL, so a
 * warm function does not read the whole fleet on every event. A listing names each secret's current
 * version, so `list()` reads again only the records that changed since this process read them:
 * a warm drift sweep of a thousand clusters costs ten ListSecrets calls, not a thousand reads. A record that does not parse is left
 * out of `list()` (one bad record must not stop deployments to every other cluster) and reported
 * through `onInvalidRecord`; `get()` of it throws the InvalidInputError. Errors never include a
 * secret value.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Tag } from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { parseClusterRecord } from '#shared/config/cluster-record.ts';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { Clock, ClusterRecord, ClusterRegistry } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

export interface SecretsManagerClusterRegistryOptions {
  /** Prepended to `clusters/<name>` (default `tideline/`). */
  prefix?: string;
  /** How long records (and the list of names) are served from cache (default 1 minute). */
  ttlMs?: number;
  /** At most this many GetSecretValue calls at once while listing (default 8). */
  concurrency?: number;
  /** Secrets asked for per ListSecrets page (default and AWS maximum 100). */
  pageSize?: number;
  /** Told about each record `list()` leaves out because it does not parse (default: written to stderr). */
  onInvalidRecord?: (name: string, error: InvalidInputError) => void;
  clock?: Clock;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/** A cached record: as parsed (before the secret's tags are merged in) and the version it was read at. */
interface CachedRecord extends Cached<ClusterRecord> {
  parsed: ClusterRecord;
  versionId: string | undefined;
}

/** What a listing says of one secret. */
interface Listed {
  tags: Tag[];
  /** The version staged AWSCURRENT, when the listing names it. */
  versionId: string | undefined;
}

/** The fleet's clusters, read from Secrets Manager. */
export class SecretsManagerClusterRegistry implements ClusterRegistry {
  readonly #client: Pick<SecretsManagerClient, 'send'>;
  readonly #secretPrefix: string;
  readonly #ttlMs: number;
  readonly #concurrency: number;
  readonly #pageSize: number;
  readonly #onInvalidRecord: (name: string, error: InvalidInputError) => void;
  readonly #clock: Clock;
  readonly #records = new Map<string, CachedRecord>();
  readonly #inFlight = new Map<string, Promise<ClusterRecord>>();
  #names: Cached<Map<string, Listed>> | undefined;

  constructor(client: Pick<SecretsManagerClient, 'send'>, options: SecretsManagerClusterRegistryOptions = {}) {
    this.#client = client;
    this.#secretPrefix = `${options.prefix ?? 'tideline/'}clusters/`;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.#onInvalidRecord = options.onInvalidRecord ?? ((_name, error) => process.stderr.write(`${error.message}\n`));
    this.#clock = options.clock ?? systemClock;
  }

  /** The secret that holds the record of cluster `name`. */
  secretName(name: string): string {
    return this.#secretPrefix + name;
  }

  /** Every registered cluster with a valid record, ordered by name. */
  async list(): Promise<ClusterRecord[]> {
    const listed = await this.#listNames();
    const names = [...listed.keys()];
    const records: (ClusterRecord | undefined)[] = new Array<ClusterRecord | undefined>(names.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const index = next++;
        const name = names[index] as string;
        const listing = listed.get(name) as Listed;
        const cached = this.#records.get(name);
        if (cached && listing.versionId !== undefined && cached.versionId === listing.versionId) {
          // Unchanged since it was read: no GetSecretValue; the tags are the listing's, fresh.
          cached.value = { ...withTagLabels(cached.parsed, listing.tags), version: listing.versionId };
          cached.expiresAt = this.#clock.now() + this.#ttlMs;
          records[index] = cached.value;
          continue;
        }
        try {
          // ListSecrets already gave the tags: no DescribeSecret per cluster.
          records[index] = await this.#get(name, listing.tags, { fresh: true });
        } catch (error) {
          // Deleted between ListSecrets and GetSecretValue: no longer registered.
          if (error instanceof NotFoundError) continue;
          if (error instanceof InvalidInputError) {
            this.#onInvalidRecord(name, error);
            continue;
          }
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, names.length) }, worker));
    return records.filter((record): record is ClusterRecord => record !== undefined);
  }

  /**
   * The record of cluster `name`; NotFoundError when no such secret exists, InvalidInputError when
   * it does not parse. Given the `version` a listing named (a drift shard gets it in its event), a
   * copy read at that version is served without a call even past the TTL — the version changes
   * with every PutSecretValue — and a copy at another version is read again at once.
   */
  async get(name: string, options: { version?: string } = {}): Promise<ClusterRecord> {
    const cached = this.#records.get(name);
    if (options.version !== undefined && cached) {
      if (cached.versionId === options.version) {
        cached.expiresAt = this.#clock.now() + this.#ttlMs;
        return cached.value;
      }
      return this.#get(name, undefined, { fresh: true });
    }
    return this.#get(name);
  }

  async #get(name: string, tags?: Tag[], { fresh = false } = {}): Promise<ClusterRecord> {
    const cached = this.#records.get(name);
    if (!fresh && cached && cached.expiresAt > this.#clock.now()) return cached.value;
    // Concurrent cold reads of one record share a single call.
    const pending = this.#inFlight.get(name);
    if (pending) return pending;
    const read = this.#read(name, tags).finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, read);
    return read;
  }

  async #read(name: string, knownTags: Tag[] | undefined): Promise<ClusterRecord> {
    if (!name || name.includes('/')) throw new NotFoundError(`cluster ${name}: not a registrable cluster name`);
    const secretId = this.secretName(name);
    let output;
    let tags: Tag[];
    try {
      const describe = knownTags
        ? Promise.resolve(knownTags)
        : this.#client.send(new DescribeSecretCommand({ SecretId: secretId })).then((described) => described.Tags ?? []);
      [output, tags] = await Promise.all([this.#client.send(new GetSecretValueCommand({ SecretId: secretId })), describe]);
    } catch (error) {
      throw fromAwsError(error, `reading cluster ${name} (secret ${secretId}) from Secrets Manager`, {
        notFound: `cluster ${name} (secret ${secretId}) does not exist`,
      });
    }
    const text = output.SecretString ?? (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) throw new InvalidInputError(`cluster ${name}: secret ${secretId} has no value`);
    const parsed = parseClusterRecord(name, text);
    const record: ClusterRecord = { ...withTagLabels(parsed, tags), ...(output.VersionId ? { version: output.VersionId } : {}) };
    this.#records.set(name, { value: record, parsed, versionId: output.VersionId, expiresAt: this.#clock.now() + this.#ttlMs });
    return record;
  }

  /** The registered names (sorted) with each secret's tags and current version. */
  async #listNames(): Promise<Map<string, Listed>> {
    if (this.#names && this.#names.expiresAt > this.#clock.now()) return this.#names.value;
    const names = new Map<string, Listed>();
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListSecretsCommand({
            Filters: [{ Key: 'name', Values: [this.#secretPrefix] }],
            MaxResults: this.#pageSize,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        throw fromAwsError(error, `listing clusters (secrets ${this.#secretPrefix}*) in Secrets Manager`);
      }
      for (const secret of page.SecretList ?? []) {
        // The filter is a prefix match; checked again here so nothing else is taken for a cluster,
        // and deeper names (`clusters/a/b`) are not cluster records.
        const name = secret.Name?.startsWith(this.#secretPrefix) ? secret.Name.slice(this.#secretPrefix.length) : '';
        const versionId = Object.entries(secret.SecretVersionsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
        if (name && !name.includes('/')) names.set(name, { tags: secret.Tags ?? [], versionId });
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    const sorted = new Map([...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.#names = { value: sorted, expiresAt: this.#clock.now() + this.#ttlMs };
    return sorted;
  }
}

/** The record with the secret's tags as labels too; a label of the record wins over a tag. */
function withTagLabels(parsed: ClusterRecord, tags: readonly Tag[]): ClusterRecord {
  return { ...parsed, labels: { ...labelsFromTags(tags), ...parsed.labels } };
}

/** A secret's tags as labels; AWS's own `aws:` tags are not the operator's labels. */
function labelsFromTags(tags: readonly Tag[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const tag of tags) if (tag.Key && !tag.Key.startsWith('aws:')) labels[tag.Key] = tag.Value ?? '';
  return labels;
}
