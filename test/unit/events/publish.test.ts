import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { makeEvent } from '#shared/events/catalog.ts';
import type { PutEventsClient, PutEventsEntry, PutEventsOutput } from '#shared/events/publish.ts';
import { MAX_BYTES_PER_CALL, batchEntries, entrySize, findManifestInDetail, publishEvents } from '#shared/events/publish.ts';
import type { Clock } from '#shared/ports/index.ts';
import { SAMPLE_SHA as SHA, gitPushEvent } from '#test/support/events.ts';

function clock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), slept };
}

function pushEvent(index: number, extra: Partial<{ pusher: string }> = {}): CatalogEvent {
  return gitPushEvent({ eventId: `e-${index}`, correlationId: `d-${index}`, deliveryId: `d-${index}`, ...extra });
}

function renderedEvent(key: string): CatalogEvent {
  return makeEvent('ManifestsRendered', {
    version: 1,
    eventId: 'r-1',
    correlationId: 'd-1',
    occurredAt: '2026-03-01T12:00:00.000Z',
    cluster: 'prod',
    kustomization: { name: 'apps', namespace: 'flux-system' },
    revision: `main@sha1:${SHA}`,
    artifact: { key, digest: `sha256:${'a'.repeat(64)}`, size: 10 },
    objectCount: 1,
  });
}

/** A client that answers each call with the given script (or success), recording every call. */
function scriptedClient(script: ((entries: PutEventsEntry[]) => PutEventsOutput | Error)[] = []): PutEventsClient & { calls: PutEventsEntry[][] } {
  const calls: PutEventsEntry[][] = [];
  return {
    calls,
    async putEvents(entries) {
      calls.push(entries);
      const step = script[calls.length - 1];
      const outcome = step ? step(entries) : { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `id-${calls.length}-${i}` })) };
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

test('entry size counts Source, DetailType, Detail and Resources in UTF-8, plus 14 bytes for Time', () => {
  // Prepare
  const entry = { Source: 'abc', DetailType: 'de', Detail: '{"x":"é"}', EventBusName: 'ignored-bus-name', Resources: ['arn:1'] };
  // Act
  const size = entrySize(entry);
  const sizeWithTime = entrySize({ ...entry, Time: new Date() });
  // Assess
  assert.equal(size, 3 + 2 + 10 + 5);
  assert.equal(sizeWithTime, 3 + 2 + 10 + 5 + 14);
});

test('25 events are published in calls of at most 10 entries', async () => {
  // Prepare
  const client = scriptedClient();
  // Act
  const result = await publishEvents(
    client,
    'tideline',
    Array.from({ length: 25 }, (_, i) => pushEvent(i)),
  );
  // Assess
  assert.deepEqual(
    client.calls.map((call) => call.length),
    [10, 10, 5],
  );
  assert.equal(result.published, 25);
  assert.deepEqual(result.failed, []);
});

test('batches also stay under 256 KB of entry size', () => {
  // Prepare
  const items = Array.from({ length: 6 }, () => ({ size: 60 * 1024 }));
  // Act
  const batches = batchEntries(items);
  // Assess
  assert.deepEqual(
    batches.map((batch) => batch.length),
    [4, 2],
  );
  for (const batch of batches) assert.ok(batch.reduce((sum, item) => sum + item.size, 0) <= MAX_BYTES_PER_CALL);
});

test('only the entries a partial failure refused are sent again', async () => {
  // Prepare: the first call refuses entries 1 and 3 with throttling.
  const client = scriptedClient([
    (entries) => ({
      FailedEntryCount: 2,
      Entries: entries.map((_, i) => (i === 1 || i === 3 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `ok-${i}` })),
    }),
  ]);
  const time = clock();
  // Act
  const result = await publishEvents(
    client,
    'tideline',
    [0, 1, 2, 3, 4].map((i) => pushEvent(i)),
    { clock: time, random: () => 0.5 },
  );
  // Assess
  assert.equal(result.published, 5);
  assert.equal(client.calls.length, 2);
  assert.deepEqual(
    client.calls[1]?.map((entry) => JSON.parse(entry.Detail).eventId),
    ['e-1', 'e-3'],
  );
  assert.equal(time.slept.length, 1);
});

