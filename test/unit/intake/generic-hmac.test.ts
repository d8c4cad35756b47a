import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleWebhook } from '#shared/intake/index.ts';
import { SHA_A, SHA_B, TOKEN, ZERO, hmacHex, makeIntake, pathOf, receiver, request } from './helpers.ts';

const generic = receiver('generic-hmac');
const payload = { repository: 'https://git.example.com/fleet.git', ref: 'refs/heads/main', revision: SHA_B, before: SHA_A, commits: 3, pusher: 'ci-bot' };

for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
  test(`a generic-hmac push signed with ${algorithm} is accepted`, async () => {
    // Prepare
    const intake = makeIntake([generic]);
    const body = JSON.stringify(payload);
    const headers = { 'Content-Type': 'application/json', 'X-Signature': `${algorithm}=${hmacHex(algorithm, TOKEN, body)}` };
    // Act
    const response = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
    // Assess
    assert.equal(response.status, 200);
    const detail = intake.bus.published[0]?.detail as Record<string, unknown>;
    assert.equal(detail.provider, 'generic-hmac');
    assert.equal(detail.revision, SHA_B);
    assert.equal(detail.commits, 3);
    assert.deepEqual((detail.repository as { urls: string[] }).urls, ['https://git.example.com/fleet.git']);
  });
}

const refusedSignatures: { name: string; signature: (body: string) => string }[] = [
  { name: 'a generic-hmac push with an md5 signature is refused', signature: (body) => `md5=${hmacHex('md5', TOKEN, body)}` },
  {
    name: 'a generic-hmac signature with an upper-case algorithm name is refused, as Flux refuses it',
    signature: (body) => `SHA256=${hmacHex('sha256', TOKEN, body)}`,
  },
  { name: 'a generic-hmac signature with blanks after the = is refused, as Flux refuses it', signature: (body) => `sha256= ${hmacHex('sha256', TOKEN, body)}` },
];
for (const c of refusedSignatures) {
  test(c.name, async () => {
    // Prepare
    const intake = makeIntake([generic]);
    const body = JSON.stringify(payload);
    // Act
    const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json', 'X-Signature': c.signature(body) }, body), intake.deps);
    // Assess
    assert.equal(response.status, 401);
  });
}

test('a generic-hmac push without X-Signature is refused with 401', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  // Act
  const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json' }, body), intake.deps);
  // Assess
  assert.equal(response.status, 401);
  assert.match(JSON.parse(response.body).reason, /X-Signature/);
});

const signed = (body: string | Buffer, extra: Record<string, string> = {}): Record<string, string> => ({
  'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}`,
  ...extra,
});
const RESOURCES_ONLY = /the body names no push/;

test('a generic-hmac request with a signed empty object asks to reconcile the receiver resources', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  // Act
  const response = await handleWebhook(request(pathOf(generic), signed('{}', { 'Content-Type': 'application/json' }), '{}'), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(JSON.parse(response.body).status, 'accepted');
  assert.match(JSON.parse(response.body).note, RESOURCES_ONLY);
  const detail = intake.bus.published[0]?.detail;
  assert.deepEqual(detail?.resources, [{ kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' }]);
  assert.equal(detail?.provider, 'generic-hmac');
  for (const field of ['repository', 'ref', 'revision', 'before', 'commits', 'pusher']) assert.equal(Object.hasOwn(detail ?? {}, field), false, field);
});

test('a generic-hmac request whose signed body is not JSON is accepted, whatever its content type', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = 'deploy please \u0000\u00ff';
  // Act
  const response = await handleWebhook(request(pathOf(generic), signed(body, { 'Content-Type': 'text/plain' }), body), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
  assert.equal(intake.bus.published[0]?.detail.revision, undefined);
});

test('a generic-hmac request with a signed empty body is accepted', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  // Act
  const response = await handleWebhook(request(pathOf(generic), signed(''), ''), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.equal(intake.bus.published.length, 1);
});

for (const body of ['null', '[1,2]', '"text"', '42', '{"event":"release","tag":"v1"}']) {
  test(`a generic-hmac request with the signed JSON ${body} asks to reconcile the receiver resources`, async () => {
    // Prepare
    const intake = makeIntake([generic]);
    // Act
    const response = await handleWebhook(request(pathOf(generic), signed(body, { 'Content-Type': 'application/json' }), body), intake.deps);
    // Assess
    assert.equal(response.status, 200);
    assert.equal(intake.bus.published[0]?.detail.ref, undefined);
  });
}

test('a generic-hmac body naming an incomplete push is accepted as a plain trigger, the note naming the field', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = JSON.stringify({ repository: payload.repository, ref: 'refs/heads/main' });
  // Act
  const response = await handleWebhook(request(pathOf(generic), signed(body, { 'Content-Type': 'application/json' }), body), intake.deps);
  // Assess
  assert.equal(response.status, 200);
  assert.match(JSON.parse(response.body).note, /revision/);
  const detail = intake.bus.published[0]?.detail;
  assert.equal(detail?.repository, undefined);
  assert.equal(detail?.ref, undefined);
  assert.equal(detail?.resources.length, 1);
});

test('a generic-hmac push named in the body also carries the receiver resources', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  // Act
  await handleWebhook(request(pathOf(generic), signed(body), body), intake.deps);
  // Assess
  const detail = intake.bus.published[0]?.detail;
  assert.equal(detail?.ref, 'refs/heads/main');
  assert.deepEqual(detail?.resources, [{ kind: 'GitRepository', name: 'fleet', namespace: 'flux-system' }]);
});

test('a generic-hmac request without a signature is refused with 401 whatever the body, and emits nothing', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  for (const body of ['{}', 'not json', '']) {
    // Act
    const response = await handleWebhook(request(pathOf(generic), { 'Content-Type': 'application/json' }, body), intake.deps);
    // Assess
    assert.equal(response.status, 401);
  }
  // Assess
  assert.equal(intake.bus.published.length, 0);
});

