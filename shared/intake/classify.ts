/**
 * The second step of the intake: what does an authenticated request ask for?
 *
 * It identifies the delivery, applies the receiver's own filters (suspend, `spec.events`), tells
 * a push from a ping or an event Tideline ignores, parses and normalizes the payload, and turns a
 * push into the `GitPushReceived` events to publish. Nothing is recorded or published here.
 */
import { createHash } from 'node:crypto';
import { errorMessage, InvalidInputError } from '#shared/errors/index.ts';
import type { CatalogEvent, ReceiverResource } from '#shared/events/catalog.ts';
import { makeEvent } from '#shared/events/catalog.ts';
import type { Clock, Logger } from '#shared/ports/index.ts';
import type { AuthenticatedRequest } from './authenticate.ts';
import { answer, quote, respond, type Step } from './response.ts';
import type { Headers, PushFacts, ReceiverRoute } from './types.ts';

/** A push to publish: its events and the delivery they belong to. */
export interface PushDelivery {
  /** `namespace/name` of the receiver. */
  receiverId: string;
  /** The provider's delivery id, or a digest of the body when it sends none. */
  deliveryId: string;
  events: CatalogEvent[];
  /** Set for a bare "reconcile now" that names no push (generic-hmac): said back in the response. */
  note?: string;
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

/** The payload as pushed refs, or the answer when it is not one Tideline acts on. */
function normalizePayload(
  request: AuthenticatedRequest,
  deliveryId: string,
  logger: Logger,
  logIds: Record<string, unknown>,
): Step<PushFacts[] | { unnamed: string }> {
  const { provider, headers, body } = request;
  const type = mediaType(headers) || (provider.jsonWithoutContentType ? 'application/json' : undefined);
  let normalized: PushFacts[] | { ignored: string } | { unnamed: string };
  if (provider.opaqueBody) {
    // Any body, any content type: only a JSON body can name a push, anything else is a bare trigger.
    normalized = provider.normalize(parseOptionalJson(body));
  } else {
    if (!type || !provider.contentTypes.includes(type)) {
      return answer(
        respond(400, { status: 'rejected', reason: `content type ${quote(type)} is not accepted; send ${provider.contentTypes.join(' or ')}`, deliveryId }),
      );
    }
    try {
      normalized = provider.normalize(parseBody(body, type));
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      logger.warn('webhook payload rejected', logIds);
      return answer(respond(400, { status: 'rejected', reason: error.message, deliveryId }));
    }
  }
  if (!Array.isArray(normalized) && 'ignored' in normalized) {
    logger.info('webhook ignored: unsupported event', logIds);
    return answer(respond(202, { status: 'ignored', reason: normalized.ignored, deliveryId }));
  }
  if (Array.isArray(normalized) && normalized.length === 0) {
    logger.info('webhook ignored: ref deletion', logIds);
    return answer(respond(202, { status: 'ignored', reason: 'the push only deleted refs', deliveryId }));
  }
  return { ok: true, value: normalized };
}

/**
 * Turns an authenticated request into the push to publish, or answers it: 202 for a suspended
 * receiver, an event outside `spec.events`, an event that is not a push or a push that only
 * deleted refs; 200 `pong` for a ping; 400 for a body that cannot be read as the provider's push.
 */
export function classify(request: AuthenticatedRequest, clock: Clock, logger: Logger): Step<PushDelivery> {
  const { route, provider, headers, receiverId } = request;
  const eventName = provider.eventName(headers);
  const headerDeliveryId = boundedDeliveryId(provider.deliveryId(headers));
  // Without a delivery id, the body's digest identifies a push: a retried identical body is the same push.
  let deliveryId = headerDeliveryId ?? `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
  const logIds = { receiver: receiverId, correlationId: deliveryId };

  if (route.receiver.spec.suspend) {
    logger.info('webhook ignored: receiver suspended', logIds);
    return answer(respond(202, { status: 'ignored', reason: 'the receiver is suspended', deliveryId }));
  }
  const allowed = route.receiver.spec.events;
  if (provider.filtersEvents && allowed && allowed.length > 0 && !allowed.some((name) => name.toLowerCase() === (eventName ?? '').toLowerCase())) {
    logger.info('webhook ignored: event not in receiver events', logIds);
    return answer(respond(202, { status: 'ignored', reason: `event ${quote(eventName)} is not in the receiver's spec.events`, deliveryId }));
  }
  const kind = provider.classify(eventName);
  if (kind === 'ping') {
    logger.info('webhook ping', logIds);
    return answer(respond(200, { status: 'pong', deliveryId }));
  }
  if (kind === 'unsupported') {
    logger.info('webhook ignored: unsupported event', logIds);
    return answer(respond(202, { status: 'ignored', reason: `event ${quote(eventName)} is not a push; Tideline acts on pushes only`, deliveryId }));
  }

  const normalized = normalizePayload(request, deliveryId, logger, logIds);
  if (!normalized.ok) return normalized;
  const receivedAtMs = clock.now();
  const receivedAt = new Date(receivedAtMs).toISOString();
  const note = Array.isArray(normalized.value) ? undefined : normalized.value.unnamed;
  if (note !== undefined && headerDeliveryId === undefined) {
    // A bare "reconcile now" without a delivery id is a new request each time it is sent (a CI job
    // re-run posting the same `{}` means it): the body alone cannot tell a retry from a new trigger,
    // so the receive time joins the digest. Only identical requests within the same millisecond
    // collapse into one, which loses nothing since one reconcile covers both.
    deliveryId = `sha256:${createHash('sha256').update(request.body).update(`\n${receivedAtMs}`).digest('hex')}`;
    logIds.correlationId = deliveryId;
  }
  try {
    const events = buildEvents(route, deliveryId, Array.isArray(normalized.value) ? normalized.value : 'unnamed', receivedAt);
    return { ok: true, value: { receiverId, deliveryId, events, ...(note !== undefined ? { note } : {}) } };
  } catch (error) {
    logger.warn('webhook payload rejected', logIds);
    return answer(respond(400, { status: 'rejected', reason: `payload does not describe a push: ${errorMessage(error).slice(0, 300)}`, deliveryId }));
  }
}
