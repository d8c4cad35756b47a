// The single Logger port is what every engine logs through: Powertools' Logger (the functions)
// and the console logger (local mode) must both satisfy it. The assignments are checked by tsc;
// the test also proves a Powertools logger works through the port at run time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { ConsoleLogger } from '#shared/adapters/local/console-logger.ts';
import type { IntakeLogger } from '#shared/intake/log.ts';
import type { Logger } from '#shared/ports/index.ts';
import { silentLogger } from '#shared/ports/index.ts';

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

test('the console logger, the silent logger and the intake\'s logger type are the one Logger port', () => {
  const local: Logger = new ConsoleLogger({ stream: { write: () => true } });
  const intake: IntakeLogger = local;
  const back: Logger = intake;
  assert.equal(typeof back.debug, 'function');
  assert.equal(typeof silentLogger.debug, 'function');
});
