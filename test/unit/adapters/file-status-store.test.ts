import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { FileStatusStore } from '#shared/adapters/local/file-status-store.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { Clock, KustomizationKey } from '#shared/ports/index.ts';

async function statusFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tideline-status-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state', 'status.json');
}

const fixedClock: Clock = { now: () => Date.parse('2026-01-02T03:04:05.000Z'), sleep: async () => {} };
const apps: KustomizationKey = { cluster: 'dev', namespace: 'flux-system', name: 'apps' };
const ready = { status: 'True' as const, reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc', since: '2026-01-02T03:04:05.000Z' };

test('a new Kustomization record is waiting to be reconciled until a Ready condition is written', async (t) => {
  // Prepare
  const store = new FileStatusStore(await statusFile(t), { clock: fixedClock });
  // Act
  const record = await store.updateKustomization(apps, { lastAttemptedRevision: 'main@sha1:abc' });
  // Assess
  assert.deepEqual(record, {
    cluster: 'dev',
    namespace: 'flux-system',
    name: 'apps',
    ready: { status: 'Unknown', reason: 'Progressing', message: 'waiting to be reconciled', since: '2026-01-02T03:04:05.000Z' },
    lastAttemptedRevision: 'main@sha1:abc',
    updatedAt: '2026-01-02T03:04:05.000Z',
  });
});

test("updates merge field by field: render and apply keep each other's fields", async (t) => {
  // Prepare
  const store = new FileStatusStore(await statusFile(t), { clock: fixedClock });
  await store.updateKustomization(apps, { lastAttemptedRevision: 'main@sha1:abc', path: './apps/dev' });
  // Act
  await store.updateKustomization(apps, { ready, lastAppliedRevision: 'main@sha1:abc', inventorySize: 3 });
  await store.updateKustomization(apps, { suspended: true });
  // Assess
  const record = await store.getKustomization(apps);
  assert.equal(record?.path, './apps/dev');
  assert.equal(record?.lastAttemptedRevision, 'main@sha1:abc');
  assert.equal(record?.lastAppliedRevision, 'main@sha1:abc');
  assert.equal(record?.inventorySize, 3);
  assert.equal(record?.suspended, true);
  assert.deepEqual(record?.ready, ready);
});

test('concurrent updates in one process are serialised, so none is lost', async (t) => {
  // Prepare
  const store = new FileStatusStore(await statusFile(t));
  const names = Array.from({ length: 20 }, (_, i) => `ks-${String(i).padStart(2, '0')}`);
  // Act
  await Promise.all(names.map((name) => store.updateKustomization({ cluster: 'dev', namespace: 'flux-system', name }, { inventorySize: 1 })));
  // Assess
  assert.deepEqual(
    (await store.listKustomizations()).map((record) => record.name),
    names,
  );
});

test("two stores on one file (the pipeline and the CLI) see each other's writes", async (t) => {
  // Prepare
  const file = await statusFile(t);
  const pipeline = new FileStatusStore(file);
  const cli = new FileStatusStore(file);
  await pipeline.updateKustomization(apps, { lastAppliedRevision: 'main@sha1:abc' });
  // Act
  await cli.updateKustomization(apps, { suspended: true });
  await pipeline.updateKustomization(apps, { inventorySize: 7 });
  // Assess
  const record = await cli.getKustomization(apps);
  assert.deepEqual([record?.lastAppliedRevision, record?.suspended, record?.inventorySize], ['main@sha1:abc', true, 7]);
});

test('listing filters by cluster and sorts by cluster, namespace and name', async (t) => {
  // Prepare
  const store = new FileStatusStore(await statusFile(t));
  await store.updateKustomization({ cluster: 'prod', namespace: 'flux-system', name: 'apps' }, {});
  await store.updateKustomization({ cluster: 'dev', namespace: 'flux-system', name: 'infra' }, {});
  await store.updateKustomization({ cluster: 'dev', namespace: 'apps', name: 'web' }, {});
  // Act
  const all = (await store.listKustomizations()).map((r) => `${r.cluster}/${r.namespace}/${r.name}`);
  const dev = (await store.listKustomizations({ cluster: 'dev' })).map((r) => `${r.cluster}/${r.namespace}/${r.name}`);
  // Assess
  assert.deepEqual(all, ['dev/apps/web', 'dev/flux-system/infra', 'prod/flux-system/apps']);
  assert.deepEqual(dev, ['dev/apps/web', 'dev/flux-system/infra']);
});

test('source records merge and list like Kustomization records', async (t) => {
  // Prepare
  const store = new FileStatusStore(await statusFile(t), { clock: fixedClock });
  const key = { kind: 'GitRepository' as const, cluster: 'dev', namespace: 'flux-system', name: 'fleet' };
  // Act
  await store.updateSource(key, { url: 'http://127.0.0.1/fleet.git', ref: 'branch main' });
  await store.updateSource(key, { revision: 'main@sha1:abc', ready });
  const sources = await store.listSources();
  // Assess
  assert.deepEqual(sources, [
    {
      kind: 'GitRepository',
      cluster: 'dev',
      namespace: 'flux-system',
      name: 'fleet',
      url: 'http://127.0.0.1/fleet.git',
      ref: 'branch main',
      revision: 'main@sha1:abc',
      ready,
      updatedAt: '2026-01-02T03:04:05.000Z',
    },
  ]);
});

test('the file is written whole and left without its lock or temporary files', async (t) => {
  // Prepare
  const file = await statusFile(t);
  const store = new FileStatusStore(file);
  // Act
  await store.updateKustomization(apps, { inventorySize: 2 });
  // Assess
  const document = JSON.parse(await readFile(file, 'utf8')) as { version: number; kustomizations: Record<string, unknown> };
  assert.equal(document.version, 1);
  assert.deepEqual(Object.keys(document.kustomizations), ['dev/flux-system/apps']);
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(join(file, '..')), ['status.json']);
});

test('a corrupt status file is an InvalidInputError naming the file', async (t) => {
  // Prepare
  const file = await statusFile(t);
  const store = new FileStatusStore(file);
  await store.updateKustomization(apps, {});
  await writeFile(file, '{ not json');
  // Act and assess
  await assert.rejects(store.listKustomizations(), (error: unknown) => error instanceof InvalidInputError && error.message.startsWith(file));
});

test('a lock left by a dead process is taken over once stale', async (t) => {
  // Prepare
  const file = await statusFile(t);
  const store = new FileStatusStore(file);
  await store.updateKustomization(apps, {});
  await writeFile(`${file}.lock`, '999999');
  const { utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 60_000);
  await utimes(`${file}.lock`, old, old);
  // Act
  const record = await store.updateKustomization(apps, { inventorySize: 4 });
  // Assess
  assert.equal(record.inventorySize, 4);
});
