import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleLogger } from '#shared/adapters/local/console-logger.ts';
import type { Clock } from '#shared/ports/index.ts';

const clock: Clock = { now: () => Date.parse('2026-01-02T12:00:01.234Z'), sleep: async () => {} };

function capture(isTTY = false): { lines: string[]; stream: { write(text: string): boolean; isTTY: boolean } } {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (text: string) => lines.push(text) > 0 } };
}

test('a line is the time, the padded level, the message and compact key=value attributes', () => {
  // Prepare
  const { lines, stream } = capture();
  const logger = new ConsoleLogger({ stream, clock, utc: true });
  // Act
  logger.info('rendered dev/apps main@sha1:abc1234 12 objects 35 ms', { cluster: 'dev', objects: 12, message: 'two words', counts: { Created: 1 } });
  // Assess
  assert.deepEqual(lines, [
    '12:00:01.234 info  rendered dev/apps main@sha1:abc1234 12 objects 35 ms cluster=dev objects=12 message="two words" counts={"Created":1}\n',
  ]);
});

test('debug lines are dropped at the default level and kept at level debug', () => {
  // Prepare
  const quiet = capture();
  const verbose = capture();
  // Act
  new ConsoleLogger({ stream: quiet.stream, clock, utc: true }).debug('fetched');
  new ConsoleLogger({ stream: verbose.stream, clock, utc: true, level: 'debug' }).debug('fetched');
  // Assess
  assert.deepEqual([quiet.lines.length, verbose.lines.length], [0, 1]);
});

test('errors are red on a TTY and plain into a pipe, with an Error attribute shown by its message', () => {
  // Prepare
  const tty = capture(true);
  const pipe = capture(false);
  // Act
  new ConsoleLogger({ stream: tty.stream, clock, utc: true }).error('apply failed', { error: new Error('boom') });
  new ConsoleLogger({ stream: pipe.stream, clock, utc: true }).error('apply failed', { error: new Error('boom') });
  // Assess
  assert.ok((tty.lines[0] ?? '').endsWith('\u001b[31merror apply failed error="boom"\u001b[0m\n'), JSON.stringify(tty.lines[0]));
  assert.equal(pipe.lines[0], '12:00:01.234 error apply failed error="boom"\n');
});

test("a child logger prints its attributes before the entry's own", () => {
  // Prepare
  const { lines, stream } = capture();
  const logger = new ConsoleLogger({ stream, clock, utc: true }).child({ cluster: 'dev' }).child({ kustomization: 'flux-system/apps' });
  // Act
  logger.warn('health check pending', { durationMs: 1200 });
  // Assess
  assert.deepEqual(lines, ['12:00:01.234 warn  health check pending cluster=dev kustomization=flux-system/apps durationMs=1200\n']);
});
