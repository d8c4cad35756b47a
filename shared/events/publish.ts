/**
 * Publishing catalog events to EventBridge.
 *
 * PutEvents takes at most 10 entries and 256 KB per call and may refuse some entries of a call
 * while accepting the others (`FailedEntryCount`). This helper batches within both limits,
 * retries only the refused entries (and whole calls that failed transiently) with bounded
 * exponential backoff on an injected clock, and refuses to carry manifests: events are claim
 * checks (keys and digests), the bundles themselves live in the artifact store.
 */
import { errorMessage } from '#shared/errors/index.ts';
import type { Clock, PublishResult } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { CatalogEvent } from './catalog.ts';
import { catalog } from './catalog.ts';

/** One PutEvents request entry (the fields Tideline sets). */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Time?: Date;
  Resources?: string[];
}

/** One entry of a PutEvents response, in request order. */
export interface PutEventsResultEntry {
  EventId?: string | undefined;
  ErrorCode?: string | undefined;
  ErrorMessage?: string | undefined;
}

/** The part of a PutEvents response this helper reads. */
export interface PutEventsOutput {
  FailedEntryCount?: number | undefined;
  Entries?: PutEventsResultEntry[] | undefined;
}

/**
 * The narrow slice of EventBridge the publisher needs: one PutEvents call. The AWS adapter wraps
 * an `EventBridgeClient`; tests can put a recording or failing implementation behind it.
 */
export interface PutEventsClient {
  putEvents(entries: PutEventsEntry[]): Promise<PutEventsOutput>;
}

/** PutEvents limits and retry policy. */
export interface PublishOptions {
  clock?: Clock;
  /** Attempts per entry, the first included (default 5). */
  maxAttempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 100). */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms (default 5 000). */
  maxDelayMs?: number;
  /** Random source in [0, 1) for jitter (default Math.random); injected so tests are deterministic. */
  random?: () => number;
}

/** EventBridge's per-call limits. */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_BYTES_PER_CALL = 256 * 1024;
/**
 * Tideline's own ceiling for one event's detail. Events carry ids and digests; anything near this
 * size is a bug (most likely a manifest or a log pasted into a message) and is refused.
 */
export const MAX_DETAIL_BYTES = 64 * 1024;

/** Detail keys that only ever hold manifests or bundles; an event carrying one is refused. */
const MANIFEST_KEYS = new Set(['manifest', 'manifests', 'bundle', 'yaml', 'objects', 'rendered', 'documents']);
/** A string that holds a whole Kubernetes object in YAML or JSON form. */
const MANIFEST_TEXT = [/^\s*apiVersion:\s*\S+\s*$/m, /^\s*kind:\s*\S+\s*$/m, /^\s*(metadata|spec|data|stringData):\s*$/m];
const MANIFEST_JSON = /"apiVersion"\s*:\s*"[^"]+"[\s\S]*"kind"\s*:\s*"[^"]+"[\s\S]*"(metadata|spec|data)"\s*:\s*\{/;

/** Error codes of an entry that will fail the same way again; anything else is retried. */
const PERMANENT_ENTRY_ERRORS = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'ValidationException',
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'ResourceNotFoundException',
]);

/** Whole-call errors worth retrying: throttling, 5xx, connection trouble. */
function isTransientCallError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  const name = `${e.name ?? ''} ${e.code ?? ''}`;
  return /Throttl|TooManyRequests|InternalFailure|InternalException|ServiceUnavailable|RequestTimeout|TimeoutError|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up/i.test(
    name + ' ' + errorMessage(error),
  );
}

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Size of one entry as EventBridge counts it against the 256 KB call limit: the UTF-8 bytes of
 * Source, DetailType, Detail and each Resources ARN, plus 14 bytes when Time is set.
 */
export function entrySize(entry: PutEventsEntry): number {
  let size = utf8Length(entry.Source) + utf8Length(entry.DetailType) + utf8Length(entry.Detail);
  if (entry.Time) size += 14;
  for (const resource of entry.Resources ?? []) size += utf8Length(resource);
  return size;
}