test('a generic-hmac request signed with another token is refused with 401 and emits nothing', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  // Act
  const response = await handleWebhook(request(pathOf(generic), { 'X-Signature': `sha256=${hmacHex('sha256', 'another-token', '{}')}` }, '{}'), intake.deps);
  // Assess
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('a generic-hmac signature over another body is refused with 401', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  // Act
  const response = await handleWebhook(request(pathOf(generic), signed('{}'), '{ }'), intake.deps);
  // Assess
  assert.equal(response.status, 401);
  assert.equal(intake.bus.published.length, 0);
});

test('the same bare generic-hmac trigger sent again later is a new request, not a duplicate', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  // Act
  const first = await handleWebhook(request(pathOf(generic), signed('{}'), '{}'), intake.deps);
  intake.clock.advance(1000);
  const second = await handleWebhook(request(pathOf(generic), signed('{}'), '{}'), intake.deps);
  // Assess
  assert.equal(JSON.parse(first.body).status, 'accepted');
  assert.equal(JSON.parse(second.body).status, 'accepted');
  assert.equal(intake.bus.published.length, 2);
  assert.notEqual(intake.bus.published[0]?.detail.deliveryId, intake.bus.published[1]?.detail.deliveryId);
});

test('a bare generic-hmac trigger sent twice with the same X-Delivery-Id is emitted once', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const headers = signed('{}', { 'X-Delivery-Id': 'ci-run-7' });
  // Act
  await handleWebhook(request(pathOf(generic), headers, '{}'), intake.deps);
  intake.clock.advance(1000);
  const second = await handleWebhook(request(pathOf(generic), headers, '{}'), intake.deps);
  // Assess
  assert.equal(JSON.parse(second.body).status, 'duplicate');
  assert.equal(intake.bus.published.length, 1);
  assert.equal(intake.bus.published[0]?.detail.deliveryId, 'ci-run-7');
});

test('the event lists every receiver resource, namespace defaulted to the receiver and matchLabels kept', async () => {
  // Prepare
  const many = receiver('generic-hmac', {
    namespace: 'apps',
    resources: [
      { kind: 'GitRepository', name: 'fleet' },
      { kind: 'Kustomization', name: 'web', namespace: 'shop' },
      { kind: 'GitRepository', name: '*', matchLabels: { team: 'payments' } },
    ],
  });
  const intake = makeIntake([many]);
  // Act
  await handleWebhook(request(pathOf(many), signed('{}'), '{}'), intake.deps);
  // Assess
  assert.deepEqual(intake.bus.published[0]?.detail.resources, [
    { kind: 'GitRepository', name: 'fleet', namespace: 'apps' },
    { kind: 'Kustomization', name: 'web', namespace: 'shop' },
    { kind: 'GitRepository', name: '*', namespace: 'apps', matchLabels: { team: 'payments' } },
  ]);
});

test('a generic-hmac delivery without an id header is deduplicated by its body digest', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = JSON.stringify(payload);
  const headers = { 'Content-Type': 'application/json', 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` };
  // Act
  const first = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  const second = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  // Assess
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(JSON.parse(second.body).status, 'duplicate');
  assert.equal(intake.bus.published.length, 1);
  assert.match(intake.bus.published[0]?.detail.deliveryId ?? '', /^sha256:[0-9a-f]{64}$/);
});

test('a generic-hmac push of the all-zero revision (a deletion) emits nothing', async () => {
  // Prepare
  const intake = makeIntake([generic]);
  const body = JSON.stringify({ ...payload, revision: ZERO });
  const headers = { 'Content-Type': 'application/json', 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, body)}` };
  // Act
  const response = await handleWebhook(request(pathOf(generic), headers, body), intake.deps);
  // Assess
  assert.equal(response.status, 202);
  assert.equal(intake.bus.published.length, 0);
});
