// Secret masking and the line diff used by `tideline diff`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSecret, maskSecretPair } from '#shared/kube/index.ts';
import { scrubSecretValues } from '#shared/kube/mask.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { unifiedDiff } from '#shared/kube/textdiff.ts';

const secret = (data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n', ...(annotations ? { annotations } : {}) }, data });

test('equal Secret values are masked alike and changed ones distinctly, without any value left', () => {
  const [before, after] = maskSecretPair(secret({ same: 'c2FtZQ==', changed: 'b2xk' }), secret({ same: 'c2FtZQ==', changed: 'bmV3', added: 'YWRk' }));
  assert.deepEqual(before?.data, { same: '***', changed: '*** (before)' });
  assert.deepEqual(after?.data, { same: '***', changed: '*** (after)', added: '*** (after)' });
});

test('kubectl last-applied annotations on Secrets are masked too', () => {
  const masked = maskSecret(secret({ a: 'eA==' }, { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a":"eA=="}}' }));
  assert.doesNotMatch(JSON.stringify(masked), /eA==/);
});

test('objects other than Secrets are not altered and inputs are never mutated', () => {
  const config: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
  const original = secret({ a: 'eA==' });
  maskSecretPair(original, undefined);
  assert.deepEqual(maskSecretPair(config, undefined)[0], config);
  assert.equal((original.data as Record<string, string>).a, 'eA==');
});

test('the diff shows changed lines with context and nothing for equal texts', () => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
  assert.equal(unifiedDiff(before, before, { before: 'x', after: 'y' }), '');
  assert.equal(unifiedDiff(before, after, { before: 'live', after: 'new' }, 1), '--- live\n+++ new\n@@\n d\n-e\n+E\n f\n');
});

test('a created object diffs as all additions', () => {
  assert.equal(unifiedDiff('', 'a\nb\n', { before: 'x', after: 'y' }), '--- x\n+++ y\n@@\n+a\n+b\n');
});

test('a Secret value quoted in an error message is scrubbed, plain and encoded', () => {
  const object: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { token: 'tok-12345' }, data: { key: Buffer.from('hunter22').toString('base64') } };
  const message = scrubSecretValues(`Invalid value: "tok-12345" and "${Buffer.from('tok-12345').toString('base64')}" and hunter22`, object);
  assert.equal(message, 'Invalid value: "***" and "***" and ***');
});
