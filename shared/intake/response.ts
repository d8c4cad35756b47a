/** How the intake's steps answer: a status, a JSON body and the events published with it. */
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { WebhookResponse } from './types.ts';

/** A response with a JSON body. */
export function respond(status: number, body: Record<string, unknown>, events: CatalogEvent[] = [], headers?: Record<string, string>): WebhookResponse {
  return { status, body: JSON.stringify(body), events, ...(headers ? { headers } : {}) };
}

/** Text from a request that may be echoed back: printable, short. */
export function quote(text: string | undefined): string {
  if (text === undefined) return '(none)';
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, '?').slice(0, 80));
}

/** What a step of the intake hands on: the next step's input, or the answer that ends the request. */
export type Step<T> = { ok: true; value: T } | { ok: false; response: WebhookResponse };

/** Ends the request with `response`. */
export const answer = (response: WebhookResponse): { ok: false; response: WebhookResponse } => ({ ok: false, response });
