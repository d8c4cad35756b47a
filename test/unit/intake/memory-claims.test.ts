// The claim state machine of the in-memory TtlStore (in-progress, done, lapse), stepped with an
// injected clock so no test sleeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { manualClock } from './helpers.ts';

const KEY = 'webhook/flux-system/github/d-1';

/** A store on a manual clock in which KEY has just been claimed for `ttlMs`. */
async function storeHoldingClaim(ttlMs: number): Promise<{ clock: ReturnType<typeof manualClock>; store: MemoryTtlStore }> {
  const clock = manualClock();
  const store = new MemoryTtlStore(clock);
  await store.claim(KEY, ttlMs);
  return { clock, store };
}

test('the first claim of a key is claimed and a second one sees it in progress', async () => {
  // Prepare
  const store = new MemoryTtlStore(manualClock());
  // Act
  const first = await store.claim(KEY, 120_000);
  const second = await store.claim(KEY, 120_000);
  // Assess
  assert.deepEqual([first, second], ['claimed', 'in-progress']);
});

test('an in-progress claim that was never completed lapses after its expiry and the key can be claimed again', async () => {
  // Prepare
  const { clock, store } = await storeHoldingClaim(120_000);
  // Act
  clock.advance(119_999);
  const justBefore = await store.claim(KEY, 120_000);
  clock.advance(1);
  const atExpiry = await store.claim(KEY, 120_000);
  // Assess
  assert.deepEqual([justBefore, atExpiry], ['in-progress', 'claimed']);
});

test('a completed claim answers done for the full done window, well past the in-progress expiry', async () => {
  // Prepare
  const { clock, store } = await storeHoldingClaim(120_000);
  // Act
  const completed = await store.complete(KEY, 86_400_000);
  clock.advance(86_399_999);
  const lastMoment = await store.claim(KEY, 120_000);
  clock.advance(1);
  const afterWindow = await store.claim(KEY, 120_000);
  // Assess
  assert.deepEqual([completed, lastMoment, afterWindow], [true, 'done', 'claimed']);
});

test('completing a claim that already lapsed changes nothing and answers false', async () => {
  // Prepare
  const { clock, store } = await storeHoldingClaim(1_000);
  clock.advance(1_000);
  // Act
  const completed = await store.complete(KEY, 86_400_000);
  // Assess
  assert.equal(completed, false);
  assert.equal(await store.claim(KEY, 1_000), 'claimed');
});

test('completing a key that was never claimed answers false and records nothing', async () => {
  // Prepare
  const store = new MemoryTtlStore(manualClock());
  // Act
  const completed = await store.complete(KEY, 86_400_000);
  // Assess
  assert.equal(completed, false);
  assert.equal(store.size(), 0);
});

test('completing a done key again answers false and keeps the first done expiry', async () => {
  // Prepare
  const { clock, store } = await storeHoldingClaim(1_000);
  await store.complete(KEY, 10_000);
  // Act
  const again = await store.complete(KEY, 1_000_000);
  clock.advance(10_000);
  // Assess
  assert.equal(again, false);
  assert.equal(await store.claim(KEY, 1_000), 'claimed');
});

test('a released claim can be claimed again at once', async () => {
  // Prepare
  const { store } = await storeHoldingClaim(120_000);
  await store.delete(KEY);
  // Act
  const answer = await store.claim(KEY, 120_000);
  // Assess
  assert.equal(answer, 'claimed');
});

test('a key recorded with putIfAbsent counts as done for a claim', async () => {
  // Prepare
  const store = new MemoryTtlStore(manualClock());
  await store.putIfAbsent(KEY, 60_000);
  // Act
  const answer = await store.claim(KEY, 120_000);
  // Assess
  assert.equal(answer, 'done');
});

test('a live claim keeps putIfAbsent from recording the key', async () => {
  // Prepare
  const { store } = await storeHoldingClaim(120_000);
  // Act
  const recorded = await store.putIfAbsent(KEY, 60_000);
  // Assess
  assert.equal(recorded, false);
});

test('of many concurrent claims of one key exactly one is claimed', async () => {
  // Prepare
  const store = new MemoryTtlStore(manualClock());
  // Act
  const answers = await Promise.all(Array.from({ length: 16 }, () => store.claim(KEY, 120_000)));
  // Assess
  assert.equal(answers.filter((answer) => answer === 'claimed').length, 1);
  assert.equal(answers.filter((answer) => answer === 'in-progress').length, 15);
});