test('an entry refused with a permanent error code is reported, not retried', async () => {
  // Prepare
  const client = scriptedClient([(entries) => ({ FailedEntryCount: 1, Entries: entries.map(() => ({ ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' })) })]);
  // Act
  const result = await publishEvents(client, 'tideline', [pushEvent(0)], { clock: clock() });
  // Assess
  assert.equal(client.calls.length, 1);
  assert.equal(result.published, 0);
  assert.match(result.failed[0]?.reason ?? '', /MalformedDetail/);
});

test('retries stop after maxAttempts with exponentially growing, bounded delays', async () => {
  // Prepare
  const throttled = (entries: PutEventsEntry[]): PutEventsOutput => ({
    FailedEntryCount: entries.length,
    Entries: entries.map(() => ({ ErrorCode: 'ThrottlingException' })),
  });
  const client = scriptedClient(Array.from({ length: 10 }, () => throttled));
  const time = clock();
  // Act
  const result = await publishEvents(client, 'tideline', [pushEvent(0)], { clock: time, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, random: () => 1 });
  // Assess
  assert.equal(client.calls.length, 4);
  assert.deepEqual(time.slept, [100, 200, 300]);
  assert.match(result.failed[0]?.reason ?? '', /gave up after 4 attempts/);
});

test('a throttled call as a whole is retried', async () => {
  // Prepare
  const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
  const client = scriptedClient([() => throttle]);
  // Act
  const result = await publishEvents(client, 'tideline', [pushEvent(0), pushEvent(1)], { clock: clock() });
  // Assess
  assert.equal(client.calls.length, 2);
  assert.equal(result.published, 2);
});

test('a call failing for good (access denied) reports every event of the batch without retrying', async () => {
  // Prepare
  const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  const client = scriptedClient([() => denied]);
  // Act
  const result = await publishEvents(client, 'tideline', [pushEvent(0), pushEvent(1)], { clock: clock() });
  // Assess
  assert.equal(client.calls.length, 1);
  assert.equal(result.failed.length, 2);
  assert.match(result.failed[0]?.reason ?? '', /not authorized/);
});

test('entries name the bus and carry the detail as JSON', async () => {
  // Prepare
  const client = scriptedClient();
  // Act
  await publishEvents(client, 'custom-bus', [pushEvent(7)]);
  // Assess
  const entry = client.calls[0]?.[0];
  assert.equal(entry?.EventBusName, 'custom-bus');
  assert.equal(entry?.Source, 'tideline.intake');
  assert.equal(entry?.DetailType, 'GitPushReceived');
  assert.equal(JSON.parse(entry?.Detail ?? '{}').eventId, 'e-7');
});

test('an event carrying a manifest in an extra field is refused and never sent', async () => {
  // Prepare
  const client = scriptedClient();
  const event = renderedEvent('bundles/abc.tar');
  (event.detail as Record<string, unknown>).manifests = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';
  // Act
  const result = await publishEvents(client, 'tideline', [event]);
  // Assess
  assert.equal(client.calls.length, 0);
  assert.match(result.failed[0]?.reason ?? '', /manifest/);
});

test('a YAML manifest pasted into a string field is detected', () => {
  // Prepare
  const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n';
  // Act
  const found = findManifestInDetail({ message: text });
  // Assess
  assert.match(found ?? '', /detail\.message/);
});

test('a JSON manifest in a string field is detected', () => {
  // Prepare
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'b' } });
  // Act
  const found = findManifestInDetail({ errors: [{ message: text }] });
  // Assess
  assert.equal(found, 'detail.errors[0].message holds a Kubernetes manifest; events carry artifact keys and digests, never manifests');
});

test('an ordinary error message that mentions a kind is not taken for a manifest', () => {
  // Act
  const found = findManifestInDetail({ message: 'Deployment apps/web in ns shop: spec.selector: field is immutable' });
  // Assess
  assert.equal(found, undefined);
});

test('an event that fails its catalog schema is refused with the field named', async () => {
  // Prepare
  const client = scriptedClient();
  const event = pushEvent(0);
  (event.detail as Record<string, unknown>).revision = 'main';
  // Act
  const result = await publishEvents(client, 'tideline', [event]);
  // Assess
  assert.equal(client.calls.length, 0);
  assert.match(result.failed[0]?.reason ?? '', /revision/);
});

test('an event whose detail exceeds the per-event ceiling is refused', async () => {
  // Prepare
  const client = scriptedClient();
  // Act
  const result = await publishEvents(client, 'tideline', [pushEvent(0, { pusher: 'x'.repeat(70 * 1024) })]);
  // Assess
  assert.equal(client.calls.length, 0);
  assert.match(result.failed[0]?.reason ?? '', /bytes/);
});
