/**
 * {@link ArtifactStore} over Amazon S3: one object per key, under an optional prefix.
 *
 * Keys are content-addressed (a bundle's digest), so a put of an existing key writes the same
 * bytes again, which is harmless; no conditional write is needed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { fromAwsError } from '#shared/errors/aws.ts';
import { ConflictError, NotFoundError } from '#shared/errors/index.ts';
import type { ArtifactStore } from '#shared/ports/index.ts';

export interface S3ArtifactStoreOptions {
  /** Prepended to every key (`artifacts/` …); a missing trailing slash is added. */
  prefix?: string;
}

/** Artifacts as objects of one S3 bucket. */
export class S3ArtifactStore implements ArtifactStore {
  readonly #client: Pick<S3Client, 'send'>;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(client: Pick<S3Client, 'send'>, bucket: string, options: S3ArtifactStoreOptions = {}) {
    this.#client = client;
    this.#bucket = bucket;
    const prefix = options.prefix ?? '';
    this.#prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  /** Stores the bytes under `key`. */
  async put(key: string, body: Uint8Array, contentType?: string): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }),
      );
    } catch (error) {
      throw fromAwsError(error, `storing artifact ${this.#where(key)}`, { unansweredIsTransient: true });
    }
  }

  /** The bytes under `key`; NotFoundError naming the key and bucket when absent. */
  async get(key: string): Promise<Uint8Array> {
    try {
      const { Body: body } = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      if (!body) throw new NotFoundError(`artifact ${this.#where(key)}: empty response`);
      return await body.transformToByteArray();
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      if (isMissingKey(error)) throw new NotFoundError(`artifact ${this.#where(key)}: not found`, { cause: error });
      throw fromAwsError(error, `reading artifact ${this.#where(key)}`, { unansweredIsTransient: true });
    }
  }

  /**
   * True when `key` exists. A HEAD answer has no body, so S3's 404 cannot tell a missing key from
   * a missing bucket: both read as false here, and the next get or put names the real problem.
   */
  async has(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      return true;
    } catch (error) {
      if (isMissingKey(error) || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw fromAwsError(error, `checking artifact ${this.#where(key)}`, { unansweredIsTransient: true });
    }
  }

  /** The bytes and ETag under `key`; undefined when absent. */
  async getVersioned(key: string): Promise<{ body: Uint8Array; version: string } | undefined> {
    try {
      const { Body: body, ETag: etag } = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      if (!body || !etag) throw new NotFoundError(`artifact ${this.#where(key)}: empty response`);
      return { body: await body.transformToByteArray(), version: etag };
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      if (error instanceof NotFoundError) throw error;
      throw fromAwsError(error, `reading artifact ${this.#where(key)}`, { unansweredIsTransient: true });
    }
  }

  /** S3 conditional write: `If-Match` the ETag read, or `If-None-Match: *` for a new key. */
  async putIfUnchanged(key: string, body: Uint8Array, version: string | undefined, contentType?: string): Promise<string> {
    try {
      const { ETag: etag } = await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#prefix + key,
          Body: body,
          ...(version === undefined ? { IfNoneMatch: '*' } : { IfMatch: version }),
          ...(contentType ? { ContentType: contentType } : {}),
        }),
      );
      return etag ?? '';
    } catch (error) {
      // 412: another writer changed it; 409: a conditional write of another writer is in flight.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) throw new ConflictError(`artifact ${this.#where(key)} was changed by another writer`, { cause: error });
      throw fromAwsError(error, `storing artifact ${this.#where(key)}`, { unansweredIsTransient: true });
    }
  }

  #where(key: string): string {
    return `s3://${this.#bucket}/${this.#prefix}${key}`;
  }
}

function isMissingKey(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}
