// The local secrets file: values read exactly as written, and Kubernetes Secret manifests accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSecretsFile } from '#shared/adapters/local/local-secret-store.ts';
import { assertRefusedWithout } from '#test/support/invalid-input.ts';

test('unquoted tokens that look like numbers or booleans are read as written', () => {
  // Prepare
  const text = 'a/octal: 0123\na/float: 1234e5\na/hex: 0x1F\na/bool: yes\na/map:\n  token: 007\n';
  // Act
  const values = parseSecretsFile(text, 'secrets.yaml');
  // Assess
  assert.deepEqual(Object.fromEntries(values), { 'a/octal': '0123', 'a/float': '1234e5', 'a/hex': '0x1F', 'a/bool': 'yes', 'a/map': '{"token":"007"}' });
});

test('a Kubernetes Secret manifest is served under namespace/name, data decoded and stringData winning', () => {
  // Prepare
  const text = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: webhook-token',
    '  namespace: flux-system',
    'data:',
    `  token: ${Buffer.from('0123').toString('base64')}`,
    `  other: ${Buffer.from('x').toString('base64')}`,
    'stringData:',
    '  other: 1e3',
    '---',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: plain',
    'stringData:',
    '  address: https://hooks.example.com/x',
    '',
  ].join('\n');
  // Act
  const values = parseSecretsFile(text, 'secrets.yaml');
  // Assess
  assert.deepEqual(JSON.parse(values.get('flux-system/webhook-token') ?? ''), { token: '0123', other: '1e3' });
  assert.deepEqual(JSON.parse(values.get('default/plain') ?? ''), { address: 'https://hooks.example.com/x' });
});

test('a Secret whose data is not base64 is refused naming the Secret and key, not the value', () => {
  // Prepare
  const text = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  namespace: ns\ndata:\n  token: not*base64!value\n';
  // Act
  const attempt = (): unknown => parseSecretsFile(text, 'secrets.yaml');
  // Assess
  assertRefusedWithout(attempt, /Secret ns\/bad: data\.token is not base64/, 'not*base64');
});

test('a secrets file that does not parse is refused by line, its text in neither message nor cause', () => {
  // Prepare
  const text = 'a/token: hunter2-very-secret\n  bad: indent\n';
  // Act
  const attempt = (): unknown => parseSecretsFile(text, 'secrets.yaml');
  // Assess
  assertRefusedWithout(attempt, /line \d/, 'hunter2');
});
