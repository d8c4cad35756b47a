// The GitPushReceived schema: resources always, the push (repository, ref, revision) all or nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GitPushReceivedSchema } from '#shared/events/catalog.ts';
import { SAMPLE_SHA as SHA, gitPushDetail } from '#test/support/events.ts';

const {
  repository: _repository,
  ref: _ref,
  revision: _revision,
  commits: _commits,
  ...bare
} = gitPushDetail({ provider: 'generic-hmac', repository: { urls: ['https://git.example.com/fleet.git'] } });
const push = { repository: { urls: ['https://git.example.com/fleet.git'] }, ref: 'refs/heads/main', revision: SHA };

test('a GitPushReceived with only the receiver resources is valid', () => {
  // Act
  const result = GitPushReceivedSchema.safeParse(bare);
  // Assess
  assert.equal(result.success, true);
});

test('a GitPushReceived naming the whole push is valid', () => {
  // Act
  const result = GitPushReceivedSchema.safeParse({ ...bare, ...push, before: SHA, commits: 2, pusher: 'ci' });
  // Assess
  assert.equal(result.success, true);
});

test('a GitPushReceived without resources is refused, naming the field', () => {
  // Prepare
  const { resources: _omitted, ...withoutResources } = bare;
  // Act
  const result = GitPushReceivedSchema.safeParse({ ...withoutResources, ...push });
  // Assess
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['resources']);
});

test('a GitPushReceived naming a ref without a revision is refused, naming the revision', () => {
  // Act
  const result = GitPushReceivedSchema.safeParse({ ...bare, repository: push.repository, ref: push.ref });
  // Assess
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['revision']);
});

test('a GitPushReceived with commits but no named push is refused', () => {
  // Act
  const result = GitPushReceivedSchema.safeParse({ ...bare, commits: 1 });
  // Assess
  assert.equal(result.success, false);
});
