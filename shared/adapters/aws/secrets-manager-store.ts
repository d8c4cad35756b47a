/**
 * {@link SecretStore} over AWS Secrets Manager, with a TTL cache.
 *
 * Webhook tokens are read on many requests; the cache keeps that to one Secrets Manager call per
 * secret per TTL. `fresh: true` bypasses it, which the intake uses once after a signature
 * failure to pick up a rotated secret. Errors never include the secret value.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { Clock, SecretStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

export interface SecretsManagerStoreOptions {
  /** Prepended to every name: `tideline/` makes `flux-system/webhook-token` the secret `tideline/flux-system/webhook-token`. */
  prefix?: string;
  /** How long a value is served from cache (default 5 minutes). */
  ttlMs?: number;
  clock?: Clock;
}

interface CacheEntry {
  value: string;
  expiresAt: number;
}

/** Reads secret strings from Secrets Manager, caching them for a TTL. */
export class SecretsManagerSecretStore implements SecretStore {
  readonly #client: Pick<SecretsManagerClient, 'send'>;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(client: Pick<SecretsManagerClient, 'send'>, options: SecretsManagerStoreOptions = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? '';
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The secret's string value (binary secrets as UTF-8); NotFoundError when it does not exist. */
  async getSecret(name: string, options: { fresh?: boolean } = {}): Promise<string> {
    if (!options.fresh) {
      const cached = this.#cache.get(name);
      if (cached && cached.expiresAt > this.#clock.now()) return cached.value;
      // Concurrent cold reads of one secret share a single call.
      const pending = this.#inFlight.get(name);
      if (pending) return pending;
    }
    const read = this.#read(name).finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, read);
    return read;
  }

  async #read(name: string): Promise<string> {
    const secretId = this.#prefix + name;
    let output;
    try {
      output = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      throw fromAwsError(error, `reading secret ${secretId}`, { notFound: `secret ${secretId} does not exist` });
    }
    const value = output.SecretString ?? (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined);
    if (value === undefined) throw new InvalidInputError(`secret ${secretId} has no value`);
    this.#cache.set(name, { value, expiresAt: this.#clock.now() + this.#ttlMs });
    return value;
  }
}
