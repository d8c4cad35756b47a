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
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'deliveries', TIDELINE_RECEIVERS: RECEIVER });
  assert.equal(config.busName, 'tideline');
  assert.equal(config.secretsPrefix, 'tideline/');
  assert.equal(config.secretsTtlMs, 300_000);
  assert.equal(config.inProgressTtlMs, 120_000);
  assert.equal(config.receivers[0]?.spec.type, 'bitbucket');
});

test('the intake environment reads receivers from a file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'intake-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'receivers.yaml'), RECEIVER);
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS_FILE: join(dir, 'receivers.yaml') });
  assert.equal(config.receivers.length, 1);
});

test('a missing deliveries table fails naming the variable', () => {
  assert.throws(
    () => readIntakeEnvironment({ TIDELINE_RECEIVERS: RECEIVER }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /TIDELINE_DELIVERIES_TABLE/);
      return true;
    },
  );
});

test('neither or both receiver variables fail naming both', () => {
  assert.throws(() => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd' }), /TIDELINE_RECEIVERS and TIDELINE_RECEIVERS_FILE/);
  assert.throws(() => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_RECEIVERS_FILE: 'x' }), /exactly one/);
});

test('an unsupported receiver in the environment fails naming the variable and the field', () => {
  const generic = RECEIVER.replace('bitbucket', 'generic');
  assert.throws(
    () => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: generic }),
    /TIDELINE_RECEIVERS: .*spec\.type generic is not supported/,
  );
});

test('a non-numeric secrets TTL fails naming the variable', () => {
  assert.throws(
    () => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_SECRETS_TTL_SECONDS: '5m' }),
    /TIDELINE_SECRETS_TTL_SECONDS/,
  );
});

test('the in-progress expiry of a delivery is read in seconds from the environment', () => {
  const config = readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_DELIVERY_IN_PROGRESS_SECONDS: '300' });
  assert.equal(config.inProgressTtlMs, 300_000);
});

test('a zero or non-numeric in-progress expiry fails naming the variable', () => {
  for (const value of ['0', '2m', '-5']) {
    assert.throws(
      () => readIntakeEnvironment({ TIDELINE_DELIVERIES_TABLE: 'd', TIDELINE_RECEIVERS: RECEIVER, TIDELINE_DELIVERY_IN_PROGRESS_SECONDS: value }),
      /TIDELINE_DELIVERY_IN_PROGRESS_SECONDS/,
    );
  }
});
