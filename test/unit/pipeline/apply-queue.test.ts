import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedApplyQueue, type RunResult } from '#shared/local/apply-queue.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A queue recording each value it runs in `ran`, holding the run of `held` until `gate` resolves; every run returns `result`. */
function gatedQueue(held: string, result: RunResult = {}): { queue: KeyedApplyQueue<string>; ran: string[]; gate: ReturnType<typeof deferred> } {
  const gate = deferred();
  const ran: string[] = [];
  const queue = new KeyedApplyQueue<string>(
    async (value) => {
      ran.push(value);
      if (value === held) await gate.promise;
      return result;
    },
    { onError: () => {} },
  );
  return { queue, ran, gate };
}

test('items of one key run one at a time; other keys run beside them', async () => {
  // Prepare
  const gate = deferred();
  const log: string[] = [];
  const queue = new KeyedApplyQueue<string>(
    async (value) => {
      log.push(`start ${value}`);
      if (value === 'a1') await gate.promise;
      log.push(`end ${value}`);
      return {};
    },
    { onError: () => {} },
  );

  // Act
  queue.enqueue('a', { value: 'a1', order: 1 });
  queue.enqueue('a', { value: 'a2', order: 2 });
  queue.enqueue('b', { value: 'b1', order: 1 });
  await new Promise((resolve) => setImmediate(resolve));

  // Assess
  assert.deepEqual(log, ['start a1', 'start b1', 'end b1']);

  // Act
  gate.resolve();
  await queue.idle();

  // Assess
  assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
});

test('while a key runs only its newest waiting item is kept, and an older order never replaces a newer one', async () => {
  // Prepare
  const { queue, ran, gate } = gatedQueue('first');

  // Act
  queue.enqueue('k', { value: 'first', order: 1 });
  queue.enqueue('k', { value: 'second', order: 2 });
  queue.enqueue('k', { value: 'third', order: 3 });
  queue.enqueue('k', { value: 'stale', order: 2 });
  gate.resolve();
  await queue.idle();

  // Assess
  assert.deepEqual(ran, ['first', 'third']);
});

test('a run that asks for a retry comes back after the delay, unless newer work arrived', async () => {
  // Prepare
  const ran: string[] = [];
  const queue = new KeyedApplyQueue<string>(
    async (value) => {
      ran.push(value);
      return value === 'waits' && ran.length === 1 ? { retryAfterMs: 20 } : {};
    },
    { onError: () => {} },
  );
  const superseded: string[] = [];
  const second = new KeyedApplyQueue<string>(
    async (value) => {
      superseded.push(value);
      return value === 'old' ? { retryAfterMs: 30 } : {};
    },
    { onError: () => {} },
  );

  // Act
  queue.enqueue('k', { value: 'waits', order: 1 });
  await queue.idle();
  await new Promise((resolve) => setTimeout(resolve, 60));
  await queue.idle();
  second.enqueue('k', { value: 'old', order: 1 });
  await second.idle();
  second.enqueue('k', { value: 'new', order: 2 });
  await second.idle();
  await new Promise((resolve) => setTimeout(resolve, 60));

  // Assess
  assert.deepEqual(ran, ['waits', 'waits']);
  assert.deepEqual(superseded, ['old', 'new']);
});

test('a run that throws is reported with its key and does not stall the key', async () => {
  // Prepare
  const errors: string[] = [];
  let calls = 0;
  const queue = new KeyedApplyQueue<string>(
    async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return {};
    },
    { onError: (error, key) => errors.push(`${key}: ${(error as Error).message}`) },
  );

  // Act
  queue.enqueue('k', { value: 'x', order: 1 });
  await queue.idle();
  queue.enqueue('k', { value: 'y', order: 2 });
  await queue.idle();

  // Assess
  assert.deepEqual(errors, ['k: boom']);
  assert.equal(calls, 2);
});

test('stop drops waiting work and pending retries; nothing is queued after it', async () => {
  // Prepare
  const { queue, ran, gate } = gatedQueue('running', { retryAfterMs: 10 });
  queue.enqueue('k', { value: 'running', order: 1 });
  queue.enqueue('k', { value: 'waiting', order: 2 });

  // Act
  const stopped = queue.stop();
  gate.resolve();
  await stopped;
  queue.enqueue('k', { value: 'late', order: 3 });
  await new Promise((resolve) => setTimeout(resolve, 40));

  // Assess
  assert.deepEqual(ran, ['running']);
  assert.equal(queue.busy, false);
});
