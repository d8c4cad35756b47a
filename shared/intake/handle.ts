/**
 * The webhook intake: a verified Git push becomes `GitPushReceived` events on the bus.
 *
 * HTTP-agnostic: it takes method, path, headers and raw body and answers a status and a JSON
 * body, so the Lambda (API Gateway / Function URL) and the local webhook server mount the same
 * code. The order of checks matters: nothing about a request is trusted, parsed or recorded
 * before its signature is verified, and nothing is emitted without a valid signature.
 */
import { createHash } from 'node:crypto';
import { errorMessage, InvalidInputError } from '#shared/errors/index.ts';
import type { CatalogEvent, ReceiverResource } from '#shared/events/catalog.ts';
import { makeEvent } from '#shared/events/catalog.ts';
import type { Clock, EventBus, TtlStore } from '#shared/ports/index.ts';
import type { ReceiverDirectory, ReceiverRoute } from './directory.ts';
import type { IntakeLogger } from './log.ts';
import { silentLogger } from './log.ts';
import { PROVIDERS } from './providers/index.ts';
import type { Headers, PushFacts, WebhookRequest, WebhookResponse } from './types.ts';

/** Largest body accepted (GitHub caps payloads at 25 MB, but a push that large carries nothing we need). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How long a delivery id is remembered: a redelivery within this window is acknowledged, not re-emitted. */
export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a delivery being published holds its id before the id lapses. Longer than the
 * function may run (30 s in the Tideline construct), so a live attempt never loses its claim;
 * short, so an attempt that died (timeout, crash, out of memory) blocks redeliveries only this
 * long instead of swallowing the push for {@link DELIVERY_TTL_MS}.
 */
export const DELIVERY_IN_PROGRESS_TTL_MS = 2 * 60 * 1000;

/** What the intake needs from the outside. */
export interface IntakeDeps {
  receivers: ReceiverDirectory;
  bus: EventBus;
  /** Delivery-id records for idempotency (DynamoDB with TTL in AWS, memory locally). */
  deliveries: TtlStore;
  clock: Clock;
  logger?: IntakeLogger;
  maxBodyBytes?: number;
  /** How long a delivery being published holds its id; default {@link DELIVERY_IN_PROGRESS_TTL_MS}. */
  inProgressTtlMs?: number;
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

function respond(status: number, body: Record<string, unknown>, events: CatalogEvent[] = [], headers?: Record<string, string>): WebhookResponse {
  return { status, body: JSON.stringify(body), events, ...(headers ? { headers } : {}) };
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

/** Text from a request that may be echoed back: printable, short. */
function quote(text: string | undefined): string {
  if (text === undefined) return '(none)';
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, '?').slice(0, 80));
}

function mediaType(headers: Headers): string | undefined {
  return headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
}

