import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDbStatusStore } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import type { Clock, KustomizationKey } from '#shared/ports/index.ts';
import { statusTable } from './helpers.ts';

const clock: Clock = { now: () => Date.parse('2026-01-02T03:04:05.000Z'), sleep: async () => {} };
const apps: KustomizationKey = { cluster: 'dev', namespace: 'flux-system', name: 'apps' };
const ready = { status: 'False' as const, reason: 'BuildFailed', message: 'apps/web.yaml:3: bad', since: '2026-01-02T03:04:05.000Z' };
const changeSet = {
  counts: { Created: 1, Configured: 0, Unchanged: 2, Deleted: 0, Skipped: 0 },
  entries: [{ object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, action: 'Created' as const }],
  omitted: 0,
};

test('DynamoDB status updates SET only their fields, so render and apply do not overwrite each other', async () => {
  // Prepare
  const { dynamodb, table } = await statusTable();
  const render = new DynamoDbStatusStore(dynamodb, table, { clock });
  const apply = new DynamoDbStatusStore(dynamodb, table, { clock });
  // Act
  await render.updateKustomization(apps, {
    lastAttemptedRevision: 'main@sha1:abc',
    path: './apps',
    source: { kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'fleet' },
  });
  await apply.updateKustomization(apps, { lastAppliedRevision: 'main@sha1:abc', inventorySize: 3, lastChangeSet: changeSet, timings: { applyMs: 12 } });
  const returned = await render.updateKustomization(apps, { ready });
  // Assess
  const expected = {
    cluster: 'dev',
    namespace: 'flux-system',
    name: 'apps',
    source: { kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'fleet' },
    path: './apps',
    ready,
    lastAttemptedRevision: 'main@sha1:abc',
    lastAppliedRevision: 'main@sha1:abc',
    inventorySize: 3,
    lastChangeSet: changeSet,
    timings: { applyMs: 12 },
    updatedAt: '2026-01-02T03:04:05.000Z',
  };
  assert.deepEqual(returned, expected);
  assert.deepEqual(await render.getKustomization(apps), expected);
});

test('a new DynamoDB record is waiting to be reconciled and a missing one reads as undefined', async () => {
  // Prepare
  const { dynamodb, table } = await statusTable();
  const store = new DynamoDbStatusStore(dynamodb, table, { clock });
  // Act
  const created = await store.updateKustomization(apps, { suspended: true });
  // Assess
  assert.deepEqual(created.ready, { status: 'Unknown', reason: 'Progressing', message: 'waiting to be reconciled', since: '2026-01-02T03:04:05.000Z' });
  assert.equal(await store.getKustomization({ ...apps, name: 'other' }), undefined);
});

test('DynamoDB listing by cluster queries one partition; the fleet listing scans every page', async () => {
  // Prepare: pages of 4 items, so both listings have to follow LastEvaluatedKey several times.
  const { dynamodb, table } = await statusTable();
  const store = new DynamoDbStatusStore(dynamodb, table, { clock, pageSize: 4 });
  const keys: KustomizationKey[] = [];
  for (const cluster of ['prod', 'dev', 'staging']) for (let i = 0; i < 10; i += 1) keys.push({ cluster, namespace: 'flux-system', name: `ks-${i}` });
  await Promise.all(keys.map((key) => store.updateKustomization(key, { inventorySize: 1 })));
  await store.updateSource(
    { kind: 'GitRepository', cluster: 'dev', namespace: 'flux-system', name: 'fleet' },
    { url: 'https://git.example/fleet.git', ref: 'branch main' },
  );
  // Act
  const dev = await store.listKustomizations({ cluster: 'dev' });
  const all = await store.listKustomizations();
  // Assess
  assert.deepEqual(
    dev.map((r) => r.name),
    Array.from({ length: 10 }, (_, i) => `ks-${i}`),
  );
  assert.equal(all.length, 30);
  assert.deepEqual([...new Set(all.map((r) => r.cluster))], ['dev', 'prod', 'staging']);
  assert.deepEqual(
    (await store.listSources()).map((s) => [s.name, s.url, s.ref, s.ready.status]),
    [['fleet', 'https://git.example/fleet.git', 'branch main', 'Unknown']],
  );
});

test('a DynamoDB status store on a missing table fails with a NotFoundError naming the table', async () => {
  // Prepare
  const { dynamodb } = await statusTable();
  const store = new DynamoDbStatusStore(dynamodb, 'no-such-status-table');
  // Act
  const updated = store.updateKustomization(apps, {});
  // Assess
  await assert.rejects(updated, (error: unknown) => error instanceof NotFoundError && /no-such-status-table/.test(error.message));
});
