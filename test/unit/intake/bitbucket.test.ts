import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHA_A, SHA_B, SHA_C, TOKEN, bitbucketChange, bitbucketPush, deliverOnce, hmacHex, reasonOf, receiver } from './helpers.ts';

const bitbucket = receiver('bitbucket');
const headers = (body: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  'Content-Type': 'application/json',
  'User-Agent': 'Bitbucket-Webhooks/2.0',
  'X-Event-Key': 'repo:push',
  'X-Request-UUID': '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
  'X-Hook-UUID': 'a0f1b2c3-d4e5-f6a7-b8c9-d0e1f2a3b4c5',
  'X-Attempt-Number': '1',
  'X-Hub-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}`,
  ...overrides,
});

test('a Bitbucket push updating one branch emits one event with its revision', async () => {
  // Prepare
  const body = JSON.stringify(bitbucketPush([bitbucketChange('main', SHA_B, SHA_A)]));
  // Act
  const { intake, response } = await deliverOnce(bitbucket, headers(body), body);
  // Assess
  assert.equal(response.status, 200);
  const detail = intake.bus.published[0]?.detail as Record<string, unknown>;
  assert.equal(detail.provider, 'bitbucket');
  assert.equal(detail.ref, 'refs/heads/main');
  assert.equal(detail.revision, SHA_B);
  assert.equal(detail.before, SHA_A);
  assert.equal(detail.pusher, 'ada');
  assert.equal(detail.deliveryId, '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d');
  assert.deepEqual(detail.repository, { urls: ['https://bitbucket.org/acme/fleet.git'], fullName: 'acme/fleet', webUrl: 'https://bitbucket.org/acme/fleet' });
});

test('a Bitbucket push changing several refs emits one event per updated ref, skipping deletions', async () => {
  // Prepare
  const body = JSON.stringify(
    bitbucketPush([bitbucketChange('main', SHA_B, SHA_A), bitbucketChange('v1.0.0', SHA_C, null, 'tag'), bitbucketChange('old-feature', null, SHA_A)]),
  );
  // Act
  const { intake, response } = await deliverOnce(bitbucket, headers(body), body);
  // Assess
  assert.equal(response.status, 200);
  assert.deepEqual(
    intake.bus.published.map((event) => [event.detail.ref, event.detail.revision]),
    [
      ['refs/heads/main', SHA_B],
      ['refs/tags/v1.0.0', SHA_C],
    ],
  );
  const ids = new Set(intake.bus.published.map((event) => event.detail.eventId));
  assert.equal(ids.size, 2);
});

test('a Bitbucket push that only deletes a branch emits nothing', async () => {
  // Prepare
  const body = JSON.stringify(bitbucketPush([bitbucketChange('old-feature', null, SHA_A)]));
  // Act
  const { intake, response } = await deliverOnce(bitbucket, headers(body), body);
  // Assess
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

test('a Bitbucket push with a wrong X-Hub-Signature is refused with 401', async () => {
  // Prepare
  const body = JSON.stringify(bitbucketPush([bitbucketChange('main', SHA_B, SHA_A)]));
  // Act
  const { intake, response } = await deliverOnce(bitbucket, headers(body, { 'X-Hub-Signature': `sha256=${hmacHex('sha256', 'x', body)}` }), body);
  // Assess
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a Bitbucket event other than repo:push is acknowledged with 202', async () => {
  // Prepare
  const body = JSON.stringify({ pullrequest: { id: 1 } });
  // Act
  const { response } = await deliverOnce(bitbucket, headers(body, { 'X-Event-Key': 'pullrequest:created' }), body);
  // Assess
  assert.equal(response.status, 202);
});

test('a Bitbucket push whose change lacks target.hash is a 400 naming the field', async () => {
  // Prepare
  const body = JSON.stringify(bitbucketPush([{ new: { type: 'branch', name: 'main', target: {} }, old: null }]));
  // Act
  const { response } = await deliverOnce(bitbucket, headers(body), body);
  // Assess
  assert.equal(response.status, 400);
  assert.match(reasonOf(response), /push\.changes\.0\.new\.target\.hash/);
});
