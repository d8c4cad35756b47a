import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { handleWebhook } from '#shared/intake/index.ts';
import { SHA_A, SHA_B, TOKEN, ZERO, gitlabPush, makeIntake, pathOf, receiver, request } from './helpers.ts';

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
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush());
  const response = await handleWebhook(request(pathOf(gitlab), tokenHeaders(), body), intake.deps);
  assert.equal(response.status, 200);
  const detail = intake.bus.published[0]?.detail as Record<string, unknown>;
  assert.equal(detail.provider, 'gitlab');
  assert.equal(detail.revision, SHA_B);
  assert.equal(detail.before, SHA_A);
  assert.equal(detail.commits, 2);
  assert.equal(detail.pusher, 'jsmith');
  assert.equal(detail.deliveryId, 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f');
  assert.deepEqual(detail.repository, {
    urls: ['https://gitlab.example.com/platform/fleet.git', 'git@gitlab.example.com:platform/fleet.git'],
    fullName: 'platform/fleet',
    webUrl: 'https://gitlab.example.com/platform/fleet',
  });
});

test('a GitLab Tag Push Hook emits the tag ref', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(
    gitlabPush({ object_kind: 'tag_push', event_name: 'tag_push', ref: 'refs/tags/v2.0.0', before: ZERO, commits: [], total_commits_count: 0 }),
  );
  const response = await handleWebhook(request(pathOf(gitlab), tokenHeaders({ 'X-Gitlab-Event': 'Tag Push Hook' }), body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.ref, 'refs/tags/v2.0.0');
});

test('a GitLab push with a wrong X-Gitlab-Token is refused with 401', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush());
  const response = await handleWebhook(request(pathOf(gitlab), tokenHeaders({ 'X-Gitlab-Token': `${TOKEN}x` }), body), intake.deps);
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitLab push without any token or signature is refused with 401', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush());
  const headers = tokenHeaders();
  delete headers['X-Gitlab-Token'];
  const response = await handleWebhook(request(pathOf(gitlab), headers, body), intake.deps);
  assert.equal(response.status, 401);
});

test('a GitLab branch deletion emits nothing', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush({ after: ZERO, checkout_sha: null, commits: [], total_commits_count: 0 }));
  const response = await handleWebhook(request(pathOf(gitlab), tokenHeaders(), body), intake.deps);
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitLab push signed with a whsec_ signing token within the tolerance is accepted', async () => {
  const secret = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
  const intake = makeIntake([gitlab], { 'gitlab-receiver': secret });
  const body = JSON.stringify(gitlabPush());
  const headers = signedHeaders(secret, body, intake.clock.now() / 1000 - 60);
  const response = await handleWebhook(request(pathOf(gitlab, secret), headers, body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

test('a signed GitLab push with a timestamp outside the tolerance is refused', async () => {
  const secret = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
  const intake = makeIntake([gitlab], { 'gitlab-receiver': secret });
  const body = JSON.stringify(gitlabPush());
  const headers = signedHeaders(secret, body, intake.clock.now() / 1000 - 600);
  const response = await handleWebhook(request(pathOf(gitlab, secret), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.match(JSON.parse(response.body).reason, /tolerance/);
});

test('a GitLab push carrying the right X-Gitlab-Token is accepted even when its signature is for another signing token', async () => {
  // GitLab sends both when a hook has a secret token and a signing token; a Flux Receiver holds one.
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush());
  const headers = { ...signedHeaders('another-secret', body, intake.clock.now() / 1000), 'X-Gitlab-Token': TOKEN };
  const response = await handleWebhook(request(pathOf(gitlab), headers, body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

test('a GitLab push with a bad signature and a wrong X-Gitlab-Token is refused', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify(gitlabPush());
  const headers = { ...signedHeaders('another-secret', body, intake.clock.now() / 1000), 'X-Gitlab-Token': 'wrong' };
  const response = await handleWebhook(request(pathOf(gitlab), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitLab Merge Request Hook is acknowledged with 202 and emits nothing', async () => {
  const intake = makeIntake([gitlab]);
  const body = JSON.stringify({ object_kind: 'merge_request' });
  const response = await handleWebhook(request(pathOf(gitlab), tokenHeaders({ 'X-Gitlab-Event': 'Merge Request Hook' }), body), intake.deps);
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitLab receiver limited to Tag Push Hook ignores branch pushes', async () => {
  const tagsOnly = receiver('gitlab', { name: 'tags-only', events: ['Tag Push Hook'] });
  const intake = makeIntake([tagsOnly]);
  const body = JSON.stringify(gitlabPush());
  const response = await handleWebhook(request(pathOf(tagsOnly), tokenHeaders(), body), intake.deps);
  assert.equal(response.status, 202);
  assert.match(JSON.parse(response.body).reason, /spec\.events/);
  assert.equal(intake.bus.published.length, 0);
});
