/**
 * Transport: how requests reach one Kubernetes API server. Plain HTTPS (Node's `https`, keep-alive,
 * TLS verified against the endpoint's CA), a bound on requests in flight, a count of every request
 * sent (tests and the benchmark assert on it), retries of transient failures (connection
 * refused/reset, timeouts, 429, 5xx) with bounded backoff, and every other failure mapped to a
 * typed error naming the object.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ObjectRef } from '#shared/errors/index.ts';
import { ConflictError, InvalidInputError, NotFoundError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { ClusterEndpoint } from './connection.ts';
import { decodeProtobufStatus } from './status-proto.ts';
import { displayUrl } from './url.ts';

/** How a transport sends: concurrency, retries, timeouts. */
export interface TransportOptions {
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /** Attempts per request for transient failures (default 4). */
  maxAttempts?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Clock for backoff sleeps. */
  clock?: Clock;
}

/** Options of one raw request. */
export interface SendOptions {
  query?: Record<string, string>;
  body?: string;
  contentType?: string;
  accept?: string;
  /** The object the request is about, named in any error. */
  object?: ObjectRef;
  /** Counter label (`PATCH Deployment`). */
  label?: string;
  /** Do not parse a successful response body (the caller does not need it). */
  discardBody?: boolean;
}

/** An API error with the HTTP status and the server's reason, for callers that branch on them. */
export interface ApiFailure {
  status: number;
  reason: string;
  message: string;
}

/** A Kubernetes `Status` failure body. */
interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TYPED_PATCH_FAILURE = /failed to create typed (patch|live) object|failed to convert new object/;

/** Small counting semaphore bounding requests in flight. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * The connection to one API server: sockets, the in-flight bound and the request counters, shared
 * by every client made from it (the impersonating ones too).
 */
export class Transport {
  readonly endpoint: ClusterEndpoint;
  /** HTTP requests sent so far, retries included. */
  private requests = 0;
  /** Requests sent by `METHOD kind` label (see {@link Transport.requestsByVerb}). */
  readonly requestsByVerb = new Map<string, number>();
  private readonly agent: Agent;
  private readonly limiter: Limiter;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly url: URL;

