import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '#shared/adapters/aws/s3-artifact-store.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import { s3Bucket } from './helpers.ts';

const bundleKey = `bundles/sha256/${'cd'.repeat(32)}.yaml`;

test('an artifact stored in S3 reads back byte for byte, under the prefix, with its content type', async () => {
  // Prepare
  const { s3, bucket } = await s3Bucket();
  const store = new S3ArtifactStore(s3, bucket, { prefix: 'tideline' });
  const body = new TextEncoder().encode('apiVersion: v1\nkind: ConfigMap\n');
  // Act
  await store.put(bundleKey, body, 'application/yaml');
  const read = await store.get(bundleKey);
  // Assess
  assert.deepEqual(read, body);
  assert.equal(await store.has(bundleKey), true);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `tideline/${bundleKey}` }));
  assert.equal(object.ContentType, 'application/yaml');
});

test('a missing S3 artifact is a NotFoundError naming the object, and has() is false', async () => {
  // Prepare
  const { s3, bucket } = await s3Bucket();
  const store = new S3ArtifactStore(s3, bucket);
  // Act
  const read = store.get(bundleKey);
  // Assess
  await assert.rejects(read, (error: unknown) => error instanceof NotFoundError && error.message.includes(`s3://${bucket}/${bundleKey}`));
  assert.equal(await store.has(bundleKey), false);
});

test('writing to a bucket that does not exist is a typed error naming the bucket', async () => {
  // Prepare
  const { s3 } = await s3Bucket();
  const store = new S3ArtifactStore(s3, 'no-such-bucket-tideline');
  // Act
  const written = store.put(bundleKey, new Uint8Array([1]));
  // Assess
  await assert.rejects(written, (error: unknown) => error instanceof InvalidInputError && /no-such-bucket-tideline/.test(error.message));
});

test('an S3 compare-and-swap stores only over the version read; a stale version or a second create is a ConflictError', async () => {
  // Prepare
  const { s3, bucket } = await s3Bucket();
  const store = new S3ArtifactStore(s3, bucket);
  const first = await store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":1}'), undefined);
  // Act
  const second = await store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":2}'), first);
  const stale = store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":3}'), first);
  // Assess
  await assert.rejects(stale, (error: unknown) => error instanceof ConflictError && /changed by another writer/.test((error as Error).message));
  await assert.rejects(store.putIfUnchanged('fleet/snapshot.json', new TextEncoder().encode('{"n":4}'), undefined), ConflictError);
  const read = await store.getVersioned('fleet/snapshot.json');
  assert.equal(new TextDecoder().decode(read?.body), '{"n":2}');
  assert.equal(read?.version, second);
  assert.equal(await store.getVersioned('fleet/none.json'), undefined);
});
