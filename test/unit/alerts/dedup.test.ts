import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { claimDelivery, dedupKey, DEDUP_WINDOW_MS } from '#shared/alerts/dedup.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { makeEvent } from '#shared/events/catalog.ts';
import { ManualClock, sampleEvents } from './fixtures.ts';

const alert = { name: 'on-call', namespace: 'flux-system' };
const events = sampleEvents();
const failed = toNotification(events.ReconcileFailed);

describe('MemoryTtlStore', () => {
  it('records a key once until it expires by the injected clock', async () => {
    // Prepare
    const clock = new ManualClock();
    const store = new MemoryTtlStore(clock);

    // Act and assess
    assert.equal(await store.putIfAbsent('k', 1000), true);
    assert.equal(await store.putIfAbsent('k', 1000), false);
    clock.advance(999);
    assert.equal(await store.putIfAbsent('k', 1000), false);
    clock.advance(1);
    assert.equal(await store.putIfAbsent('k', 1000), true);
  });

  it('forgets a deleted key', async () => {
    // Prepare
    const store = new MemoryTtlStore(new ManualClock());
    await store.putIfAbsent('k', 1000);

    // Act
    await store.delete('k');

    // Assess
    assert.equal(await store.putIfAbsent('k', 1000), true);
  });

  it('drops expired keys from memory', async () => {
    // Prepare
    const clock = new ManualClock();
    const store = new MemoryTtlStore(clock);
    for (let i = 0; i < 10; i++) await store.putIfAbsent(`k${i}`, 1000);

    // Act
    clock.advance(1000);

    // Assess
    assert.equal(store.size(), 0);
  });
});

describe('alert dedup', () => {
  it('the same notification within five minutes is claimed once', async () => {
    // Prepare
    const clock = new ManualClock();
    const store = new MemoryTtlStore(clock);
    const key = dedupKey(alert, failed);

    // Act
    const first = await claimDelivery(store, key);
    clock.advance(DEDUP_WINDOW_MS - 1);
    const second = await claimDelivery(store, key);
    clock.advance(1);
    const third = await claimDelivery(store, key);

    // Assess
    assert.deepEqual([first, second, third], [true, false, true]);
  });

  it('the key is stable for a redelivered event (new event id, same facts)', () => {
    // Prepare
    const again = makeEvent('ReconcileFailed', { ...events.ReconcileFailed.detail, eventId: 'evt-other', occurredAt: '2026-03-14T09:30:00Z' });

    // Act and assess
    assert.equal(dedupKey(alert, toNotification(again)), dedupKey(alert, failed));
  });

  for (const [what, change] of [
    ['cluster', { cluster: 'prod-us' }],
    ['Kustomization', { kustomization: { name: 'infra', namespace: 'flux-system' } }],
    ['reason', { reason: 'PruneFailed' }],
    ['revision', { revision: `main@sha1:${'b'.repeat(40)}` }],
    ['message', { message: 'another failure' }],
  ] as const) {
    it(`a different ${what} is a different notification`, () => {
      // Prepare
      const other = makeEvent('ReconcileFailed', { ...events.ReconcileFailed.detail, ...change });

      // Act and assess
      assert.notEqual(dedupKey(alert, toNotification(other)), dedupKey(alert, failed));
    });
  }

  it('each Alert dedups on its own', () => {
    // Act and assess
    assert.notEqual(dedupKey({ name: 'other', namespace: 'flux-system' }, failed), dedupKey(alert, failed));
  });

  it('the key holds no message text', () => {
    // Act and assess
    assert.equal(dedupKey(alert, failed).includes('immutable'), false);
  });
});