  constructor(endpoint: ClusterEndpoint, options: TransportOptions = {}) {
    this.endpoint = endpoint;
    this.url = new URL(endpoint.server);
    this.maxAttempts = options.maxAttempts ?? 4;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    const concurrency = options.concurrency ?? 16;
    this.limiter = new Limiter(concurrency);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: concurrency,
      ...(endpoint.ca ? { ca: endpoint.ca } : {}),
      ...(endpoint.clientCert ? { cert: endpoint.clientCert } : {}),
      ...(endpoint.clientKey ? { key: endpoint.clientKey } : {}),
      rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
    });
  }

  /** HTTP requests sent so far (retries included). */
  get requestCount(): number {
    return this.requests;
  }

  /** The path prefix of the server URL (a proxy may serve the API below one), without a trailing slash. */
  get basePath(): string {
    return this.url.pathname.replace(/\/+$/, '');
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Sends one request (bounded concurrency) as the credentials' identity or, with `asUser`, as that
   * user (Kubernetes impersonation), retrying transient failures with exponential backoff.
   * Failures become typed errors naming `options.object` when given.
   */
  async sendForStatus(method: string, path: string, options: SendOptions = {}, asUser?: string): Promise<{ status: number; body: unknown }> {
    const search = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    let lastError: TransientError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        return await this.limiter.run(() => this.sendOnce(method, this.basePath + path + search, options, asUser));
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        lastError = error;
        if (attempt === this.maxAttempts) break;
        const backoff = Math.min(2_000, 100 * 2 ** (attempt - 1));
        await this.clock.sleep(Math.max(backoff, error.retryAfterMs ?? 0));
      }
    }
    throw lastError as TransientError;
  }

  private async sendOnce(method: string, path: string, options: SendOptions, asUser: string | undefined): Promise<{ status: number; body: unknown }> {
    this.requests++;
    const label = options.label ?? method;
    this.requestsByVerb.set(label, (this.requestsByVerb.get(label) ?? 0) + 1);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', 'user-agent': 'tideline' };
    if (asUser) headers['impersonate-user'] = asUser;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const token = typeof this.endpoint.token === 'function' ? await this.endpoint.token() : this.endpoint.token;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.endpoint.basicAuth)
      headers.authorization = `Basic ${Buffer.from(`${this.endpoint.basicAuth.username}:${this.endpoint.basicAuth.password}`).toString('base64')}`;
    const objectOption = options.object ? { object: options.object } : {};
    const where = `${method} ${this.endpoint.name}`;
    const response = await new Promise<{ status: number; body: Buffer; contentType: string; retryAfter?: string }>((resolve, reject) => {
      const req = httpsRequest(
        { protocol: 'https:', hostname: this.url.hostname, port: this.url.port || 443, method, path, headers, agent: this.agent },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              contentType: res.headers['content-type'] ?? '',
              ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}),
            }),
          );
          res.on('error', (error) => reject(new TransientError(`${where}: response interrupted: ${error.message}`, { ...objectOption, cause: error })));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no response within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code && TRANSIENT_CODES.has(error.code))
          reject(
            new TransientError(`API server ${displayUrl(this.endpoint.server)} unreachable (${error.code}): ${error.message}`, {
              ...objectOption,
              cause: error,
            }),
          );
        else
          reject(
            new InvalidInputError(`request to API server ${displayUrl(this.endpoint.server)} failed: ${error.message}`, { ...objectOption, cause: error }),
          );
      });
      if (options.body !== undefined) req.end(options.body);
      else req.end();
    });
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, body: response.body.length > 0 && !options.discardBody ? JSON.parse(response.body.toString('utf8')) : {} };
    }
    throw errorForStatus(response.status, readStatus(response.body, response.contentType), options.object, response.retryAfter);
  }
}

/** The typed error for a failed answer: transient ones are retried, the rest name the object. */
function errorForStatus(status: number, body: StatusBody, object: ObjectRef | undefined, retryAfter?: string): Error {
  const message = body.message || `HTTP ${status}`;
  const options = { ...(object ? { object } : {}), cause: { status, reason: body.reason ?? '', message } satisfies ApiFailure };
  // The API server answers 500 when an apply's object does not fit the schema (unknown field,
  // wrong type, duplicate keys in an associative list) or cannot be converted to its Go type
  // (a Secret value that is not base64): that is the object's fault, not the server's, and
  // retrying cannot help.
  if (status === 500 && TYPED_PATCH_FAILURE.test(message)) return new InvalidInputError(message, options);
  if (status === 429 || status >= 500) {
    const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
    return new TransientError(`API server answered ${status}: ${message}`, { ...options, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  // A Namespace being deleted refuses new content until its deletion completes: a condition
  // that passes (a later run recreates the Namespace and its objects), not a permission problem.
  if (status === 403 && body.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) {
    return new TransientError(`the namespace is being deleted and accepts no new objects until it is gone: ${message}`, options);
  }
  if (status === 404) return new NotFoundError(message, options);
  if (status === 409) return new ConflictError(message, options);
  if (status === 401 || status === 403) return new UnauthorizedError(`${status === 401 ? 'unauthenticated' : 'forbidden'}: ${message}`, options);
  return new InvalidInputError(message, options);
}

/** The Status of an answer that is not a success: JSON, protobuf, or (from a proxy) plain text. */
function readStatus(body: Buffer, contentType: string): StatusBody {
  if (contentType.startsWith('application/vnd.kubernetes.protobuf')) return decodeProtobufStatus(body) ?? {};
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as StatusBody;
  } catch {
    return { message: text.slice(0, 300) };
  }
}

/** The HTTP status and server reason behind an error thrown by a cluster request, if any. */
export function apiFailureOf(error: unknown): ApiFailure | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause as ApiFailure | undefined;
  return cause && typeof cause === 'object' && typeof cause.status === 'number' ? cause : undefined;
}
