/**
 * {@link EventBus} for local mode: events are routed in-process to subscribers whose EventBridge
 * pattern matches, the same patterns infra turns into rules.
 *
 * Publishing goes through the same `publishEvents` as in AWS (catalog validation, the manifest
 * guard, size limits), with a PutEvents stand-in that delivers locally. Delivery is asynchronous,
 * as with EventBridge: a subscriber's failure never fails the publisher; it goes to `onError`.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_BUS_NAME } from '#shared/events/catalog.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { EventMatcher } from '#shared/events/pattern.ts';
import { compilePattern } from '#shared/events/pattern.ts';
import type { PutEventsClient, PutEventsEntry, PutEventsOutput } from '#shared/events/publish.ts';
import { publishEvents } from '#shared/events/publish.ts';
import type { Clock, EventBus, PublishResult } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';

/** An event as EventBridge delivers it to a target. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** Receives matching envelopes. */
export type Subscriber = (envelope: EventBridgeEnvelope) => Promise<void> | void;

export interface InProcessBusOptions {
  busName?: string;
  clock?: Clock;
  /** Called when a subscriber throws (default: a line on stderr naming the event id). */
  onError?: (error: unknown, envelope: EventBridgeEnvelope) => void;
}

interface Subscription {
  matcher: EventMatcher;
  subscriber: Subscriber;
}

/** Routes catalog events to in-process subscribers by EventBridge pattern. */
export class InProcessBus implements EventBus {
  readonly #busName: string;
  readonly #clock: Clock;
  readonly #onError: (error: unknown, envelope: EventBridgeEnvelope) => void;
  readonly #subscriptions = new Set<Subscription>();
  readonly #pending = new Set<Promise<void>>();
  readonly #client: PutEventsClient;

  constructor(options: InProcessBusOptions = {}) {
    this.#busName = options.busName ?? DEFAULT_BUS_NAME;
    this.#clock = options.clock ?? systemClock;
    this.#onError =
      options.onError ??
      ((error, envelope) => process.stderr.write(`tideline: subscriber failed on ${envelope['detail-type']} ${envelope.id}: ${String(error)}\n`));
    this.#client = { putEvents: async (entries) => this.#deliver(entries) };
  }

  /**
   * Subscribes to events matching an EventBridge pattern (e.g. from `patternFor`). Throws
   * InvalidInputError for a pattern the matcher does not implement. Returns the unsubscribe function.
   */
  subscribe(pattern: unknown, subscriber: Subscriber): () => void {
    const subscription = { matcher: compilePattern(pattern), subscriber };
    this.#subscriptions.add(subscription);
    return () => this.#subscriptions.delete(subscription);
  }

  /** Publishes events; deliveries to subscribers run in the background (see {@link drain}). */
  publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
    return publishEvents(this.#client, this.#busName, events, { clock: this.#clock });
  }

  /** True while a delivery is in flight. */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /** Resolves once every delivery started so far (and those they started) has finished. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #deliver(entries: PutEventsEntry[]): PutEventsOutput {
    const results = entries.map((entry) => {
      const envelope: EventBridgeEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: new Date(this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: 'local',
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail) as unknown,
      };
      for (const { matcher, subscriber } of this.#subscriptions) {
        if (!matcher(envelope)) continue;
        // Each subscriber gets its own copy, as each EventBridge target gets its own delivery.
        const copy = structuredClone(envelope);
        const delivery = Promise.resolve()
          .then(() => subscriber(copy))
          .catch((error: unknown) => this.#onError(error, copy))
          .finally(() => this.#pending.delete(delivery));
        this.#pending.add(delivery);
      }
      return { EventId: envelope.id };
    });
    return { FailedEntryCount: 0, Entries: results };
  }
}
