import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleControlRequest } from '#shared/adapters/local/control-endpoint.ts';
import { CATALOG_VERSION, makeEvent } from '#shared/events/catalog.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { EventBus } from '#shared/ports/index.ts';
import { gitPushEvent } from '#test/support/events.ts';

function recordingBus(): EventBus & { published: CatalogEvent[] } {
  const published: CatalogEvent[] = [];
  return { published, publish: async (events) => (published.push(...events), { published: events.length, failed: [] }) };
}

const at = '2026-01-02T03:04:05.000Z';
const envelope = (event: CatalogEvent): unknown => ({ 'detail-type': event.detailType, source: event.source, detail: event.detail });
const reconcile = makeEvent('ReconcileRequested', {
  version: CATALOG_VERSION,
  eventId: 'e1',
  correlationId: 'c1',
  occurredAt: at,
  object: { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
  withSource: false,
  requestedAt: at,
});
const auth = { authorization: 'Bearer s3cret' };

const body = JSON.stringify({ events: [envelope(reconcile)] });

test('a POST of ReconcileRequested events with the bearer token is published and answered 200', async () => {
  // Prepare
  const bus = recordingBus();
  // Act
  const answer = await handleControlRequest(
    { method: 'POST', path: '/control/events', headers: { Authorization: 'Bearer s3cret' }, body },
    { bus, token: 's3cret' },
  );
  // Assess
  assert.deepEqual([answer.status, JSON.parse(answer.body)], [200, { published: 1, failed: [] }]);
  assert.deepEqual(bus.published, [reconcile]);
});

test('a request without a token, or with a wrong one, is 401, publishes nothing and does not echo the token', async () => {
  for (const headers of [{}, { authorization: 'Bearer s3cre' }]) {
    // Prepare
    const bus = recordingBus();
    // Act
    const answer = await handleControlRequest({ method: 'POST', path: '/control/events', headers, body }, { bus, token: 's3cret' });
    // Assess
    assert.equal(answer.status, 401, JSON.stringify(headers));
    assert.equal(bus.published.length, 0);
    assert.doesNotMatch(answer.body, /s3cret/);
  }
});

test('a body that is not ReconcileRequested catalog events is 400 naming the problem, and nothing is published', async () => {
  const cases: [string, RegExp][] = [
    ['not json', /not JSON/],
    [JSON.stringify({ events: [] }), /1 to 10 events/],
    [
      JSON.stringify({ events: [{ 'detail-type': 'ReconcileRequested', source: 'tideline.control', detail: { version: 1 } }] }),
      /events\[0\]: ReconcileRequested: invalid detail/,
    ],
    [JSON.stringify({ events: [envelope(gitPushEvent())] }), /events\[0\]: only ReconcileRequested events are accepted, got GitPushReceived/],
  ];
  for (const [invalid, reason] of cases) {
    // Prepare
    const bus = recordingBus();
    // Act
    const answer = await handleControlRequest({ method: 'POST', path: '/control/events', headers: auth, body: invalid }, { bus, token: 's3cret' });
    // Assess
    assert.equal(answer.status, 400, invalid);
    assert.match((JSON.parse(answer.body) as { error: string }).error, reason);
    assert.equal(bus.published.length, 0, invalid);
  }
});

test('a method other than POST is 405', async () => {
  // Act
  const answer = await handleControlRequest({ method: 'GET', path: '/control/events', headers: auth, body: '' }, { bus: recordingBus(), token: 's3cret' });
  // Assess
  assert.equal(answer.status, 405);
});

test('a path other than /control/events is 404', async () => {
  // Act
  const answer = await handleControlRequest({ method: 'POST', path: '/control/other', headers: auth, body: '' }, { bus: recordingBus(), token: 's3cret' });
  // Assess
  assert.equal(answer.status, 404);
});
