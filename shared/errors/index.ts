/**
 * The small set of typed errors every Tideline engine throws.
 *
 * Callers decide what to do from the class alone: only {@link TransientError} is retried,
 * everything else is final. Each error may carry the identity of the object or file it is about,
 * and its message always starts with that identity so logs, alerts and the CLI can print it as is.
 */

/** Identity of a Kubernetes object, used to prefix error messages (`Deployment apps/web in ns shop`). */
export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Where in the source tree an error was found. */
export interface SourceRef {
  file: string;
  line?: number;
}

/** Formats an object's identity the way every Tideline message names it. */
export function describeObject(ref: { [K in keyof ObjectRef]: ObjectRef[K] | undefined } & { kind: string; name: string }): string {
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.lastIndexOf('/')) : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return ref.namespace ? `${kind} ${ref.name} in ns ${ref.namespace}` : `${kind} ${ref.name}`;
}

/** Formats a file position as `path:line`. */
export function describeSource(ref: SourceRef): string {
  return ref.line === undefined ? ref.file : `${ref.file}:${ref.line}`;
}

export interface TidelineErrorOptions {
  cause?: unknown;
  object?: ObjectRef;
  source?: SourceRef;
}

/** Base class: a message prefixed with the object or file it concerns, and the original cause. */
export abstract class TidelineError extends Error {
  /** Stable machine-readable code, e.g. for events and HTTP status mapping. */
  abstract readonly code: 'InvalidInput' | 'Transient' | 'Conflict' | 'NotFound' | 'Unauthorized';
  readonly object?: ObjectRef;
  readonly source?: SourceRef;
  /** The message without the identity prefix. */
  readonly detail: string;

  constructor(message: string, options: TidelineErrorOptions = {}) {
    const prefix = options.object ? `${describeObject(options.object)}: ` : options.source ? `${describeSource(options.source)}: ` : '';
    super(prefix + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = message;
    if (options.object) this.object = options.object;
    if (options.source) this.source = options.source;
  }
}

/** The input (a repo, a manifest, a request, a config object) is wrong; retrying will not help. */
export class InvalidInputError extends TidelineError {
  readonly code = 'InvalidInput' as const;
}

/** A temporary failure (throttling, 5xx, connection reset, timeout): safe to retry with backoff. */
export class TransientError extends TidelineError {
  readonly code = 'Transient' as const;
  /** Server-suggested delay before the next attempt, when known (e.g. from `Retry-After`). */
  readonly retryAfterMs?: number;

  constructor(message: string, options: TidelineErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** The desired change conflicts with the current state (field ownership, stale revision, immutable field). */
export class ConflictError extends TidelineError {
  readonly code = 'Conflict' as const;
}

/** Something the request names does not exist (a receiver, a secret, a cluster, a kind). */
export class NotFoundError extends TidelineError {
  readonly code = 'NotFound' as const;
}

/** A request could not be authenticated (bad signature, bad token). */
export class UnauthorizedError extends TidelineError {
  readonly code = 'Unauthorized' as const;
}

/** True when an error is worth retrying. */
export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** A readable message for any thrown value, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
