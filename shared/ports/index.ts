/**
 * Ports: the narrow interfaces through which Tideline's engines reach the outside world. Engines
 * depend only on these interfaces, which is what lets the same code run in Lambda and locally.
 *
 * | port | in AWS (`shared/adapters/aws/`) | locally (`shared/adapters/local/`) |
 * | --- | --- | --- |
 * | EventBus | EventBridgeBus | InProcessBus, HttpControlBus (the CLI to a running `tideline dev`) |
 * | ArtifactStore | S3ArtifactStore | FsArtifactStore |
 * | SecretStore | SecretsManagerSecretStore | LocalSecretStore |
 * | ClusterRegistry | SecretsManagerClusterRegistry | KubeconfigClusterRegistry |
 * | TtlStore | DynamoDbTtlStore | MemoryTtlStore |
 * | StatusStore | DynamoDbStatusStore | FileStatusStore |
 * | ThreadStore | DynamoDbThreadStore | MemoryThreadStore |
 * | Logger | Powertools' Logger, configured in `functions/commons/` | ConsoleLogger |
 *
 * | KmsDecrypter (`kms.ts`) | kms-decrypt.ts | none: locally SOPS files are decrypted with age identities |
 * | EksAccess (`eks.ts`) | eks-cluster.ts, eks-token.ts | none: local clusters are kubeconfig contexts |
 *
 * Two ports have a single implementation used in both places, because the outside system is the
 * same there: {@link GitSource} (`IsomorphicGitSource` in `shared/git/`: Git over HTTP(S) is Git
 * over HTTP(S)) and {@link Clock} ({@link systemClock}; tests inject their own).
 */
import type { CatalogEvent, ChangeSetSummary } from '#shared/events/catalog.ts';

export type { EksAccess, EksClusterAccess, EksClusterRef } from './eks.ts';
export type { KmsDecrypter } from './kms.ts';

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
  /** The bytes under `key` and a version tag of them, for {@link ArtifactStore.putIfUnchanged}; undefined when absent. */
  getVersioned(key: string): Promise<{ body: Uint8Array; version: string } | undefined>;
  /**
   * Stores the bytes only if `key` is still at `version` (or, with `version` undefined, does not
   * exist yet): a compare-and-swap for objects several writers update, such as the fleet snapshot.
   * Resolves to the new version; throws ConflictError when another writer got there first.
   */
  putIfUnchanged(key: string, body: Uint8Array, version: string | undefined, contentType?: string): Promise<string>;
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
  /**
   * The store's version of the record (Secrets Manager's AWSCURRENT VersionId), when it has one:
   * a reader told this version may serve its cached copy instead of reading the record again.
   */
  version?: string;
  /** Either a kubeconfig document (YAML) or an EKS cluster to reach with IAM auth. */
  access:
    | {
        type: 'kubeconfig';
        kubeconfig: string;
        context?: string;
        /**
         * Directories the kubeconfig's credential files may be read from. Only the local kubeconfig
         * registry sets it (its text comes from files on disk); a record from a store never has it,
         * so such a kubeconfig reads no local files.
         */
        localFileDirs?: readonly string[];
      }
    | { type: 'eks'; clusterName: string; region: string; endpoint?: string; caData?: string; roleArn?: string };
}

/** The fleet's clusters (Secrets Manager `tideline/clusters/<name>` in AWS, kubeconfig contexts locally). */
export interface ClusterRegistry {
  list(): Promise<ClusterRecord[]>;
  /**
   * Throws NotFoundError when no such cluster is registered. With `version` (a record's
   * {@link ClusterRecord.version}, e.g. from the sweep's listing) a copy read at that version is
   * served without asking the store, however old; a copy at another version is read again.
   */
  get(name: string, options?: { version?: string }): Promise<ClusterRecord>;
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
 * The Slack thread of a revision, remembered so that every message about one (cluster,
 * Kustomization, revision) goes into the thread its first message started (DynamoDB in AWS,
 * memory locally). Entries expire: a rollout is short-lived.
 */
export interface ThreadStore {
  /** The remembered thread `ts` of `key`, if any and unexpired. */
  get(key: string): Promise<string | undefined>;
  /** Remembers `ts` for `key` for `ttlMs` unless a live one is already remembered (the first message starts the thread). */
  putIfAbsent(key: string, ts: string, ttlMs: number): Promise<void>;
}

/**
 * What {@link TtlStore.claim} found: `claimed` (this caller does the work), `in-progress` (an
 * unexpired claim by another attempt, which may still be running) or `done` (the work happened).
 */
export type ClaimState = 'claimed' | 'in-progress' | 'done';

/**
 * A structured logger: one port for every engine (Powertools' `Logger` satisfies it in the
 * functions; local mode prints a readable live log). Attributes carry ids, names, revisions and
 * timings, never secret values.
 */
export interface Logger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Credentials for a Git host, read from a GitRepository's `secretRef` in Flux's formats. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
  /** PEM CA bundle to trust for the host (`ca.crt`). */
  caCert?: string;
}

/** Which revision of a repository to follow: Flux `GitRepository` `spec.ref` (Flux's precedence applies). */
export interface GitRefSpec {
  branch?: string | undefined;
  tag?: string | undefined;
  semver?: string | undefined;
  /** A full ref name, e.g. `refs/heads/main`, `refs/tags/v1`, `refs/pull/4/head`. */
  name?: string | undefined;
  commit?: string | undefined;
}

/** A Git repository as the source engine fetches it (built from a Flux `GitRepository`). */
export interface GitRepositorySpec {
  /** `https://` or `http://` clone URL. */
  url: string;
  ref: GitRefSpec;
  credentials?: GitCredentials;
  /** Per-operation timeout (Flux `spec.timeout`, default 60 s). */
  timeoutMs?: number;
  /** Extra ignore rules in `.gitignore` format (Flux `spec.ignore`); `.sourceignore` files are read too. */
  ignore?: string;
}

