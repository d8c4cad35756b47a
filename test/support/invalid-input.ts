// Assertions for inputs refused with InvalidInputError without echoing what they held.
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';

/** Asserts `attempt` throws an InvalidInputError whose message matches `message` and whose message and cause omit `secret`. */
export function assertRefusedWithout(attempt: () => unknown, message: RegExp, secret: string): void {
  assert.throws(
    attempt,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      message.test(error.message) &&
      !error.message.includes(secret) &&
      !String((error.cause as Error | undefined)?.message).includes(secret),
  );
}
