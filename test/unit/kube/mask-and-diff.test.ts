// Secret masking and the line diff used by `tideline diff`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSecret, maskSecretPair } from '#shared/kube/index.ts';
import { scrubSecretValues } from '#shared/kube/mask.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { unifiedDiff } from '#shared/kube/textdiff.ts';

const secret = (data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'n', ...(annotations ? { annotations } : {}) },
  data,
});

test('equal Secret values are masked alike and changed ones distinctly, without any value left', () => {
  // Prepare
  const live = secret({ same: 'c2FtZQ==', changed: 'b2xk' });
  const desired = secret({ same: 'c2FtZQ==', changed: 'bmV3', added: 'YWRk' });
  // Act
  const [before, after] = maskSecretPair(live, desired);
  // Assess
  assert.deepEqual(before?.data, { same: '***', changed: '*** (before)' });
  assert.deepEqual(after?.data, { same: '***', changed: '*** (after)', added: '*** (after)' });
});

test('kubectl last-applied annotations on Secrets are masked too', () => {
  // Prepare
  const applied = secret({ a: 'eA==' }, { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a":"eA=="}}' });
  // Act
  const masked = maskSecret(applied);
  // Assess
  assert.doesNotMatch(JSON.stringify(masked), /eA==/);
  assert.ok(masked.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined, 'the annotation is kept, masked');
});

test('objects other than Secrets are not altered by masking', () => {
  // Prepare
  const config: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
  // Act
  const [masked] = maskSecretPair(config, undefined);
  // Assess
  assert.deepEqual(masked, config);
});

test('masking never mutates the Secret it is given', () => {
  // Prepare
  const original = secret({ a: 'eA==' });
  // Act
  maskSecretPair(original, undefined);
  // Assess
  assert.deepEqual(original.data, { a: 'eA==' });
});

test('the diff of equal texts is empty', () => {
  // Prepare
  const text = 'a\nb\nc\n';
  // Act
  const diff = unifiedDiff(text, text, { before: 'x', after: 'y' });
  // Assess
  assert.equal(diff, '');
});

test('the diff shows a changed line with the context asked for', () => {
  // Prepare
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
  // Act
  const diff = unifiedDiff(before, after, { before: 'live', after: 'new' }, 1);
  // Assess
  assert.equal(diff, '--- live\n+++ new\n@@\n d\n-e\n+E\n f\n');
});

test('a created object diffs as all additions', () => {
  // Act
  const diff = unifiedDiff('', 'a\nb\n', { before: 'x', after: 'y' });
  // Assess
  assert.equal(diff, '--- x\n+++ y\n@@\n+a\n+b\n');
});

test('a Secret value quoted in an error message is scrubbed, plain and encoded', () => {
  // Prepare
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    stringData: { token: 'tok-12345' },
    data: { key: Buffer.from('hunter22').toString('base64') },
  };
  // Act
  const message = scrubSecretValues(`Invalid value: "tok-12345" and "${Buffer.from('tok-12345').toString('base64')}" and hunter22`, object);
  // Assess
  assert.equal(message, 'Invalid value: "***" and "***" and ***');
});
