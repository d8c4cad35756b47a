import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleWebhook } from '#shared/intake/index.ts';
import { SHA_A, SHA_B, TOKEN, ZERO, hmacHex, makeIntake, pathOf, receiver, request } from './helpers.ts';

const generic = receiver('generic-hmac');
const payload = { repository: 'https://git.example.com/fleet.git', ref: 'refs/heads/main', revision: SHA_B, before: SHA_A, commits: 3, pusher: 'ci-bot' };

for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
  test(`a generic-hmac push signed with ${algorithm} is accepted`, async () => {
    const intake = makeIntake([generic]);
    const body = JSON.stringify(payload);
    const headers = { 'Content-Type': 'application/json', 'X-Signature': `${algorithm}=${hmacHex(algorithm, TOKEN, body)}` };
    const response = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
    assert.equal(response.status, 200);
    const detail = intake.bus.published[0]?.detail as Record<string, unknown>;
    assert.equal(detail.provider, 'generic-hmac');
    assert.equal(detail.revision, SHA_B);
    assert.equal(detail.commits, 3);
    assert.deepEqual((detail.repository as { urls: string[] }).urls, ['https://git.example.com/fleet.git']);
  });
}

test('a generic-hmac push with an md5 signature is refused', async () => {
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json', 'X-Signature': `md5=${hmacHex('md5', TOKEN, body)}` }, body), intake.deps);
  assert.equal(response.status, 401);
});

test('a generic-hmac push without X-Signature is refused with 401', async () => {
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json' }, body), intake.deps);
  assert.equal(response.status, 401);
  assert.match(JSON.parse(response.body).reason, /X-Signature/);
});

test('a generic-hmac body without a revision is a 400 naming the field', async () => {
  const intake = makeIntake([generic]);
  const body = JSON.stringify({ repository: payload.repository, ref: 'refs/heads/main' });
  const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json', 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` }, body), intake.deps);
  assert.equal(response.status, 400);
  assert.match(JSON.parse(response.body).reason, /revision/);
});

test('a generic-hmac delivery without an id header is deduplicated by its body digest', async () => {
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  const headers = { 'Content-Type': 'application/json', 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` };
  const first = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  const second = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(JSON.parse(second.body).status, 'duplicate');
  assert.equal(intake.bus.published.length, 1);
  assert.match(intake.bus.published[0]?.detail.deliveryId ?? '', /^sha256:[0-9a-f]{64}$/);
});

test('a generic-hmac push of the all-zero revision (a deletion) emits nothing', async () => {
  const intake = makeIntake([generic]);
  const body = JSON.stringify({ ...payload, revision: ZERO });
  const headers = { 'Content-Type': 'application/json', 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` };
  const response = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});
