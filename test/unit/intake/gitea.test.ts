import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHA_A, SHA_B, TOKEN, ZERO, deliverOnce, giteaPush, hmacHex, receiver } from './helpers.ts';

const gitea = receiver('gitea');
/** The headers Gitea sends with a push, signed over `body` with TOKEN. */
const headers = (body: string, overrides: Record<string, string> = {}): Record<string, string> => {
  const delivery = { 'X-Gitea-Delivery': '6a2e9f0c-4d1b-4c2a-8f3e-5b7d9c1e2f3a', 'X-Gitea-Event': 'push', 'X-Gitea-Event-Type': 'push' };
  return { 'Content-Type': 'application/json', ...delivery, 'X-Gitea-Signature': hmacHex('sha256', TOKEN, body), ...overrides };
};

test('a Gitea push with a valid X-Gitea-Signature emits GitPushReceived', async () => {
  // Prepare
  const body = JSON.stringify(giteaPush());
  // Act
  const { intake, response } = await deliverOnce(gitea, headers(body), body);
  // Assess
  assert.equal(response.status, 200);
  const detail = intake.bus.published[0]?.detail as Record<string, unknown>;
  assert.equal(detail.provider, 'gitea');
  assert.equal(detail.revision, SHA_B);
  assert.equal(detail.before, SHA_A);
  assert.equal(detail.pusher, 'mei');
  assert.equal(detail.deliveryId, '6a2e9f0c-4d1b-4c2a-8f3e-5b7d9c1e2f3a');
  assert.deepEqual((detail.repository as { urls: string[] }).urls, ['https://gitea.example.com/infra/fleet.git', 'git@gitea.example.com:infra/fleet.git']);
});

// Forgejo and Gogs send Gitea's payload under headers of their own name.
for (const fork of [
  { name: 'Forgejo', delivery: 'd1' },
  { name: 'Gogs', delivery: 'gogs-1' },
]) {
  test(`a ${fork.name} push signed in X-${fork.name}-Signature is accepted`, async () => {
    // Prepare
    const body = JSON.stringify(giteaPush());
    const forkHeaders = {
      'Content-Type': 'application/json',
      [`X-${fork.name}-Delivery`]: fork.delivery,
      [`X-${fork.name}-Event`]: 'push',
      [`X-${fork.name}-Signature`]: hmacHex('sha256', TOKEN, body),
    };
    // Act
    const { intake, response } = await deliverOnce(gitea, forkHeaders, body);
    // Assess
    assert.equal(response.status, 200);
    assert.equal(intake.bus.published[0]?.detail.deliveryId, fork.delivery);
  });
}

test('a Gitea signature with a sha256= prefix (the GitHub form) is not a valid X-Gitea-Signature', async () => {
  // Prepare
  const body = JSON.stringify(giteaPush());
  // Act
  const { response } = await deliverOnce(gitea, headers(body, { 'X-Gitea-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` }), body);
  // Assess
  assert.equal(response.status, 401);
});

test('a Gitea push with a wrong signature is refused with 401', async () => {
  // Prepare
  const body = JSON.stringify(giteaPush());
  // Act
  const { intake, response } = await deliverOnce(gitea, headers(body, { 'X-Gitea-Signature': hmacHex('sha256', 'wrong', body) }), body);
  // Assess
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a Gitea branch deletion emits nothing', async () => {
  // Prepare
  const body = JSON.stringify(giteaPush({ after: ZERO, commits: [], total_commits: 0, head_commit: null }));
  // Act
  const { intake, response } = await deliverOnce(gitea, headers(body), body);
  // Assess
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

test('a Gitea create event is acknowledged with 202', async () => {
  // Prepare
  const body = JSON.stringify({ ref: 'feature', ref_type: 'branch', sha: SHA_B });
  // Act
  const { response } = await deliverOnce(gitea, headers(body, { 'X-Gitea-Event': 'create' }), body);
  // Assess
  assert.equal(response.status, 202);
});
