/**
 * The control endpoint of local mode: `POST /control/events` takes `ReconcileRequested` events
 * from `tideline reconcile` / `resume` in another terminal and publishes them on the local bus.
 *
 * It is transport-free (the local HTTP server calls it with the parsed request), so it is tested
 * without a socket. The caller proves it may control the running process with the bearer token
 * `tideline dev` wrote to `dev.json` (mode 0600): even on loopback, another local user or a web
 * page must not be able to trigger reconciles. Only catalog events of type ReconcileRequested are
 * accepted; anything else on the bus is the pipeline's own business.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorMessage } from '#shared/errors/index.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import type { EventBus } from '#shared/ports/index.ts';

/** The path events are posted to. */
export const CONTROL_EVENTS_PATH = '/control/events';

/** Largest accepted body: a handful of small events, far below this. */
const MAX_BODY_BYTES = 64 * 1024;
/** Most events per request (EventBridge's PutEvents batch size, for symmetry). */
const MAX_EVENTS = 10;

/** A request as the local HTTP server hands it over. */
export interface ControlRequest {
  method: string;
  path: string;
  /** Header names in any case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string | Uint8Array;
}

/** The answer: an HTTP status and a JSON body (as text). */
export interface ControlResponse {
  status: number;
  body: string;
}

export interface ControlDeps {
  bus: EventBus;
  /** The bearer token of this run of local mode. */
  token: string;
}

/**
 * Answers a control request: 404 for an unknown path, 405 for a method other than POST, 401
 * without the right bearer token, 413 for a large body, 400 for a body that is not
 * `{ "events": [<ReconcileRequested envelope>, …] }`, else publishes and answers 200 with the
 * publish result (502 when the bus refused some of them).
 */
export async function handleControlRequest(request: ControlRequest, deps: ControlDeps): Promise<ControlResponse> {
  if (request.path !== CONTROL_EVENTS_PATH) return answer(404, { error: `no control endpoint at ${request.path}` });
  if (request.method.toUpperCase() !== 'POST') return answer(405, { error: `${request.method} not allowed on ${CONTROL_EVENTS_PATH}; use POST` });
  if (!authorized(header(request.headers, 'authorization'), deps.token))
    return answer(401, { error: 'missing or wrong bearer token (see dev.json of the running tideline dev)' });
  const bytes = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : Buffer.from(request.body);
  if (bytes.length > MAX_BODY_BYTES) return answer(413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });

  let events: CatalogEvent[];
  try {
    events = parseControlBody(bytes.toString('utf8'));
  } catch (error) {
    return answer(400, { error: errorMessage(error) });
  }
  const result = await deps.bus.publish(events);
  const failed = result.failed.map((entry) => ({ eventId: entry.event.detail.eventId, reason: entry.reason }));
  return answer(failed.length > 0 ? 502 : 200, { published: result.published, failed });
}

function parseControlBody(text: string): CatalogEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('body is not JSON');
  }
  const list = (value as { events?: unknown } | null)?.events;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EVENTS) {
    throw new Error(`body must be {"events": [...]} with 1 to ${MAX_EVENTS} events`);
  }
  return list.map((entry, index) => {
    let event: CatalogEvent;
    try {
      event = parseAnyEvent(entry);
    } catch (error) {
      throw new Error(`events[${index}]: ${errorMessage(error)}`, { cause: error });
    }
    if (event.detailType !== 'ReconcileRequested') throw new Error(`events[${index}]: only ReconcileRequested events are accepted, got ${event.detailType}`);
    return event;
  });
}

function header(headers: ControlRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Compares in constant time: both sides are hashed first, so even the lengths do not leak. */
function authorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match || token === '') return false;
  const given = createHash('sha256')
    .update(match[1] as string)
    .digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected);
}

function answer(status: number, body: unknown): ControlResponse {
  return { status, body: JSON.stringify(body) };
}
