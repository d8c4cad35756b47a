// Sample catalog events for tests: one valid GitPushReceived, varied by overrides, so a change to
// the schema is made in one place.
import { makeEvent, type CatalogEvent, type EventDetail } from '#shared/events/catalog.ts';

/** A full commit id used by the samples. */
export const SAMPLE_SHA = 'c441029cf673f84c8b7db52d0a5944ee5c52ff89';

/** The detail of a push of `refs/heads/main` from GitHub; `overrides` replace fields. */
export function gitPushDetail(overrides: Partial<EventDetail<'GitPushReceived'>> = {}): EventDetail<'GitPushReceived'> {
  return {
    version: 1,
    eventId: 'e1',
    correlationId: 'd1',
    occurredAt: '2026-03-01T12:00:00.000Z',
    provider: 'github',
    receiver: { name: 'r', namespace: 'flux-system' },
    resources: [{ kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' }],
    repository: { urls: ['https://github.com/acme/fleet.git'] },
    ref: 'refs/heads/main',
    revision: SAMPLE_SHA,
    commits: 1,
    deliveryId: 'd1',
    receivedAt: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A validated GitPushReceived event built from {@link gitPushDetail}. */
export function gitPushEvent(overrides: Partial<EventDetail<'GitPushReceived'>> = {}): CatalogEvent<'GitPushReceived'> {
  return makeEvent('GitPushReceived', gitPushDetail(overrides));
}
