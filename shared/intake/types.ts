/**
 * Types of the webhook intake: the HTTP-agnostic request and response, and the contract every
 * provider (GitHub, GitLab, Bitbucket, Gitea, generic HMAC) implements.
 */
import type { FluxReceiver } from '#shared/config/receiver.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';

/** An HTTP request as the intake sees it, whatever server or Lambda integration received it. */
export interface WebhookRequest {
  method: string;
  /** Request path, e.g. `/hook/<digest>`; a query string or one trailing slash is ignored. */
  path: string;
  /** Header names in any case; the intake lower-cases them. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body bytes: signatures are computed over exactly these. */
  body: Buffer;
}

/** What the intake answers, and the events it published. */
export interface WebhookResponse {
  status: number;
  /** JSON text: `{ "status": …, "reason"?: …, "deliveryId"?: …, "events"?: [ids] }`. */
  body: string;
  /** Events published for this request (empty unless the push was accepted now). */
  events: CatalogEvent[];
  /** Extra response headers (lower-case names), e.g. `allow` on a 405. */
  headers?: Record<string, string>;
}

/** Lower-cased header lookup. */
export type Headers = ReadonlyMap<string, string>;

/** Outcome of checking a request's signature or token. */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** One pushed ref, as every provider reports it once normalized. */
export interface PushFacts {
  ref: string;
  revision: string;
  before?: string;
  commits: number;
  pusher?: string;
  repository: { urls: string[]; fullName?: string; webUrl?: string };
}

/** How a provider classifies a verified request. */
export type EventKind = 'push' | 'ping' | 'unsupported';

/** Verification and normalization for one receiver type. */
export interface WebhookProvider {
  /** Checks the request's signature (or token) against the receiver's token. */
  verify(headers: Headers, body: Buffer, token: string, nowMs: number): VerifyResult;
  /**
   * Whether `spec.events` narrows what this provider's receivers accept. Flux ignores the field
   * for generic-hmac receivers (their requests name no event), and so does Tideline.
   */
  filtersEvents: boolean;
  /** The provider's event name from the headers (e.g. `push`, `Push Hook`), for `spec.events`. */
  eventName(headers: Headers): string | undefined;
  /** Whether the event carries a push, is a ping, or is something Tideline ignores. */
  classify(eventName: string | undefined): EventKind;
  /** The provider's delivery id from the headers, when it sends one. */
  deliveryId(headers: Headers): string | undefined;
  /** Content types the provider may send (lower-case, without parameters). */
  contentTypes: readonly string[];
  /**
   * True when the body is opaque to the receiver type, as for Flux's generic-hmac: any content
   * type is accepted, and a body that is not JSON reaches {@link normalize} as `undefined`.
   */
  opaqueBody?: boolean;
  /**
   * True when a body without a Content-Type header is read as JSON: the provider only ever sends
   * JSON, and (as in Flux, which does not look at the header for it) scripts often omit it.
   */
  jsonWithoutContentType: boolean;
  /**
   * Turns a verified, parsed push payload into one entry per updated ref; deletions are left out.
   * A payload that is authentic but carries no push (e.g. a GitLab system hook for another event)
   * gives `{ ignored: reason }`. A request that is a bare "reconcile now" (a generic-hmac body
   * naming no push) gives `{ unnamed: note }`: one event carrying only the Receiver's resources.
   * Throws InvalidInputError naming the payload field when the payload is not what it should be.
   */
  normalize(payload: unknown): PushFacts[] | { ignored: string } | { unnamed: string };
}

/** A receiver reachable at `path`, with the token that verifies its requests. */
export interface ReceiverRoute {
  receiver: FluxReceiver;
  token: string;
  path: string;
}

/**
 * Where the intake finds the receiver of a webhook path and its token. {@link ReceiverDirectory}
 * implements it over a secret store; the intake needs only these two questions answered.
 */
export interface ReceiverLookup {
  /** The route of `path`, or undefined when no receiver answers there. */
  resolve(path: string): Promise<ReceiverRoute | undefined>;
  /** The route with a token read again past every cache, when it changed since `route` was built; else undefined. */
  refreshToken(route: ReceiverRoute): Promise<ReceiverRoute | undefined>;
}
