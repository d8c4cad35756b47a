/**
 * The last step of the intake: a push's events go on the bus once per delivery.
 *
 * Claim, publish, complete: a delivery counts as done only once its events are on the bus, so an
 * attempt that dies in between leaves a short in-progress claim, not a 24-hour "seen", and a
 * redelivery after a failed publish goes through.
 */
import { errorMessage } from '#shared/errors/index.ts';
import type { EventBus, Logger, PublishResult, TtlStore } from '#shared/ports/index.ts';
import type { PushDelivery } from './classify.ts';
import { respond } from './response.ts';
import type { WebhookResponse } from './types.ts';

/** How long a delivery id is remembered: a redelivery within this window is acknowledged, not re-emitted. */
export const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a delivery being published holds its id before the id lapses. Longer than the
 * function may run (30 s in the Tideline construct), so a live attempt never loses its claim;
 * short, so an attempt that died (timeout, crash, out of memory) blocks redeliveries only this
 * long instead of swallowing the push for {@link DELIVERY_TTL_MS}.
 */
export const DELIVERY_IN_PROGRESS_TTL_MS = 2 * 60 * 1000;

/**
 * Publishes the delivery's events unless the delivery was already published (200 `duplicate`) or
 * another attempt holds its claim (503 `in-progress` with `retry-after`). A bus that refuses the
 * events releases the claim and answers 503, so the sender's retry publishes them.
 */
export async function publishOnce(
  delivery: PushDelivery,
  deps: { bus: EventBus; deliveries: TtlStore; inProgressTtlMs: number },
  logger: Logger,
): Promise<WebhookResponse> {
  const { deliveryId, events, note } = delivery;
  const logIds = { receiver: delivery.receiverId, correlationId: deliveryId };
  const idempotencyKey = `webhook/${delivery.receiverId}/${deliveryId}`;
  const claim = await deps.deliveries.claim(idempotencyKey, deps.inProgressTtlMs);
  if (claim === 'done') {
    logger.info('webhook duplicate delivery', logIds);
    return respond(200, { status: 'duplicate', deliveryId });
  }
  if (claim === 'in-progress') {
    logger.info('webhook delivery already in progress', logIds);
    const retryAfterSeconds = Math.max(1, Math.ceil(deps.inProgressTtlMs / 1000));
    return respond(
      503,
      { status: 'in-progress', reason: `another attempt at this delivery is in progress; retry the delivery in ${retryAfterSeconds} seconds`, deliveryId },
      [],
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
  let result: PublishResult;
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