/** Where a ref points. */
export interface ResolvedRevision {
  /** Flux's name for it: `main@sha1:<sha>`, `v1.2.0@sha1:<sha>`, `sha1:<sha>` for a bare commit. */
  revision: string;
  /** Full commit id. */
  commit: string;
  /** The ref that resolved (`refs/heads/main`, `refs/tags/v1.2.0`), absent for a bare commit. */
  ref?: string;
}

/** A fetched tree, ignore rules applied. */
export interface GitCheckout extends ResolvedRevision {
  /** Directory holding the files at that commit; shared and read-only for callers. */
  dir: string;
  /** Committer time in ms: the ordering signal of the stale-revision guard. */
  commitTime: number;
}

/** Git repositories: resolve refs and fetch trees (isomorphic-git over HTTP(S), a cache directory). */
export interface GitSource {
  /** Where the spec's ref points now, without fetching any object (ls-remote). */
  resolve(spec: GitRepositorySpec): Promise<ResolvedRevision>;
  /**
   * The tree at the spec's ref — or at `commit`, when given — fetched shallowly into the cache
   * (incrementally when the cache holds an older revision). Errors name the URL and ref, never a
   * credential.
   */
  checkout(spec: GitRepositorySpec, commit?: string): Promise<GitCheckout>;
}

/** Identity of a Kustomization in one cluster. */
export interface KustomizationKey {
  cluster: string;
  namespace: string;
  name: string;
}

/** A source as a Flux object names it (`sourceRef`). */
export interface SourceRef {
  kind: 'GitRepository';
  namespace: string;
  name: string;
}

/** Identity of a source in status: a GitRepository of one cluster's configuration (two clusters may follow different refs under one name). */
export interface SourceKey extends SourceRef {
  cluster: string;
}

/** Flux's Ready condition, as status shows it. */
export interface ReadyCondition {
  status: 'True' | 'False' | 'Unknown';
  /** Flux's reasons: ReconciliationSucceeded, ReconciliationFailed, BuildFailed, HealthCheckFailed, DependencyNotReady, Progressing, Suspended, GitOperationFailed, Succeeded … */
  reason: string;
  message: string;
  /** When the condition last changed (ISO time). */
  since: string;
}

/** What status records of one (cluster, Kustomization). */
export interface KustomizationStatus extends KustomizationKey {
  source?: SourceKey;
  path?: string;
  ready: ReadyCondition;
  /** Set by `tideline suspend` (and cleared by resume); the Kustomization's own `spec.suspend` also suspends it. */
  suspended?: boolean;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  /** Digest of the last applied bundle. */
  lastAppliedDigest?: string;
  inventorySize?: number;
  /** Change set of the last apply that changed anything (summary, as in events). */
  lastChangeSet?: ChangeSetSummary;
  /** Duration of the last attempt's steps, in ms. */
  timings?: { fetchMs?: number; renderMs?: number; applyMs?: number; totalMs?: number };
  /** The last drift sweep's finding for this Kustomization (written by the drift function only). */
  drift?: DriftStatus;
  lastAttemptedAt?: string;
  lastAppliedAt?: string;
  updatedAt: string;
}

/**
 * What the last drift check of a (cluster, Kustomization) found: `InSync`, `Drifted` (detect mode:
 * left in place), `Corrected`, `Failed` (objects could not be compared or put back), or
 * `Unreachable` (the cluster was not checked: unreachable, timed out or refused the credentials;
 * it is checked again at the next sweep).
 */
export interface DriftStatus {
  outcome: 'InSync' | 'Drifted' | 'Corrected' | 'Failed' | 'Unreachable';
  /** For `Unreachable`: Unreachable, Timeout or Unauthorized. */
  reason?: string;
  message?: string;
  driftedCount?: number;
  /** The revision compared against (the one the inventory records). */
  revision?: string;
  checkedAt: string;
  /** Since when the cluster has been unreachable (kept while it stays so). */
  unreachableSince?: string;
}

/** What status records of one source. */
export interface SourceStatus extends SourceKey {
  url: string;
  /** The followed ref as written (`branch main`, `tag v1.2.0`, `semver >=1.0.0`). */
  ref: string;
  ready: ReadyCondition;
  suspended?: boolean;
  /** Last resolved revision (`main@sha1:<sha>`). */
  revision?: string;
  lastFetchedAt?: string;
  updatedAt: string;
}

/** Fields of a status record that an update may set; absent fields are left as they are. */
export type KustomizationStatusUpdate = Partial<Omit<KustomizationStatus, keyof KustomizationKey | 'updatedAt'>>;
export type SourceStatusUpdate = Partial<Omit<SourceStatus, keyof SourceKey | 'updatedAt'>>;

/**
 * Reconcile status per (cluster, Kustomization) and per source (DynamoDB in AWS, a local JSON file
 * locally). Updates merge field by field, so render and apply can each write their part.
 */
export interface StatusStore {
  /** Merges `update` into the record (creating it), stamps `updatedAt`, returns the result. */
  updateKustomization(key: KustomizationKey, update: KustomizationStatusUpdate): Promise<KustomizationStatus>;
  getKustomization(key: KustomizationKey): Promise<KustomizationStatus | undefined>;
  /** Every record, or those of one cluster; sorted by cluster, namespace, name. */
  listKustomizations(filter?: { cluster?: string }): Promise<KustomizationStatus[]>;
  updateSource(key: SourceKey, update: SourceStatusUpdate): Promise<SourceStatus>;
  getSource(key: SourceKey): Promise<SourceStatus | undefined>;
  listSources(): Promise<SourceStatus[]>;
}
