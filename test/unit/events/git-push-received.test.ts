// The GitPushReceived schema: resources always, the push (repository, ref, revision) all or nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GitPushReceivedSchema } from '#shared/events/catalog.ts';

const SHA = 'c441029cf673f84c8b7db52d0a5944ee5c52ff89';
const bare = {
  version: 1,
  eventId: 'e1',
  correlationId: 'd1',
  occurredAt: '2026-03-01T12:00:00.000Z',
  provider: 'generic-hmac',
  receiver: { name: 'r', namespace: 'flux-system' },
  resources: [{ kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' }],
  deliveryId: 'd1',
  receivedAt: '2026-03-01T12:00:00.000Z',
};
const push = { repository: { urls: ['https://git.example.com/fleet.git'] }, ref: 'refs/heads/main', revision: SHA };

test('a GitPushReceived with only the receiver resources is valid', () => {
  assert.equal(GitPushReceivedSchema.safeParse(bare).success, true);
});

test('a GitPushReceived naming the whole push is valid', () => {
  assert.equal(GitPushReceivedSchema.safeParse({ ...bare, ...push, before: SHA, commits: 2, pusher: 'ci' }).success, true);
});

test('a GitPushReceived without resources is refused, naming the field', () => {
  const { resources: _omitted, ...withoutResources } = bare;
  const result = GitPushReceivedSchema.safeParse({ ...withoutResources, ...push });
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['resources']);
});

test('a GitPushReceived naming a ref without a revision is refused, naming the revision', () => {
  const result = GitPushReceivedSchema.safeParse({ ...bare, repository: push.repository, ref: push.ref });
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['revision']);
});

test('a GitPushReceived with commits but no named push is refused', () => {
  assert.equal(GitPushReceivedSchema.safeParse({ ...bare, commits: 1 }).success, false);
});
