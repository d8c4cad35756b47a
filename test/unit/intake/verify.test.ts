import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { hmacHex, secretsEqual, verifyHexHmac, verifyPrefixedHmac, verifyStandardWebhook } from '#shared/intake/verify.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

test('the HMAC-SHA256 of GitHub’s documented example matches its published signature', () => {
  // Prepare: the vector from GitHub's "Validating webhook deliveries" page.
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  // Act
  const digest = hmacHex('sha256', secret, body);
  // Assess
  assert.equal(digest, '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  assert.equal(verifyPrefixedHmac(`sha256=${digest}`, secret, body, ['sha256']), true);
});

test('a signature with one flipped hex digit is rejected', () => {
  // Prepare
  const body = Buffer.from('Hello, World!');
  const flipped = '857107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  // Act
  const result = verifyPrefixedHmac(`sha256=${flipped}`, "It's a Secret to Everybody", body, ['sha256']);
  // Assess
  assert.equal(result, false);
});

test('upper-case hex digits are accepted', () => {
  // Prepare
  const body = Buffer.from('x');
  const upper = hmacHex('sha256', 'k', body).toUpperCase();
  // Act
  const result = verifyHexHmac('sha256', 'k', body, upper);
  // Assess
  assert.equal(result, true);
});

test('truncated, non-hex or empty signatures are rejected without throwing', () => {
  // Prepare
  const body = Buffer.from('x');
  const good = hmacHex('sha256', 'k', body);
  for (const provided of [good.slice(0, 63), `${good}0`, 'zz'.repeat(32), '']) {
    // Act
    const result = verifyHexHmac('sha256', 'k', body, provided);
    // Assess
    assert.equal(result, false, provided);
  }
});

test('an algorithm outside the allowed list is rejected even with a correct digest', () => {
  // Prepare
  const body = Buffer.from('x');
  const sha1Signature = `sha1=${hmacHex('sha1', 'k', body)}`;
  // Act
  const result = verifyPrefixedHmac(sha1Signature, 'k', body, ['sha256']);
  // Assess
  assert.equal(result, false);
});

test('secretsEqual compares tokens of different lengths without throwing', () => {
  // Act
  const same = secretsEqual('abc', 'abc');
  const longer = secretsEqual('abc', 'abcd');
  const empty = secretsEqual('', 'abc');
  // Assess
  assert.deepEqual({ same, longer, empty }, { same: true, longer: false, empty: false });
});

function standardSignature(key: Buffer | string, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

test('a Standard Webhooks signature with a whsec_ secret verifies with the decoded key', () => {
  // Prepare
  const key = Buffer.alloc(32, 7);
  const secret = `whsec_${key.toString('base64')}`;
  const timestamp = String(NOW / 1000);
  // Act
  const result = verifyStandardWebhook({
    secret,
    id: 'msg_1',
    timestamp,
    signatures: standardSignature(key, 'msg_1', timestamp, '{}'),
    body: Buffer.from('{}'),
    nowMs: NOW,
    toleranceMs: 300_000,
  });
  // Assess
  assert.deepEqual(result, { ok: true });
});

test('one matching entry among several space-separated signatures is enough', () => {
  // Prepare
  const timestamp = String(NOW / 1000);
  const signatures = `v1,AAAA v2,whatever ${standardSignature('plain-secret', 'id', timestamp, 'b')}`;
  // Act
  const result = verifyStandardWebhook({ secret: 'plain-secret', id: 'id', timestamp, signatures, body: Buffer.from('b'), nowMs: NOW, toleranceMs: 300_000 });
  // Assess
  assert.equal(result.ok, true);
});

test('a Standard Webhooks signature older than the tolerance is rejected', () => {
  // Prepare
  const timestamp = String(NOW / 1000 - 301);
  // Act
  const result = verifyStandardWebhook({
    secret: 's',
    id: 'id',
    timestamp,
    signatures: standardSignature('s', 'id', timestamp, 'b'),
    body: Buffer.from('b'),
    nowMs: NOW,
    toleranceMs: 300_000,
  });
  // Assess
  assert.equal(result.ok, false);
});

test('a signature computed for another webhook-id is rejected', () => {
  // Prepare
  const timestamp = String(NOW / 1000);
  // Act
  const result = verifyStandardWebhook({
    secret: 's',
    id: 'id-2',
    timestamp,
    signatures: standardSignature('s', 'id-1', timestamp, 'b'),
    body: Buffer.from('b'),
    nowMs: NOW,
    toleranceMs: 300_000,
  });
  // Assess
  assert.equal(result.ok, false);
});
