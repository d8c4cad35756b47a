/**
 * HTTP delivery with bounded retries, for every alert provider.
 *
 * Each attempt has its own timeout (an AbortSignal), because a provider that hangs must not hold
 * the function until Lambda kills it. What to do with a response is the provider's call (Slack's
 * Web API answers 200 with `ok: false`); this module applies the decision: wait for `Retry-After`
 * on 429, back off exponentially on 5xx, timeouts and connection errors, stop at once on a final
 * error. Waiting goes through the injected Clock so tests do not sleep. No URL, header or body
 * appears in an error: webhook URLs and tokens are secrets.
 */
import { InvalidInputError, TransientError, errorMessage } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { Redactor } from './redact.ts';

/** How hard to try before giving up on a delivery. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further attempt. */
  baseDelayMs: number;
  /** Upper bound of one backoff delay. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for here: the event is left for a later redelivery. */
  maxRetryAfterMs: number;
}

/** Four attempts over about 7 s of backoff; a 429 may ask for up to a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

/** A provider refused a delivery for a reason retrying cannot fix (bad payload, unknown channel …). */
export class DeliveryRejectedError extends InvalidInputError {
  /** The provider's reason, e.g. `invalid_blocks`, `channel_not_found`, `http_404`. */
  readonly reason: string;
  /** HTTP status of the refusal (200 for Slack Web API errors). */
  readonly status: number;

  constructor(target: string, reason: string, status: number) {
    super(`${target}: delivery rejected (${reason}, HTTP ${status}); not retried`);
    this.reason = reason;
    this.status = status;
  }
}

/** What a provider makes of one HTTP response. */
export type ResponseVerdict<T> =
  { outcome: 'ok'; value: T } | { outcome: 'retry'; reason: string; retryAfterMs?: number } | { outcome: 'final'; reason: string; status: number };

/** A received response, body already read (bounded). */
export interface ReceivedResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface DeliveryRequest {
  /** Names the target in errors and logs, e.g. `Provider flux-system/slack`; never the URL. */
  target: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface DeliveryContext {
  clock: Clock;
  retry?: RetryPolicy;
  /** Redacts provider reasons and transport errors before they go into an error message. */
  redactor?: Redactor;
  /** Called before each wait, for logs and tests. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** Result of a delivery that succeeded. */
export interface Delivered<T> {
  value: T;
  attempts: number;
}

const MAX_BODY_CHARS = 64 * 1024;

/**
 * Parses a `Retry-After` header (seconds, or an HTTP date relative to `now`) into milliseconds;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The default verdict for plain HTTP APIs: 2xx ok, 408/429/5xx retried, other statuses final. */
export function httpVerdict(response: ReceivedResponse, now: number): ResponseVerdict<ReceivedResponse> {
  if (response.status >= 200 && response.status < 300) return { outcome: 'ok', value: response };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    return { outcome: 'retry', reason: `http_${response.status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { outcome: 'final', reason: `http_${response.status}`, status: response.status };
}

async function readBody(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * POSTs `request` until `judge` accepts a response, a final verdict comes back, or the retry
 * policy is exhausted. Resolves with the accepted value; throws DeliveryRejectedError on a final
 * verdict, TransientError when retries ran out (the event is then left for redelivery / the DLQ).
 */
export async function deliver<T>(
  request: DeliveryRequest,
  judge: (response: ReceivedResponse, now: number) => ResponseVerdict<T>,
  context: DeliveryContext,
): Promise<Delivered<T>> {
  const policy = context.retry ?? DEFAULT_RETRY_POLICY;
  const redactor = context.redactor ?? new Redactor();
  let lastReason = 'no attempt made';
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    let verdict: ResponseVerdict<T>;
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(request.timeoutMs),
        // A provider never redirects a POST it accepts; following one could replay a token elsewhere.
        redirect: 'manual',
      });
      const received = { status: response.status, headers: response.headers, body: await readBody(response) };
      verdict = judge(received, context.clock.now());
    } catch (error) {
      // Connection refused/reset and timeouts are worth another try; the cause text may quote
      // the URL, so it is redacted and kept short.
      const reason = isTimeout(error) ? `timeout after ${request.timeoutMs}ms` : `network error: ${redactor.redact(errorMessage(error)).slice(0, 200)}`;
      verdict = { outcome: 'retry', reason };
    }
    if (verdict.outcome === 'ok') return { value: verdict.value, attempts: attempt };
    const reason = redactor.redact(verdict.reason).slice(0, 200);
    if (verdict.outcome === 'final') throw new DeliveryRejectedError(request.target, reason, verdict.status);
    lastReason = reason;
    if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > policy.maxRetryAfterMs) {
      throw new TransientError(`${request.target}: asked to retry after ${verdict.retryAfterMs}ms (${reason}); left for redelivery`, {
        retryAfterMs: verdict.retryAfterMs,
      });
    }
    if (attempt === policy.maxAttempts) break;
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = verdict.retryAfterMs ?? backoff;
    context.onRetry?.({ attempt, delayMs, reason });
    await context.clock.sleep(delayMs);
  }
  throw new TransientError(`${request.target}: gave up after ${policy.maxAttempts} attempts (last: ${lastReason})`);
}