/** The body as JSON when it is JSON, else undefined (for receiver types whose body is opaque). */
function parseOptionalJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses the body as JSON (or GitHub's form encoding with a `payload` field). */
function parseBody(body: Buffer, type: string): unknown {
  // A leading byte-order mark is legal in UTF-8 text but not in JSON.
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  let json = text;
  if (type === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new InvalidInputError('form body has no payload field');
    json = payload;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new InvalidInputError('body is not valid JSON');
  }
}

/** The Receiver's `spec.resources` as events carry them: the namespace defaults to the Receiver's, as in Flux. */
export function receiverResources(receiver: ReceiverRoute['receiver']): ReceiverResource[] {
  return receiver.spec.resources.map((resource) => ({
    kind: resource.kind,
    name: resource.name,
    namespace: resource.namespace ?? receiver.metadata.namespace,
    ...(resource.matchLabels ? { matchLabels: resource.matchLabels } : {}),
  }));
}

/** One event per pushed ref, or one carrying only the receiver's resources when `pushes` is `unnamed`. */
function buildEvents(route: ReceiverRoute, deliveryId: string, pushes: PushFacts[] | 'unnamed', receivedAt: string): CatalogEvent[] {
  const { receiver } = route;
  const provider = receiver.spec.type;
  const common = {
    version: 1 as const,
    correlationId: deliveryId,
    occurredAt: receivedAt,
    provider,
    receiver: { name: receiver.metadata.name, namespace: receiver.metadata.namespace },
    resources: receiverResources(receiver),
    deliveryId,
    receivedAt,
  };
  // Deterministic, so a redelivery after a failed publish produces the same ids for consumers to dedupe.
  const eventId = (ref: string): string =>
    `intake:${createHash('sha256').update(`${receiver.metadata.namespace}/${receiver.metadata.name}\n${deliveryId}\n${ref}`).digest('hex').slice(0, 32)}`;
  if (pushes === 'unnamed') return [makeEvent('GitPushReceived', { ...common, eventId: eventId('') })];
  return pushes.map((push) =>
    makeEvent('GitPushReceived', {
      ...common,
      eventId: eventId(push.ref),
      repository: push.repository,
      ref: push.ref,
      revision: push.revision,
      ...(push.before ? { before: push.before } : {}),
      commits: push.commits,
      ...(push.pusher ? { pusher: push.pusher } : {}),
    }),
  );
}

/**
 * Handles one webhook request: finds the receiver by path, verifies the signature with its
 * token, filters the event, normalizes the push, drops redeliveries and publishes
 * `GitPushReceived`. Answers 401 for a bad signature, 404 for an unknown path, 400/413 for bad
 * bodies, 202 for events it ignores, 200 for an accepted or repeated delivery, 503 when the bus
 * refused the events (the delivery is then forgotten so the sender's retry goes through) and
 * 503 `in-progress` with `retry-after` while another attempt at the same delivery holds its
 * claim (that attempt may have died; the claim lapses after `inProgressTtlMs`).
 */
export async function handleWebhook(request: WebhookRequest, deps: IntakeDeps): Promise<WebhookResponse> {
  const logger = deps.logger ?? silentLogger;
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;

  if (request.method.toUpperCase() !== 'POST') return respond(405, { status: 'rejected', reason: 'webhooks are delivered with POST' }, [], { allow: 'POST' });
  const path = hookPathOf(request.path);
  if (!HOOK_PATH.test(path)) return respond(404, { status: 'rejected', reason: 'no receiver at this path' });
  // The bytes actually received count, whatever Content-Length claimed.
  if (request.body.length > maxBodyBytes) {
    logger.warn('webhook body too large', { path, bytes: request.body.length });
    return respond(413, { status: 'rejected', reason: `body is over ${maxBodyBytes} bytes` });
  }

  let route = await deps.receivers.resolve(path);
  if (!route) return respond(404, { status: 'rejected', reason: 'no receiver at this path' });
  const receiverId = `${route.receiver.metadata.namespace}/${route.receiver.metadata.name}`;
  const provider = PROVIDERS[route.receiver.spec.type];
  const headers = normalizeHeaders(request.headers);

  let verified = provider.verify(headers, request.body, route.token, deps.clock.now());
  if (!verified.ok) {
    // The token may have been rotated since it was cached: read it once more before refusing.
    const refreshed = await deps.receivers.refreshToken(route);
    if (refreshed) {
      verified = provider.verify(headers, request.body, refreshed.token, deps.clock.now());
      if (verified.ok) route = refreshed;
    }
  }
  if (!verified.ok) {
    logger.warn('webhook signature rejected', { receiver: receiverId });
    return respond(401, { status: 'rejected', reason: verified.reason });
  }

  const eventName = provider.eventName(headers);
  const headerDeliveryId = boundedDeliveryId(provider.deliveryId(headers));
  // Without a delivery id, the body's digest identifies a push: a retried identical body is the same push.
  let deliveryId = headerDeliveryId ?? `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
  const logIds = { receiver: receiverId, correlationId: deliveryId };

  if (route.receiver.spec.suspend) {
    logger.info('webhook ignored: receiver suspended', logIds);
    return respond(202, { status: 'ignored', reason: 'the receiver is suspended', deliveryId });
  }
  const allowed = route.receiver.spec.events;
  if (provider.filtersEvents && allowed && allowed.length > 0 && !allowed.some((name) => name.toLowerCase() === (eventName ?? '').toLowerCase())) {
    logger.info('webhook ignored: event not in receiver events', logIds);
    return respond(202, { status: 'ignored', reason: `event ${quote(eventName)} is not in the receiver's spec.events`, deliveryId });
  }
  const kind = provider.classify(eventName);
  if (kind === 'ping') {
    logger.info('webhook ping', logIds);
    return respond(200, { status: 'pong', deliveryId });
  }
  if (kind === 'unsupported') {
    logger.info('webhook ignored: unsupported event', logIds);
    return respond(202, { status: 'ignored', reason: `event ${quote(eventName)} is not a push; Tideline acts on pushes only`, deliveryId });
  }

  const type = mediaType(headers) || (provider.jsonWithoutContentType ? 'application/json' : undefined);
  let normalized: PushFacts[] | { ignored: string } | { unnamed: string };
  if (provider.opaqueBody) {
    // Any body, any content type: only a JSON body can name a push, anything else is a bare trigger.
    normalized = provider.normalize(parseOptionalJson(request.body));
  } else {
    if (!type || !provider.contentTypes.includes(type)) {
      return respond(400, { status: 'rejected', reason: `content type ${quote(type)} is not accepted; send ${provider.contentTypes.join(' or ')}`, deliveryId });
    }
    try {
      normalized = provider.normalize(parseBody(request.body, type));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      logger.warn('webhook payload rejected', logIds);
      return respond(400, { status: 'rejected', reason: error.message, deliveryId });
    }
  }
  if (!Array.isArray(normalized) && 'ignored' in normalized) {
    logger.info('webhook ignored: unsupported event', logIds);
    return respond(202, { status: 'ignored', reason: normalized.ignored, deliveryId });
  }
  if (Array.isArray(normalized) && normalized.length === 0) {
    logger.info('webhook ignored: ref deletion', logIds);
    return respond(202, { status: 'ignored', reason: 'the push only deleted refs', deliveryId });
  }

  const receivedAtMs = deps.clock.now();
  const receivedAt = new Date(receivedAtMs).toISOString();
  const note = Array.isArray(normalized) ? undefined : normalized.unnamed;
  if (note !== undefined && headerDeliveryId === undefined) {
    // A bare "reconcile now" without a delivery id is a new request each time it is sent (a CI job
    // re-run posting the same `{}` means it): the body alone cannot tell a retry from a new trigger,
    // so the receive time joins the digest. Only identical requests within the same millisecond
    // collapse into one, which loses nothing since one reconcile covers both.
    deliveryId = `sha256:${createHash('sha256').update(request.body).update(`\n${receivedAtMs}`).digest('hex')}`;
    logIds.correlationId = deliveryId;
  }
  let events: CatalogEvent[];
  try {
    events = buildEvents(route, deliveryId, note === undefined ? (normalized as PushFacts[]) : 'unnamed', receivedAt);
  } catch (error) {
    logger.warn('webhook payload rejected', logIds);
    return respond(400, { status: 'rejected', reason: `payload does not describe a push: ${errorMessage(error).slice(0, 300)}`, deliveryId });
  }

  // Claim, publish, complete: a delivery counts as done only once its events are on the bus, so
  // an attempt that dies in between leaves a short in-progress claim, not a 24-hour "seen".
  const idempotencyKey = `webhook/${receiverId}/${deliveryId}`;
  const inProgressTtlMs = deps.inProgressTtlMs ?? DELIVERY_IN_PROGRESS_TTL_MS;
  const claim = await deps.deliveries.claim(idempotencyKey, inProgressTtlMs);
  if (claim === 'done') {
    logger.info('webhook duplicate delivery', logIds);
    return respond(200, { status: 'duplicate', deliveryId });
  }
  if (claim === 'in-progress') {
    logger.info('webhook delivery already in progress', logIds);
    const retryAfterSeconds = Math.max(1, Math.ceil(inProgressTtlMs / 1000));
    return respond(
      503,
      { status: 'in-progress', reason: `another attempt at this delivery is in progress; retry the delivery in ${retryAfterSeconds} seconds`, deliveryId },
      [],
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
  let result;
  try {
    result = await deps.bus.publish(events);
  } catch (error) {
    result = { published: 0, failed: events.map((event) => ({ event, reason: errorMessage(error) })) };
  }
  if (result.failed.length > 0) {
    try {
      await deps.deliveries.delete(idempotencyKey);
    } catch (error) {
      // The claim then lapses on its own after inProgressTtlMs; the retry is only delayed.
      logger.error('releasing the delivery claim failed', { ...logIds, error: errorMessage(error) });
    }
    logger.error('publishing GitPushReceived failed', { ...logIds, failed: result.failed.length, reasons: result.failed.map((f) => f.reason) });
    return respond(503, { status: 'failed', reason: 'the event bus refused the events; retry the delivery', deliveryId });
  }
  const eventIds = events.map((event) => event.detail.eventId);
  try {
    if (!(await deps.deliveries.complete(idempotencyKey, DELIVERY_TTL_MS))) {
      logger.warn('delivery claim was no longer in progress when completed; a redelivery may emit the same event ids again', logIds);
    }
  } catch (error) {
    // The events are on the bus, so the delivery is accepted; the claim lapses after
    // inProgressTtlMs and a later redelivery re-emits the same (deterministic) event ids.
    logger.error('recording the delivery as done failed', { ...logIds, error: errorMessage(error) });
  }
  logger.info('webhook accepted', { ...logIds, events: eventIds });
  return respond(200, { status: 'accepted', deliveryId, events: eventIds, ...(note ? { note } : {}) }, events);
}

/** Longest delivery id kept as sent; longer ones are identified by their digest. */
const MAX_DELIVERY_ID_LENGTH = 200;

/**
 * A provider's delivery id, bounded for keys and logs without losing what tells two deliveries
 * apart: an id over {@link MAX_DELIVERY_ID_LENGTH} characters becomes `id-sha256:<digest>` of the
 * whole id (cutting it would make two ids with a common prefix one delivery, and drop the second).
 */
function boundedDeliveryId(id: string | undefined): string | undefined {
  if (id === undefined || id.length <= MAX_DELIVERY_ID_LENGTH) return id;
  return `id-sha256:${createHash('sha256').update(id).digest('hex')}`;
}
