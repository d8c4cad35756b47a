/**
 * The first step of the intake: is this request for a receiver, and signed by its token?
 *
 * Nothing about a request is trusted, parsed or recorded before this step says yes. The cheap
 * refusals (method, path shape, body size) come before the receiver is looked up, so an oversized
 * or misdirected request costs no secret read.
 */
import type { Clock, Logger } from '#shared/ports/index.ts';
import { PROVIDERS } from './providers/index.ts';
import { answer, respond, type Step } from './response.ts';
import type { Headers, ReceiverLookup, ReceiverRoute, WebhookProvider, WebhookRequest } from './types.ts';

/** A request whose signature verified against its receiver's token. */
export interface AuthenticatedRequest {
  route: ReceiverRoute;
  /** `namespace/name` of the receiver, for logs and idempotency keys. */
  receiverId: string;
  provider: WebhookProvider;
  headers: Headers;
  body: Buffer;
}

const HOOK_PATH = /^\/hook\/[0-9a-f]{64}$/;

/**
 * The receiver path of a request path: a query string is dropped (Git hosts never add one, people
 * pasting URLs sometimes do) and so is one trailing slash.
 */
export function hookPathOf(path: string): string {
  const query = path.search(/[?#]/);
  const bare = query >= 0 ? path.slice(0, query) : path;
  return bare.length > 1 && bare.endsWith('/') ? bare.slice(0, -1) : bare;
}

/** Lower-cases header names; repeated headers keep their first value. */
export function normalizeHeaders(headers: WebhookRequest['headers']): Headers {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    const lower = name.toLowerCase();
    if (!map.has(lower)) map.set(lower, value);
  }
  return map;
}

/**
 * Finds the receiver of the request's path and verifies the signature with its token, reading the
 * token once more past the caches before refusing (it may have been rotated). Answers 405, 404,
 * 413 or 401 when the request goes no further.
 */
export async function authenticate(
  request: WebhookRequest,
  deps: { receivers: ReceiverLookup; clock: Clock; maxBodyBytes: number },
  logger: Logger,
): Promise<Step<AuthenticatedRequest>> {
  if (request.method.toUpperCase() !== 'POST')
    return answer(respond(405, { status: 'rejected', reason: 'webhooks are delivered with POST' }, [], { allow: 'POST' }));
  const path = hookPathOf(request.path);
  if (!HOOK_PATH.test(path)) return answer(respond(404, { status: 'rejected', reason: 'no receiver at this path' }));
  // The bytes actually received count, whatever Content-Length claimed.
  if (request.body.length > deps.maxBodyBytes) {
    logger.warn('webhook body too large', { path, bytes: request.body.length });
    return answer(respond(413, { status: 'rejected', reason: `body is over ${deps.maxBodyBytes} bytes` }));
  }

  let route = await deps.receivers.resolve(path);
  if (!route) return answer(respond(404, { status: 'rejected', reason: 'no receiver at this path' }));
  const receiverId = `${route.receiver.metadata.namespace}/${route.receiver.metadata.name}`;
  const provider = PROVIDERS[route.receiver.spec.type];
  const headers = normalizeHeaders(request.headers);

  let verified = provider.verify(headers, request.body, route.token, deps.clock.now());
  if (!verified.ok) {
    const refreshed = await deps.receivers.refreshToken(route);
    if (refreshed) {
      verified = provider.verify(headers, request.body, refreshed.token, deps.clock.now());
      if (verified.ok) route = refreshed;
    }
  }
  if (!verified.ok) {
    logger.warn('webhook signature rejected', { receiver: receiverId });
    return answer(respond(401, { status: 'rejected', reason: verified.reason }));
  }
  return { ok: true, value: { route, receiverId, provider, headers, body: request.body } };
}
