/**
 * {@link EventBus} that hands events to a running `tideline dev` over its control endpoint
 * (`POST <url>/control/events`, bearer token from `dev.json`), so the CLI in another terminal
 * publishes on the same in-process bus the local pipeline listens to.
 */
import { readFile } from 'node:fs/promises';
import { InvalidInputError, NotFoundError, TransientError, UnauthorizedError, errorMessage } from '#shared/errors/index.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { EventBus, PublishResult } from '#shared/ports/index.ts';
import { CONTROL_EVENTS_PATH } from './control-endpoint.ts';

/** What a running local mode writes to `<data dir>/dev.json`. */
export interface DevEndpoint {
  url: string;
  token: string;
  pid: number;
}

/**
 * Reads `dev.json`; undefined when there is none or its process is gone (a crashed run leaves
 * the file behind). InvalidInputError naming the file when it is not what local mode writes.
 */
export async function readDevEndpoint(file: string, isAlive: (pid: number) => boolean = processIsAlive): Promise<DevEndpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: Partial<DevEndpoint>;
  try {
    value = JSON.parse(text) as Partial<DevEndpoint>;
  } catch (cause) {
    throw new InvalidInputError('not JSON (expected {"url", "token", "pid"} written by tideline dev)', { source: { file }, cause });
  }
  if (typeof value.url !== 'string' || typeof value.token !== 'string' || typeof value.pid !== 'number') {
    throw new InvalidInputError('expected {"url", "token", "pid"} written by tideline dev', { source: { file } });
  }
  if (!isAlive(value.pid)) return undefined;
  return { url: value.url, token: value.token, pid: value.pid };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Publishes events through a local mode's control endpoint. */
export class HttpControlBus implements EventBus {
  readonly #url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(endpoint: { url: string; token: string }, options: { timeoutMs?: number } = {}) {
    this.#url = endpoint.url.replace(/\/+$/, '') + CONTROL_EVENTS_PATH;
    this.#token = endpoint.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POSTs the events; typed errors for a refused token (401), a refused body (400) or no answer. */
  async publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
    const body = JSON.stringify({ events: events.map((event) => ({ 'detail-type': event.detailType, source: event.source, detail: event.detail })) });
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new TransientError(`control endpoint ${this.#url}: no answer (is tideline dev still running?): ${errorMessage(error)}`, { cause: error });
    }
    const text = await response.text();
    const answer = parseAnswer(text);
    const reason = typeof answer['error'] === 'string' ? answer['error'] : text.slice(0, 200);
    if (response.status === 401) throw new UnauthorizedError(`control endpoint ${this.#url}: token refused (401): ${reason}`);
    if (response.status === 404) throw new NotFoundError(`control endpoint ${this.#url}: not found (404): ${reason}`);
    if (response.status >= 500 && response.status !== 502) throw new TransientError(`control endpoint ${this.#url}: ${response.status}: ${reason}`);
    if (response.status !== 200 && response.status !== 502)
      throw new InvalidInputError(`control endpoint ${this.#url}: refused (${response.status}): ${reason}`);
    const failedIds = new Map<string, string>();
    for (const entry of Array.isArray(answer['failed']) ? (answer['failed'] as { eventId?: string; reason?: string }[]) : []) {
      if (entry.eventId) failedIds.set(entry.eventId, entry.reason ?? 'refused');
    }
    const failed = events
      .filter((event) => failedIds.has(event.detail.eventId))
      .map((event) => ({ event, reason: failedIds.get(event.detail.eventId) as string }));
    return { published: typeof answer['published'] === 'number' ? answer['published'] : events.length - failed.length, failed };
  }
}

function parseAnswer(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
