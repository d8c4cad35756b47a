// `tideline reconcile` against an AWS deployment: the request goes to EventBridge (moto), a rule
// built from the catalog pattern routes it to an SQS queue, and a stand-in for the render function
// takes it from there and writes the DynamoDB status record the CLI waits for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDbStatusStore } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { registerGet } from '#shared/cli/commands/get.ts';
import { registerReconcile } from '#shared/cli/commands/control.ts';
import type { EventDetail } from '#shared/events/catalog.ts';
import { getTestEnv } from '#test/env/index.ts';
import { statusTable } from '#test/integration/adapters/helpers.ts';
import { createCatalogBus, drainQueue } from '#test/integration/intake/helpers.ts';
import { captureIo, runVerbs } from '#test/unit/cli/helpers.ts';

const revision = `main@sha1:${'e'.repeat(40)}`;
const key = { cluster: 'prod', namespace: 'flux-system', name: 'apps' };

test('reconcile --bus --status-table publishes to EventBridge and waits for the DynamoDB status', async () => {
  // Prepare
  const { moto } = await getTestEnv();
  const env = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: moto.region,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
  };
  const { dynamodb, table } = await statusTable();
  const store = new DynamoDbStatusStore(dynamodb, table);
  await store.updateKustomization(key, {
    lastAttemptedAt: '2026-01-01T00:00:00.000Z',
    ready: { status: 'True', reason: 'ReconciliationSucceeded', message: 'old', since: '2026-01-01T00:00:00.000Z' },
  });
  const bus = await createCatalogBus({ control: ['ReconcileRequested'] });
  const queue = bus.queues.get('control') as string;
  const received: EventDetail<'ReconcileRequested'>[] = [];
  let stop = false;
  const renderFunction = (async () => {
    while (!stop && received.length === 0) {
      for (const body of await drainQueue(queue)) {
        const detail = (JSON.parse(body) as { detail: EventDetail<'ReconcileRequested'> }).detail;
        received.push(detail);
        const at = new Date().toISOString();
        await store.updateKustomization(
          { ...key, cluster: detail.cluster ?? '' },
          {
            lastAttemptedAt: at,
            lastAppliedAt: at,
            lastAppliedRevision: revision,
            lastAttemptedRevision: revision,
            ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${revision}`, since: at },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const io = captureIo(env);
  // Act
  const code = await runVerbs(
    [registerReconcile],
    ['reconcile', 'kustomization', 'apps', '--cluster', 'prod', '--bus', bus.busName, '--status-table', table, '--timeout', '20s'],
    io,
  );
  stop = true;
  await renderFunction;
  // Assess
  assert.equal(code, 0, io.err.join(''));
  assert.equal(io.err.at(-1), `✔ applied revision ${revision}\n`);
  assert.deepEqual(
    received.map((d) => [d.object.name, d.cluster]),
    [['apps', 'prod']],
  );
  const get = captureIo({ ...env, TIDELINE_STATUS_TABLE: table });
  await runVerbs([registerGet], ['get', 'ks', '--cluster', 'prod'], get);
  assert.match(
    get.out.join(''),
    /^CLUSTER\tNAME\tREVISION {10}\tSUSPENDED\tREADY\tMESSAGE\nprod {3}\tapps\tmain@sha1:eeeeeeee\tFalse {4}\tTrue \tApplied revision: main@sha1:eeeeeeee\n$/,
  );
});
