import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { readAlertsEnvironment } from '#shared/config/environment/alerts.ts';

test('a missing alerts configuration directory fails naming its variable', () => {
  // Act
  const attempt = (): unknown => readAlertsEnvironment({});
  // Assess
  assert.throws(
    attempt,
    (error: unknown) => error instanceof InvalidInputError && /^environment variable TIDELINE_ALERTS_CONFIG_DIR is required/.test(error.message),
  );
});

test('the alerts environment defaults the Secrets Manager prefix and leaves unset stores out', () => {
  // Act
  const environment = readAlertsEnvironment({ TIDELINE_ALERTS_CONFIG_DIR: '/fleet', TIDELINE_DEDUP_TABLE: 't' });
  // Assess
  assert.deepEqual(environment, {
    configDir: '/fleet',
    dedupTable: 't',
    secretsPrefix: 'tideline/',
  });
});
