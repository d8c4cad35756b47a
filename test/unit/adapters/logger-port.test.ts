// The single Logger port is what every engine logs through: Powertools' Logger (the functions)
// and the console logger (local mode) both satisfy it, and the intake and the alerts engine both
// take it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { ConsoleLogger } from '#shared/adapters/local/console-logger.ts';
import type { SQSRecord } from 'aws-lambda';
import { handleAlertQueue } from '#functions/alerts/queue.ts';
import { MemoryThreadStore } from '#shared/adapters/local/memory-thread-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { buildAlertingConfig } from '#shared/alerts/config.ts';
import type { AlertDeps } from '#shared/alerts/dispatch.ts';
import { handleWebhook } from '#shared/intake/index.ts';
import { makeIntake, pathOf, receiver } from '#test/unit/intake/helpers.ts';
import type { Logger } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';

test('a Powertools Logger is a Logger port and logs structured attributes through it', () => {
  // Prepare
  const lines: string[] = [];
  const powertools = new PowertoolsLogger({ serviceName: 'tideline-test', logLevel: 'DEBUG' });
  const port: Logger = powertools;
  const original = process.stdout.write.bind(process.stdout);
  // Powertools writes JSON lines to stdout through its console; capture them for the assertion.
  process.stdout.write = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    // Act
    port.info('rendered', { cluster: 'dev', objects: 12 });
  } finally {
    process.stdout.write = original;
  }
  // Assess
  const entry = JSON.parse(lines.join('').trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  assert.deepEqual([entry['message'], entry['cluster'], entry['objects'], entry['level']], ['rendered', 'dev', 12, 'INFO']);
});

test('the intake and the alerts engine log through the same Logger port', async () => {
  // Prepare: one console logger given to both engines.
  const lines: string[] = [];
  const logger: Logger = new ConsoleLogger({ stream: { write: (text: string) => lines.push(text) }, utc: true });
  const intake = makeIntake([receiver('github')]);
  const deps: AlertDeps = {
    config: buildAlertingConfig([]),
    secrets: { getSecret: async () => '' },
    dedup: new MemoryTtlStore(),
    threads: new MemoryThreadStore(),
    clock: systemClock,
    logger,
  };
  const body = Buffer.alloc(1024 * 1024 + 1, 0x20);

  // Act: a refused webhook, and an SQS record the alerts function cannot read.
  await handleWebhook({ method: 'POST', path: pathOf(receiver('github')), headers: {}, body }, { ...intake.deps, logger });
  await handleAlertQueue({ Records: [{ messageId: 'm-1', body: '{}' } as SQSRecord] }, deps);

  // Assess
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', / warn {2}webhook body too large /);
  assert.match(lines[1] ?? '', / warn {2}alert record failed messageId=m-1 /);
});
