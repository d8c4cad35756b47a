import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { FsArtifactStore } from '#shared/adapters/local/fs-artifact-store.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '#shared/errors/index.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tideline-artifacts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const bundleKey = `bundles/sha256/${'ab'.repeat(32)}.yaml`;

test('a stored artifact reads back byte for byte under its relative key', async (t) => {
  // Prepare
  const dir = await tempDir(t);
  const store = new FsArtifactStore(dir);
  const body = new TextEncoder().encode('kind: ConfigMap\n');
  // Act
  await store.put(bundleKey, body, 'application/yaml');
  const read = await store.get(bundleKey);
  // Assess
  assert.deepEqual(read, body);
  assert.equal(await store.has(bundleKey), true);
});

test('storing the same key twice keeps one file and leaves no temporary files behind', async (t) => {
  // Prepare
  const dir = await tempDir(t);
  const store = new FsArtifactStore(dir);
  // Act
  await store.put(bundleKey, new Uint8Array([1]));
  await store.put(bundleKey, new Uint8Array([2]));
  // Assess
  assert.deepEqual(await readdir(join(dir, 'bundles', 'sha256')), [`${'ab'.repeat(32)}.yaml`]);
  assert.deepEqual(await store.get(bundleKey), new Uint8Array([2]));
});

test('a missing artifact is a NotFoundError naming the key, and has() is false', async (t) => {
  // Prepare
  const store = new FsArtifactStore(await tempDir(t));
  // Act and assess
  await assert.rejects(
    store.get('bundles/sha256/none.yaml'),
    (error: unknown) => error instanceof NotFoundError && /bundles\/sha256\/none\.yaml/.test(error.message),
  );
  assert.equal(await store.has('bundles/sha256/none.yaml'), false);
});

test('keys that could leave the directory are refused with an InvalidInputError', async (t) => {
  // Prepare
  const store = new FsArtifactStore(await tempDir(t));
  // Act and assess
  for (const key of ['../escape', 'bundles/../../escape', '/etc/passwd', '', 'a//b', 'a\\b']) {
    await assert.rejects(store.put(key, new Uint8Array([1])), InvalidInputError, `key ${JSON.stringify(key)}`);
    await assert.rejects(store.get(key), InvalidInputError, `key ${JSON.stringify(key)}`);
  }
});

test('a compare-and-swap in the folder stores only over the version read; a stale version or a second create is a ConflictError', async (t) => {
  // Prepare
  const store = new FsArtifactStore(await tempDir(t));
  const first = await store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":1}'), undefined);
  // Act
  const second = await store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":2}'), first);
  // Assess
  await assert.rejects(store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":3}'), first), ConflictError);
  await assert.rejects(store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":4}'), undefined), ConflictError);
  const read = await store.getVersioned('fleet/snapshot.json');
  assert.equal(new TextDecoder().decode(read?.body), '{"n":2}');
  assert.equal(read?.version, second);
  assert.equal(await store.getVersioned('fleet/none.json'), undefined);
});
