// The EKS IAM token format, with fixed credentials and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEksToken, EKS_TOKEN_PREFIX } from '#shared/adapters/aws/eks-token.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = new Date('2026-03-04T05:06:07Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

test('the token is k8s-aws-v1. plus unpadded base64url of a presigned STS GetCallerIdentity URL', async () => {
  // Act
  const token = await makeEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now });
  // Assess
  assert.ok(token.startsWith('k8s-aws-v1.'));
  assert.doesNotMatch(token.slice(EKS_TOKEN_PREFIX.length), /[=+/]/);
  const url = decode(token);
  assert.equal(url.origin, 'https://sts.eu-west-1.amazonaws.com');
  assert.equal(url.searchParams.get('Action'), 'GetCallerIdentity');
  assert.equal(url.searchParams.get('Version'), '2011-06-15');
  assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(url.searchParams.get('X-Amz-Credential'), 'AKIDEXAMPLE/20260304/eu-west-1/sts/aws4_request');
  assert.equal(url.searchParams.get('X-Amz-Date'), '20260304T050607Z');
  assert.equal(url.searchParams.get('X-Amz-Expires'), '60');
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
  assert.match(url.searchParams.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
});

test('the same credentials, cluster and clock make the same token', async () => {
  // Act
  const a = await makeEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now });
  const b = await makeEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now });
  // Assess
  assert.equal(a, b);
});

test('the signature is bound to the cluster name', async () => {
  // Act
  const prod = await makeEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now });
  const staging = await makeEksToken({ clusterName: 'staging', region: 'eu-west-1', credentials, now });
  // Assess
  assert.notEqual(decode(prod).searchParams.get('X-Amz-Signature'), decode(staging).searchParams.get('X-Amz-Signature'));
});

test('a session token travels as X-Amz-Security-Token', async () => {
  // Act
  const token = await makeEksToken({ clusterName: 'prod', region: 'us-east-1', credentials: { ...credentials, sessionToken: 'SESSION' }, now });
  // Assess
  assert.equal(decode(token).searchParams.get('X-Amz-Security-Token'), 'SESSION');
});
