import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSecretValue } from '#shared/config/secret-value.ts';

test('a JSON secret value gives its string data keys and ignores other members', () => {
  // Act
  const value = parseSecretValue('{"token":"t0k","address":"https://hooks.example/x","ttl":5}', 'ns/s');
  // Assess
  assert.deepEqual(value, {
    kind: 'data',
    data: { token: 't0k', address: 'https://hooks.example/x' },
  });
});

test('a bare secret value is returned as it is', () => {
  // Act
  const value = parseSecretValue('plain-token', 'ns/s');
  // Assess
  assert.deepEqual(value, { kind: 'bare', value: 'plain-token' });
});

test('a secret that looks like JSON but does not parse is refused without quoting its content', () => {
  // Prepare
  const secret = '{"token": "hunter2-very-secret",';
  // Act
  const attempt = (): unknown => parseSecretValue(secret, 'flux-system/slack');
  // Assess
  assert.throws(attempt, (error: unknown) => {
    const text = `${(error as Error).message} ${String((error as Error).cause ?? '')}`;
    return /secret flux-system\/slack: looks like JSON but does not parse/.test(text) && !text.includes('hunter2');
  });
});

test('only a JSON object is read as data: other text, JSON arrays included, is a bare value', () => {
  // Act
  const value = parseSecretValue('["a"]', 'ns/s');
  // Assess
  assert.deepEqual(value, { kind: 'bare', value: '["a"]' });
});
