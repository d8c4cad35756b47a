/**
 * Ports: the narrow interfaces through which Tideline's engines reach the outside world.
 *
 * Each port has an AWS adapter (used by the Lambda functions) and a local adapter (used by
 * `npm start` and tests) in `shared/adapters/`. Engines depend only on these interfaces, which is
 * what lets the same code run in both places.
 */
import type { CatalogEvent } from '#shared/events/catalog.ts';

/** Wall-clock time, injected so tests never sleep and TTLs can be tested. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds (of this clock's time). */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Result of publishing events: which ones the bus refused for good after retries. */
export interface PublishResult {
  published: number;
  failed: { event: CatalogEvent; reason: string }[];
}

/** Where events go: EventBridge in AWS, an in-process router locally. */
export interface EventBus {
  /** Publishes catalog events; retries transient and partial failures internally. */
  publish(events: readonly CatalogEvent[]): Promise<PublishResult>;
}

/** Content-addressed storage for rendered bundles (S3 in AWS, a directory locally). */
export interface ArtifactStore {
  /** Stores the bytes under `key` (idempotent: storing the same key twice is fine). */
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Returns the bytes stored under `key`; throws NotFoundError when absent. */
  get(key: string): Promise<Uint8Array>;
  /** True when `key` exists. */
  has(key: string): Promise<boolean>;
}

/** Secret values by name (Secrets Manager in AWS, a local file or environment locally). */
export interface SecretStore {
  /**
   * Returns the secret's string value; throws NotFoundError when absent.
   * `fresh: true` bypasses any cache (used once after a signature failure, to survive rotation).
   */
  getSecret(name: string, options?: { fresh?: boolean }): Promise<string>;
}

/** A registered cluster: how to reach it and the labels it carries. */
export interface ClusterRecord {
  name: string;
  labels: Record<string, string>;
  /** Either a kubeconfig document (YAML) or an EKS cluster to reach with IAM auth. */
  access:
    | { type: 'kubeconfig'; kubeconfig: string; context?: string }
    | { type: 'eks'; clusterName: string; region: string; endpoint?: string; caData?: string; roleArn?: string };
}

/** The fleet's clusters (Secrets Manager `tideline/clusters/<name>` in AWS, kubeconfig contexts locally). */
export interface ClusterRegistry {
  list(): Promise<ClusterRecord[]>;
  /** Throws NotFoundError when no such cluster is registered. */
  get(name: string): Promise<ClusterRecord>;
}

/**
 * A set of keys that expire: idempotency records for webhook deliveries and alert dedup
 * (DynamoDB with TTL in AWS, memory locally).
 */
export interface TtlStore {
  /**
   * Records `key` for `ttlMs` if it is not already recorded and unexpired.
   * Returns true when this call recorded it (first sighting), false when it was already there.
   */
  putIfAbsent(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets `key` (e.g. when the work it guarded failed and must be retried). */
  delete(key: string): Promise<void>;
  /**
   * Claims `key` for a piece of work that must happen once (the idempotency pattern): when no
   * live record exists, records `key` as in progress for `inProgressTtlMs` and answers `claimed`;
   * otherwise answers the live record's state without changing it. The write is atomic, so of
   * two concurrent claims exactly one is `claimed`. The in-progress expiry is short and longer
   * than the worker can run: a worker that dies before {@link TtlStore.complete} leaves a claim
   * that lapses on its own, so the work is retried rather than lost for the full window.
   * A record written by {@link TtlStore.putIfAbsent} counts as `done`.
   */
  claim(key: string, inProgressTtlMs: number): Promise<ClaimState>;
  /**
   * Marks a live in-progress claim of `key` as done, to be remembered for `ttlMs` from now.
   * Returns false, changing nothing, when there is no live in-progress record (it lapsed, was
   * released with {@link TtlStore.delete}, or is already done).
   */
  complete(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * What {@link TtlStore.claim} found: `claimed` (this caller does the work), `in-progress` (an
 * unexpired claim by another attempt, which may still be running) or `done` (the work happened).
 */
export type ClaimState = 'claimed' | 'in-progress' | 'done';