/** Why a detail must not be published, or undefined when it is a proper claim-check event. */
export function findManifestInDetail(detail: unknown, path = 'detail'): string | undefined {
  if (typeof detail === 'string') {
    if (MANIFEST_TEXT.every((pattern) => pattern.test(detail)) || MANIFEST_JSON.test(detail)) {
      return `${path} holds a Kubernetes manifest; events carry artifact keys and digests, never manifests`;
    }
    return undefined;
  }
  if (Array.isArray(detail)) {
    for (const [index, item] of detail.entries()) {
      const found = findManifestInDetail(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof detail === 'object' && detail !== null) {
    for (const [key, value] of Object.entries(detail)) {
      if (MANIFEST_KEYS.has(key.toLowerCase())) {
        return `${path}.${key} would carry manifests; events carry artifact keys and digests, never manifests`;
      }
      const found = findManifestInDetail(value, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Turns a catalog event into a PutEvents entry for `busName`. */
export function toPutEventsEntry(event: CatalogEvent, busName: string): PutEventsEntry {
  return { Source: event.source, DetailType: event.detailType, Detail: JSON.stringify(event.detail), EventBusName: busName };
}

/** Splits entries into calls of at most 10 entries and 256 KB, keeping their order. */
export function batchEntries<T extends { size: number }>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length === MAX_ENTRIES_PER_CALL || currentBytes + item.size > MAX_BYTES_PER_CALL)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

interface Pending {
  event: CatalogEvent;
  entry: PutEventsEntry;
  size: number;
  attempts: number;
  lastError: string;
}

/**
 * Publishes catalog events to the EventBridge bus `busName`: validates each against the catalog,
 * refuses manifests and oversized details, batches PutEvents within EventBridge's limits and
 * retries only what failed. Resolves with the count published and each event refused for good
 * with its reason; bus errors are reported there, never thrown.
 */
export async function publishEvents(
  client: PutEventsClient,
  busName: string,
  events: readonly CatalogEvent[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const clock = options.clock ?? systemClock;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const random = options.random ?? Math.random;

  const result: PublishResult = { published: 0, failed: [] };
  let pending: Pending[] = [];
  for (const event of events) {
    const checked = checkEvent(event);
    if ('refusal' in checked) {
      result.failed.push({ event, reason: checked.refusal });
      continue;
    }
    const entry = toPutEventsEntry({ ...event, detail: checked.detail } as CatalogEvent, busName);
    pending.push({ event, entry, size: entrySize(entry), attempts: 0, lastError: '' });
  }

  for (let round = 0; pending.length > 0; round += 1) {
    if (round > 0) {
      // Full jitter keeps many retrying functions from hitting the bus in lockstep.
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (round - 1));
      await clock.sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
    const retry: Pending[] = [];
    for (const batch of batchEntries(pending)) {
      for (const item of batch) item.attempts += 1;
      let output: PutEventsOutput;
      try {
        output = await client.putEvents(batch.map((item) => item.entry));
      } catch (error) {
        const reason = `PutEvents failed: ${errorMessage(error)}`;
        if (!isTransientCallError(error)) {
          for (const item of batch) result.failed.push({ event: item.event, reason });
          continue;
        }
        for (const item of batch) item.lastError = reason;
        retry.push(...batch);
        continue;
      }
      const entries = output.Entries ?? [];
      for (const [index, item] of batch.entries()) {
        const outcome = entries[index];
        // Without a per-entry outcome the call as a whole reported success only if nothing failed.
        const errorCode = outcome?.ErrorCode ?? (outcome === undefined && (output.FailedEntryCount ?? 0) > 0 ? 'Unknown' : undefined);
        if (errorCode === undefined) {
          result.published += 1;
          continue;
        }
        const reason = `${errorCode}${outcome?.ErrorMessage ? `: ${outcome.ErrorMessage}` : ''}`;
        if (PERMANENT_ENTRY_ERRORS.has(errorCode)) {
          result.failed.push({ event: item.event, reason });
        } else {
          item.lastError = reason;
          retry.push(item);
        }
      }
    }
    pending = [];
    for (const item of retry) {
      if (item.attempts >= maxAttempts) result.failed.push({ event: item.event, reason: `${item.lastError} (gave up after ${item.attempts} attempts)` });
      else pending.push(item);
    }
  }
  return result;
}

/** Validates an event before it leaves: catalog schema, no manifests, bounded size. */
function checkEvent(event: CatalogEvent): { detail: unknown } | { refusal: string } {
  const entry = Object.hasOwn(catalog, event.detailType) ? catalog[event.detailType] : undefined;
  if (!entry) return { refusal: `unknown detail-type ${JSON.stringify(event.detailType)}` };
  // Checked before the schema strips unknown keys, so a manifest smuggled in an extra field is caught too.
  const manifest = findManifestInDetail(event.detail);
  if (manifest) return { refusal: `${event.detailType}: ${manifest}` };
  const parsed = entry.schema.safeParse(event.detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { refusal: `${event.detailType}: invalid detail: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
  }
  const bytes = utf8Length(JSON.stringify(parsed.data));
  if (bytes > MAX_DETAIL_BYTES) return { refusal: `${event.detailType}: detail is ${bytes} bytes, over Tideline's ${MAX_DETAIL_BYTES}-byte event limit` };
  return { detail: parsed.data };
}
