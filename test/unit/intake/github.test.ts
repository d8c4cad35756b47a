import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '#shared/events/parse.ts';
import { handleWebhook } from '#shared/intake/index.ts';
import { SHA_A, SHA_B, ZERO, TOKEN, githubHeaders, githubPush, hmacHex, makeIntake, pathOf, receiver, request } from './helpers.ts';

const github = receiver('github');

test('a signed GitHub branch push emits one GitPushReceived with the normalized fields', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  // Act
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body), body), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
  const detail = parseEvent('GitPushReceived', { source: 'tideline.intake', 'detail-type': 'GitPushReceived', detail: intake.bus.published[0]?.detail }).detail;
  assert.equal(detail.provider, 'github');
  assert.equal(detail.ref, 'refs/heads/main');
  assert.equal(detail.revision, SHA_B);
  assert.equal(detail.before, SHA_A);
  assert.equal(detail.commits, 1);
  assert.equal(detail.pusher, 'octocat');
  assert.equal(detail.deliveryId, '72d3162e-cc78-11e3-81ab-4c9367dc0958');
  assert.equal(detail.correlationId, detail.deliveryId);
  assert.deepEqual(detail.repository?.urls, ['https://github.com/acme/fleet.git', 'git@github.com:acme/fleet.git']);
  assert.deepEqual(detail.receiver, { name: 'github-receiver', namespace: 'flux-system' });
  assert.equal(detail.receivedAt, '2026-03-01T12:00:00.000Z');
});

test('a GitHub tag push emits the tag ref', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush({ ref: 'refs/tags/v1.4.2', before: ZERO, base_ref: 'refs/heads/main', created: true }));
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body), body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.ref, 'refs/tags/v1.4.2');
  assert.equal((intake.bus.published[0]?.detail as { before?: string }).before, undefined);
});

test('a GitHub ping answers 200 and emits nothing', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 292430182, hook: { type: 'Repository', events: ['push'] } });
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body, { 'X-GitHub-Event': 'ping' }), body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).status, 'pong');
  assert.equal(intake.bus.published.length, 0);
});

test('a GitHub branch deletion emits nothing', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush({ after: ZERO, deleted: true, commits: [], head_commit: null }));
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body), body), intake.deps);
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitHub push signed with another secret is refused with 401', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'not-the-token', body)}` });
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitHub push with only the legacy X-Hub-Signature sha1 is accepted, as Flux accepts it', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body);
  delete headers['X-Hub-Signature-256'];
  // Act
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

test('a GitHub push with only a wrong legacy X-Hub-Signature is refused', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'other', body)}` });
  delete headers['X-Hub-Signature-256'];
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a wrong X-Hub-Signature-256 is refused even when the legacy sha1 header is right', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'other', body)}` });
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.match(JSON.parse(response.body).reason, /X-Hub-Signature-256/);
});

test('a GitHub push without any signature header names the header it needs', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body);
  delete headers['X-Hub-Signature-256'];
  delete headers['X-Hub-Signature'];
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  assert.equal(response.status, 401);
  assert.match(JSON.parse(response.body).reason, /X-Hub-Signature-256/);
});

test('a GitHub push whose body changed after signing is refused', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const tampered = body.replace(SHA_B, SHA_A);
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body), tampered), intake.deps);
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a GitHub form-encoded push (payload=…) is accepted', async () => {
  const intake = makeIntake([github]);
  const body = new URLSearchParams({ payload: JSON.stringify(githubPush()) }).toString();
  const headers = githubHeaders(body, { 'Content-Type': 'application/x-www-form-urlencoded' });
  const response = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published[0]?.detail.revision, SHA_B);
});

test('a GitHub event other than push or ping is acknowledged with 202 and a reason', async () => {
  const intake = makeIntake([github]);
  const body = JSON.stringify({ action: 'opened', number: 7 });
  const response = await handleWebhook(request(pathOf(github), githubHeaders(body, { 'X-GitHub-Event': 'pull_request' }), body), intake.deps);
  assert.equal(response.status, 202);
  assert.match(JSON.parse(response.body).reason, /pull_request/);
  assert.equal(intake.bus.published.length, 0);
});

test('the receiver token is what signs: the GitHub path and signature use the same token', async () => {
  const intake = makeIntake([github], { 'github-receiver': 'other-token' });
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'other-token', body)}` });
  const response = await handleWebhook(request(pathOf(github, 'other-token'), headers, body), intake.deps);
  assert.equal(response.status, 200);
  assert.notEqual(pathOf(github, 'other-token'), pathOf(github, TOKEN));
});
