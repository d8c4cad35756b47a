/**
 * {@link EventBus} over Amazon EventBridge: catalog events go out through `publishEvents`, which
 * batches PutEvents within its limits and retries only the entries EventBridge refused.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { PublishOptions, PutEventsClient } from '#shared/events/publish.ts';
import { publishEvents } from '#shared/events/publish.ts';
import type { EventBus, PublishResult } from '#shared/ports/index.ts';

/** Adapts an SDK EventBridge client to the publisher's one-call interface. */
export function putEventsClientFor(client: Pick<EventBridgeClient, 'send'>): PutEventsClient {
  return { putEvents: (entries) => client.send(new PutEventsCommand({ Entries: entries })) };
}

/** Publishes catalog events to one EventBridge bus. */
export class EventBridgeBus implements EventBus {
  readonly #client: PutEventsClient;
  readonly #busName: string;
  readonly #options: PublishOptions;

  /** `client` is an SDK EventBridgeClient or any {@link PutEventsClient} (e.g. a wrapper for tests). */
  constructor(client: Pick<EventBridgeClient, 'send'> | PutEventsClient, busName: string, options: PublishOptions = {}) {
    this.#client = 'putEvents' in client ? client : putEventsClientFor(client);
    this.#busName = busName;
    this.#options = options;
  }

  /** Publishes the events; see {@link publishEvents} for batching and retries. */
  publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
    return publishEvents(this.#client, this.#busName, events, this.#options);
  }
}
