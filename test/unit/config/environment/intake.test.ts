import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidInputError } from '#shared/errors/index.ts';
import { readIntakeEnvironment } from '#shared/config/environment/intake.ts';

const RECEIVER = JSON.stringify({
  apiVersion: 'notification.toolkit.fluxcd.io/v1',
  kind: 'Receiver',
  metadata: { name: 'r' },
  spec: { type: 'bitbucket', secretRef: { name: 't' }, resources: [{ kind: 'GitRepository', name: 'fleet' }] },
});

test('the intake environment reads inline receivers and applies defaults', () => {
  // Act
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'deliveries', TIDELINE_RECEIVERS: RECEIVER });
  // Assess
  assert.equal(config.busName, 'tideline');
  assert.equal(config.secretsPrefix, 'tideline/');
  assert.equal(config.secretsTtlMs, 300_000);
  assert.equal(config.inProgressTtlMs, 120_000);
  assert.equal(config.receivers[0]?.spec.type, 'bitbucket');
});

test('the intake environment reads receivers from a file', (t) => {
  // Prepare
  const dir = mkdtempSync(join(tmpdir(), 'intake-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'receivers.yaml'), RECEIVER);
  // Act
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS_FILE: join(dir, 'receivers.yaml') });
  // Assess
  assert.equal(config.receivers.length, 1);
});

test('a missing deliveries table fails naming the variable', () => {
  // Act
  const attempt = (): unknown => readIntakeEnvironment({ TIDELINE_RECEIVERS: RECEIVER });
  // Assess
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError);
    assert.match(error.message, /TIDELINE_DELIVERIES_TABLE/);
    return true;
  });
});

test('neither or both receiver variables fail naming both', () => {
  // Act
  const neither = (): unknown => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd' });
  const both = (): unknown => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_RECEIVERS_FILE: 'x' });
  // Assess
  assert.throws(neither, /TIDELINE_RECEIVERS and TIDELINE_RECEIVERS_FILE/);
  assert.throws(both, /exactly one/);
});

test('an unsupported receiver in the environment fails naming the variable and the field', () => {
  // Prepare
  const generic = RECEIVER.replace('bitbucket', 'generic');
  // Act
  const attempt = (): unknown => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: generic });
  // Assess
  assert.throws(attempt, /TIDELINE_RECEIVERS: .*spec\.type generic is not supported/);
});

test('a non-numeric secrets TTL fails naming the variable', () => {
  // Act
  const attempt = (): unknown => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_SECRETS_TTL_SECONDS: '5m' });
  // Assess
  assert.throws(attempt, /TIDELINE_SECRETS_TTL_SECONDS/);
});

test('the in-progress expiry of a delivery is read in seconds from the environment', () => {
  // Act
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_DELIVERY_IN_PROGRESS_SECONDS: '300' });
  // Assess
  assert.equal(config.inProgressTtlMs, 300_000);
});

test('a zero or non-numeric in-progress expiry fails naming the variable', () => {
  for (const value of ['0', '2m', '-5']) {
    // Act
    const attempt = (): unknown =>
      readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_DELIVERY_IN_PROGRESS_SECONDS: value });
    // Assess
    assert.throws(attempt, /TIDELINE_DELIVERY_IN_PROGRESS_SECONDS/);
  }
});
