// Long delivery ids: two pushes whose ids share a long prefix are two deliveries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleWebhook } from '#shared/intake/index.ts';
import { githubHeaders, githubPush, makeIntake, pathOf, receiver, request } from './helpers.ts';

const github = receiver('github');

test('two pushes whose delivery ids share a 200-character prefix are both emitted', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const prefix = 'd'.repeat(200);
  const firstBody = JSON.stringify(githubPush());
  const secondBody = JSON.stringify({ ...githubPush(), after: 'f'.repeat(40) });
  // Act
  const first = await handleWebhook(request(pathOf(github), githubHeaders(firstBody, { 'X-GitHub-Delivery': `${prefix}-1` }), firstBody), intake.deps);
  const second = await handleWebhook(request(pathOf(github), githubHeaders(secondBody, { 'X-GitHub-Delivery': `${prefix}-2` }), secondBody), intake.deps);
  // Assess
  assert.equal(JSON.parse(first.body).status, 'accepted');
  assert.equal(JSON.parse(second.body).status, 'accepted');
  assert.equal(intake.bus.published.length, 2);
  assert.notEqual(JSON.parse(first.body).deliveryId, JSON.parse(second.body).deliveryId);
});

test('a long delivery id sent twice is still one delivery, identified by a bounded digest', async () => {
  // Prepare
  const intake = makeIntake([github]);
  const body = JSON.stringify(githubPush());
  const headers = githubHeaders(body, { 'X-GitHub-Delivery': 'e'.repeat(5_000) });
  // Act
  const first = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  const second = await handleWebhook(request(pathOf(github), headers, body), intake.deps);
  // Assess
  assert.equal(JSON.parse(second.body).status, 'duplicate');
  assert.equal(intake.bus.published.length, 1);
  assert.match(JSON.parse(first.body).deliveryId, /^id-sha256:[0-9a-f]{64}$/);
});
