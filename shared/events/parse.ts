/**
 * Validation of received events against the catalog.
 *
 * Every function parses what it receives before acting on it, so a malformed or foreign event
 * fails with an error that names the offending field instead of deep inside an engine.
 */
import type * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { catalog, type CatalogEvent, type DetailType, type EventDetail } from './catalog.ts';

/** The shape of an EventBridge event as delivered to Lambda or an SQS target (JSON body). */
export interface EventBridgeEnvelope {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: unknown;
  [key: string]: unknown;
}

function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates an EventBridge envelope (object or JSON string, e.g. an SQS message body) as an event
 * of `detailType` and returns it typed. Throws InvalidInputError naming the field on mismatch.
 */
export function parseEvent<T extends DetailType>(detailType: T, raw: unknown): CatalogEvent<T> {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new InvalidInputError(`${detailType}: event body is not JSON`, { cause });
    }
  }
  if (typeof value !== 'object' || value === null) throw new InvalidInputError(`${detailType}: event is not an object`);
  const envelope = value as EventBridgeEnvelope;
  const entry = catalog[detailType];
  if (envelope['detail-type'] !== detailType) {
    throw new InvalidInputError(`expected detail-type ${detailType}, got ${JSON.stringify(envelope['detail-type'])}`);
  }
  if (envelope.source !== entry.source) {
    throw new InvalidInputError(`${detailType}: expected source ${entry.source}, got ${JSON.stringify(envelope.source)}`);
  }
  return { detailType, source: entry.source, detail: parseDetail(detailType, envelope.detail) } as CatalogEvent<T>;
}

/** Validates a bare event detail of `detailType`. Throws InvalidInputError naming the field. */
export function parseDetail<T extends DetailType>(detailType: T, detail: unknown): EventDetail<T> {
  const result = catalog[detailType].schema.safeParse(detail);
  if (!result.success) throw new InvalidInputError(`${detailType}: invalid detail: ${describeIssues(result.error)}`);
  return result.data as EventDetail<T>;
}

/** Parses an envelope of any catalog type, dispatching on its detail-type. */
export function parseAnyEvent(raw: unknown): CatalogEvent {
  const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  const type = (value as EventBridgeEnvelope | null)?.['detail-type'];
  if (typeof type !== 'string' || !(type in catalog)) {
    throw new InvalidInputError(`unknown detail-type ${JSON.stringify(type)}`);
  }
  return parseEvent(type as DetailType, value);
}
