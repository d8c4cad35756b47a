// EKS cluster records: the IAM token is minted with credentials from STS (moto stands in for AWS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointFromClusterRecord, EKS_TOKEN_PREFIX } from '#shared/kube/index.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { getTestEnv } from '#test/env/index.ts';

test('an EKS record yields the cluster endpoint, its CA and a token signed with the assumed role', async () => {
  // Prepare
  const env = await getTestEnv();
  process.env.AWS_ACCESS_KEY_ID = env.moto.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.moto.credentials.secretAccessKey;
  const record = {
    name: 'prod',
    labels: {},
    access: { type: 'eks' as const, clusterName: 'arn:aws:eks:us-east-1:123456789012:cluster/prod-eks', region: env.moto.region, endpoint: env.kube.server, caData: env.kube.caData, roleArn: 'arn:aws:iam::123456789012:role/tideline-apply' },
  };
  // Act
  const endpoint = await endpointFromClusterRecord(record, { stsEndpoint: env.moto.endpoint });
  const token = typeof endpoint.token === 'function' ? await endpoint.token() : endpoint.token;
  // Assess
  assert.equal(endpoint.server, env.kube.server);
  assert.match(endpoint.ca ?? '', /BEGIN CERTIFICATE/);
  assert.ok(token?.startsWith(EKS_TOKEN_PREFIX));
  const url = new URL(Buffer.from((token ?? '').slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
  assert.notEqual(url.searchParams.get('X-Amz-Credential')?.split('/')[0], env.moto.credentials.accessKeyId, 'signed with the assumed role, not the base credentials');
  assert.ok(url.searchParams.get('X-Amz-Security-Token'));
});

test('an EKS record without an endpoint is refused', async () => {
  // Prepare
  const record = { name: 'prod', labels: {}, access: { type: 'eks' as const, clusterName: 'prod', region: 'us-east-1' } };
  // Act
  const attempt = endpointFromClusterRecord(record);
  // Assess
  await assert.rejects(attempt, (error: unknown) => error instanceof InvalidInputError && /needs the cluster endpoint/.test(error.message));
});
