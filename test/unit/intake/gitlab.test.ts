import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { SHA_A, SHA_B, TOKEN, ZERO, deliver, deliverOnce, gitlabPush, makeIntake, reasonOf, receiver } from './helpers.ts';

const gitlab = receiver('gitlab');
const tokenHeaders = (overrides: Record<string, string> = {}): Record<string, string> => ({
  'Content-Type': 'application/json',
  'User-Agent': 'GitLab/17.9.0',
  'X-Gitlab-Event': 'Push Hook',
  'X-Gitlab-Token': TOKEN,
  'X-Gitlab-Instance': 'https://gitlab.example.com',
  'X-Gitlab-Webhook-UUID': '16c4d2e1-0ae4-44d5-9d6b-fd2a0f4f5f3e',
  'X-Gitlab-Event-UUID': '13792a34-cac6-4fda-95a8-c58e00a3954e',
  'Idempotency-Key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
  ...overrides,
});

function signedHeaders(secret: string, body: string, timestampSeconds: number, id = 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f'): Record<string, string> {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return {
    'Content-Type': 'application/json',
    'X-Gitlab-Event': 'Push Hook',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
    'Idempotency-Key': id,
  };
}

test('a GitLab Push Hook with the right X-Gitlab-Token emits GitPushReceived', async () => {
  // Prepare
  const body = JSON.stringify(gitlabPush());
  // Act
  const { intake, response } = await deliverOnce(gitlab, tokenHeaders(), body);
  // Assess
  assert.equal(response.status, 200);
  const { provider, revision, before, commits, pusher, deliveryId, repository } = intake.bus.published[0]?.detail as Record<string, unknown>;
  assert.deepEqual(
    { provider, revision, before, commits, pusher, deliveryId, repository },
    {
      provider: 'gitlab',
      revision: SHA_B,
      before: SHA_A,
      commits: 2,
      pusher: 'jsmith',
      deliveryId: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
      repository: {
        urls: ['https://gitlab.example.com/platform/fleet.git', 'git@gitlab.example.com:platform/fleet.git'],
        fullName: 'platform/fleet',
        webUrl: 'https://gitlab.example.com/platform/fleet',
      },
    },
  );
});

test('a GitLab Tag Push Hook emits the tag ref', async () => {
  // Prepare
  const body = JSON.stringify(
    gitlabPush({ object_kind: 'tag_push', event_name: 'tag_push', ref: 'refs/tags/v2.0.0', before: ZERO, commits: [], total_commits_count: 0 }),
  );
  // Act
  const { intake, response } = await deliverOnce(gitlab, tokenHeaders({ 'X-Gitlab-Event': 'Tag Push Hook' }), body);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.ref, 'refs/tags/v2.0.0');
});

// Requests that must be answered with a status and publish nothing.
const unpublished: { name: string; status: number; payload: Record<string, unknown>; headers: () => Record<string, string> }[] = [
  {
    name: 'a GitLab push with a wrong X-Gitlab-Token is refused with 401',
    status: 401,
    payload: gitlabPush(),
    headers: () => tokenHeaders({ 'X-Gitlab-Token': `${TOKEN}x` }),
  },
  {
    name: 'a GitLab branch deletion emits nothing',
    status: 202,
    payload: gitlabPush({ after: ZERO, checkout_sha: null, commits: [], total_commits_count: 0 }),
    headers: () => tokenHeaders(),
  },
  {
    name: 'a GitLab Merge Request Hook is acknowledged with 202 and emits nothing',
    status: 202,
    payload: { object_kind: 'merge_request' },
    headers: () => tokenHeaders({ 'X-Gitlab-Event': 'Merge Request Hook' }),
  },
];

for (const c of unpublished) {
  test(c.name, async () => {
    // Prepare
    const body = JSON.stringify(c.payload);
    // Act
    const { intake, response } = await deliverOnce(gitlab, c.headers(), body);
    // Assess
    assert.equal(response.status, c.status);
    assert.equal(intake.bus.published.length, 0);
  });
}

test('a GitLab push without any token or signature is refused with 401', async () => {
  // Prepare
  const body = JSON.stringify(gitlabPush());
  const headers = tokenHeaders();
  delete headers['X-Gitlab-Token'];
  // Act
  const { response } = await deliverOnce(gitlab, headers, body);
  // Assess
  assert.equal(response.status, 401);
});

/** Posts a GitLab push signed with a whsec_ signing token, its timestamp `ageSeconds` old. */
async function deliverSigned(ageSeconds: number): ReturnType<typeof deliverOnce> {
  const secret = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
  const intake = makeIntake([gitlab], { 'gitlab-receiver': secret });
  const body = JSON.stringify(gitlabPush());
  const headers = signedHeaders(secret, body, intake.clock.now() / 1000 - ageSeconds);
  return { intake, response: await deliver(intake, gitlab, headers, body, secret) };
}

test('a GitLab push signed with a whsec_ signing token within the tolerance is accepted', async () => {
  // Act
  const { intake, response } = await deliverSigned(60);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

test('a signed GitLab push with a timestamp outside the tolerance is refused', async () => {
  // Act
  const { response } = await deliverSigned(600);
  // Assess
  assert.equal(response.status, 401);
  assert.match(reasonOf(response), /tolerance/);
});

// GitLab sends both when a hook has a secret token and a signing token; a Flux Receiver holds one.
const tokenBesideSignature: { name: string; token: string; status: number; published: number }[] = [
  {
    name: 'a GitLab push carrying the right X-Gitlab-Token is accepted even when its signature is for another signing token',
    token: TOKEN,
    status: 200,
    published: 1,
  },
  { name: 'a GitLab push with a bad signature and a wrong X-Gitlab-Token is refused', token: 'wrong', status: 401, published: 0 },
];

for (const c of tokenBesideSignature) {
  test(c.name, async () => {
    // Prepare
    const intake = makeIntake([gitlab]);
    const body = JSON.stringify(gitlabPush());
    const headers = { ...signedHeaders('another-secret', body, intake.clock.now() / 1000), 'X-Gitlab-Token': c.token };
    // Act
    const response = await deliver(intake, gitlab, headers, body);
    // Assess
    assert.equal(response.status, c.status);
    assert.equal(intake.bus.published.length, c.published);
  });
}

test('a GitLab receiver limited to Tag Push Hook ignores branch pushes', async () => {
  // Prepare
  const tagsOnly = receiver('gitlab', { name: 'tags-only', events: ['Tag Push Hook'] });
  const body = JSON.stringify(gitlabPush());
  // Act
  const { intake, response } = await deliverOnce(tagsOnly, tokenHeaders(), body);
  // Assess
  assert.equal(response.status, 202);
  assert.match(reasonOf(response), /spec\.events/);
  assert.equal(intake.bus.published.length, 0);
});
