/**
 * The webhook intake: a verified Git push becomes `GitPushReceived` events on the bus.
 *
 * HTTP-agnostic: it takes method, path, headers and raw body and answers a status and a JSON
 * body, so the Lambda (API Gateway / Function URL) and the local webhook server mount the same
 * code. A request passes three steps in order, each of which may answer it: {@link authenticate}
 * (nothing about a request is trusted, parsed or recorded before its signature is verified),
 * {@link classify} (what the verified request asks for) and {@link publishOnce} (nothing is
 * emitted twice for one delivery, and nothing is lost to a crash between publish and record).
 */
import type { Clock, EventBus, Logger, TtlStore } from '#shared/ports/index.ts';
import { silentLogger } from '#shared/ports/index.ts';
import { authenticate } from './authenticate.ts';
import { classify } from './classify.ts';
import { DELIVERY_IN_PROGRESS_TTL_MS, publishOnce } from './publish-once.ts';
import type { ReceiverLookup, WebhookRequest, WebhookResponse } from './types.ts';

/** Largest body accepted (GitHub caps payloads at 25 MB, but a push that large carries nothing we need). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What the intake needs from the outside. */
export interface IntakeDeps {
  receivers: ReceiverLookup;
  bus: EventBus;
  /** Delivery-id records for idempotency (DynamoDB with TTL in AWS, memory locally). */
  deliveries: TtlStore;
  clock: Clock;
  logger?: Logger;
  maxBodyBytes?: number;
  /** How long a delivery being published holds its id; default {@link DELIVERY_IN_PROGRESS_TTL_MS}. */
  inProgressTtlMs?: number;
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
  const authenticated = await authenticate(
    request,
    { receivers: deps.receivers, clock: deps.clock, maxBodyBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES },
    logger,
  );
  if (!authenticated.ok) return authenticated.response;
  const delivery = classify(authenticated.value, deps.clock, logger);
  if (!delivery.ok) return delivery.response;
  return publishOnce(
    delivery.value,
    { bus: deps.bus, deliveries: deps.deliveries, inProgressTtlMs: deps.inProgressTtlMs ?? DELIVERY_IN_PROGRESS_TTL_MS },
    logger,
  );
}
