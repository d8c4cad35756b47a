/**
 * Typed errors from AWS SDK failures — one rule for every adapter (Secrets Manager, DynamoDB, KMS,
 * EKS …), so that "retry", "fix the permissions" and "fix the input" mean the same everywhere:
 * - throttling, service-side (5xx) failures, timeouts and connection trouble → TransientError;
 * - refused credentials or permissions (401/403, AccessDenied …) → UnauthorizedError;
 * - a missing resource → NotFoundError;
 * - anything else (a bad request) → InvalidInputError.
 * Messages carry the SDK's error name (and for transient failures its message), never a value.
 */
import { InvalidInputError, NotFoundError, TransientError, UnauthorizedError, errorMessage } from './index.ts';

const TRANSIENT =
  /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests|InternalServerError|InternalServiceError|InternalFailure|ServerException|KMSInternal|DependencyTimeout|ServiceUnavailable|TimeoutError|RequestTimeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN/;
const REFUSED =
  /AccessDenied|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|NotAuthorized|CredentialsProviderError|SignatureDoesNotMatch|InvalidSignature/;

export interface AwsErrorOptions {
  /** The NotFoundError message (default: `<what>: not found`). */
  notFound?: string;
  /** Treat a failure without an HTTP status (the request never got an answer) as transient. */
  unansweredIsTransient?: boolean;
}

/**
 * The typed error for an AWS SDK failure while doing `what` (e.g. `reading secret tideline/x`),
 * the SDK error kept as `cause`.
 */
export function fromAwsError(error: unknown, what: string, options: AwsErrorOptions = {}): Error {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  const cause = { cause: error };
  if (name === 'ResourceNotFoundException' || name === 'NotFoundException') return new NotFoundError(options.notFound ?? `${what}: not found`, cause);
  if (REFUSED.test(name) || status === 401 || status === 403) return new UnauthorizedError(`${what} was refused: ${name || errorMessage(error)}`, cause);
  if (
    TRANSIENT.test(`${name} ${e?.code ?? ''}`) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    (options.unansweredIsTransient === true && status === undefined)
  ) {
    return new TransientError(`${what} failed: ${errorMessage(error)}`, cause);
  }
  return new InvalidInputError(`${what} failed: ${name || errorMessage(error)}`, cause);
}
