// EKS cluster records: the IAM token is minted with credentials from STS, and a record without
// endpoint or CA is completed from EKS DescribeCluster (moto stands in for AWS).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateClusterCommand, DeleteClusterCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AwsEksAccess } from '#shared/adapters/aws/eks-cluster.ts';
import { EKS_TOKEN_PREFIX } from '#shared/adapters/aws/eks-token.ts';
import { endpointFromClusterRecord } from '#shared/kube/index.ts';
import { NotFoundError } from '#shared/errors/index.ts';
import { getTestEnv } from '#test/env/index.ts';

test('an EKS record yields the cluster endpoint, its CA and a token signed with the assumed role', async () => {
  // Prepare
  const env = await getTestEnv();
  process.env.AWS_ACCESS_KEY_ID = env.moto.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.moto.credentials.secretAccessKey;
  const record = {
    name: 'prod',
    labels: {},
    access: {
      type: 'eks' as const,
      clusterName: 'arn:aws:eks:us-east-1:123456789012:cluster/prod-eks',
      region: env.moto.region,
      endpoint: env.kube.server,
      caData: env.kube.caData,
      roleArn: 'arn:aws:iam::123456789012:role/tideline-apply',
    },
  };
  // Act
  const endpoint = await endpointFromClusterRecord(record, { eks: new AwsEksAccess({ stsEndpoint: env.moto.endpoint }) });
  const token = typeof endpoint.token === 'function' ? await endpoint.token() : endpoint.token;
  // Assess
  assert.equal(endpoint.server, env.kube.server);
  assert.match(endpoint.ca ?? '', /BEGIN CERTIFICATE/);
  assert.ok(token?.startsWith(EKS_TOKEN_PREFIX));
  const url = new URL(Buffer.from((token ?? '').slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
  assert.notEqual(
    url.searchParams.get('X-Amz-Credential')?.split('/')[0],
    env.moto.credentials.accessKeyId,
    'signed with the assumed role, not the base credentials',
  );
  assert.ok(url.searchParams.get('X-Amz-Security-Token'));
});

/** Creates a cluster in moto's EKS and answers what DescribeCluster says of it. */
async function createEksCluster(t: TestContext, name: string): Promise<{ endpoint: string; caData: string }> {
  const env = await getTestEnv();
  const eks = new EKSClient({ endpoint: env.moto.endpoint, region: env.moto.region, credentials: env.moto.credentials });
  t.after(() => eks.destroy());
  await eks.send(new CreateClusterCommand({ name, roleArn: 'arn:aws:iam::123456789012:role/eks-cluster', resourcesVpcConfig: { subnetIds: [] } }));
  const cluster = (await eks.send(new DescribeClusterCommand({ name }))).cluster;
  assert.ok(cluster?.endpoint && cluster.certificateAuthority?.data, 'moto describes the cluster with an endpoint and a CA');
  // The endpoint as Tideline uses it: without moto's trailing slash.
  return { endpoint: cluster.endpoint.replace(/\/+$/, ''), caData: cluster.certificateAuthority.data };
}

/** The cluster record `prod`, reached as an EKS cluster through `access`. */
function eksRecord(access: { clusterName: string; region: string; roleArn?: string; endpoint?: string }) {
  return { name: 'prod', labels: {}, access: { type: 'eks' as const, ...access } };
}

/** EKS and STS access through moto. */
function motoEks(env: Awaited<ReturnType<typeof getTestEnv>>): AwsEksAccess {
  return new AwsEksAccess({ stsEndpoint: env.moto.endpoint, eksEndpoint: env.moto.endpoint });
}

async function useMotoCredentials(): Promise<Awaited<ReturnType<typeof getTestEnv>>> {
  const env = await getTestEnv();
  process.env.AWS_ACCESS_KEY_ID = env.moto.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.moto.credentials.secretAccessKey;
  return env;
}

/** Moto's credentials in the environment and a fresh EKS cluster named `prefix` plus a random suffix, as DescribeCluster describes it. */
async function motoCluster(
  t: TestContext,
  prefix: string,
): Promise<{ env: Awaited<ReturnType<typeof getTestEnv>>; clusterName: string; described: { endpoint: string; caData: string } }> {
  const env = await useMotoCredentials();
  const clusterName = `${prefix}-${randomBytes(4).toString('hex')}`;
  const described = await createEksCluster(t, clusterName);
  return { env, clusterName, described };
}

test('an EKS record naming only the cluster gets endpoint and CA from DescribeCluster, and a token for that cluster', async (t) => {
  // Prepare
  const { env, clusterName, described } = await motoCluster(t, 'named');
  const record = eksRecord({ clusterName, region: env.moto.region, roleArn: 'arn:aws:iam::123456789012:role/tideline-apply' });
  // Act
  const endpoint = await endpointFromClusterRecord(record, { eks: motoEks(env) });
  const token = typeof endpoint.token === 'function' ? await endpoint.token() : endpoint.token;
  // Assess
  assert.equal(endpoint.server, described.endpoint);
  assert.equal(endpoint.ca, Buffer.from(described.caData, 'base64').toString('utf8'));
  assert.ok(token?.startsWith(EKS_TOKEN_PREFIX));
  const url = new URL(Buffer.from((token ?? '').slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
});

test('an EKS record given by ARN is looked up by the cluster name in the ARN', async (t) => {
  // Prepare
  const { env, clusterName, described } = await motoCluster(t, 'arn');
  const record = eksRecord({ clusterName: `arn:aws:eks:${env.moto.region}:123456789012:cluster/${clusterName}`, region: env.moto.region });
  // Act
  const endpoint = await endpointFromClusterRecord(record, { eks: motoEks(env) });
  // Assess
  assert.equal(endpoint.server, described.endpoint);
});

test('an EKS record with its own endpoint but no CA keeps its endpoint and takes the CA from DescribeCluster', async (t) => {
  // Prepare
  const { env, clusterName, described } = await motoCluster(t, 'partial');
  const record = eksRecord({ clusterName, region: env.moto.region, endpoint: 'https://private-endpoint.example:443/' });
  // Act
  const endpoint = await endpointFromClusterRecord(record, { eks: motoEks(env) });
  // Assess
  assert.deepEqual([endpoint.server, endpoint.ca], ['https://private-endpoint.example:443', Buffer.from(described.caData, 'base64').toString('utf8')]);
});

test('an EKS cluster is looked up once per EKS access: later connections reuse what DescribeCluster said', async (t) => {
  // Prepare
  const { env, clusterName, described } = await motoCluster(t, 'cached');
  const record = eksRecord({ clusterName, region: env.moto.region });
  const options = { eks: motoEks(env) };
  await endpointFromClusterRecord(record, options);
  const eks = new EKSClient({ endpoint: env.moto.endpoint, region: env.moto.region, credentials: env.moto.credentials });
  t.after(() => eks.destroy());
  await eks.send(new DeleteClusterCommand({ name: clusterName }));
  // Act
  const again = await endpointFromClusterRecord(record, options);
  // Assess
  assert.equal(again.server, described.endpoint);
});

test('an EKS record without an endpoint whose cluster does not exist is a NotFoundError naming it', async () => {
  // Prepare
  const env = await useMotoCredentials();
  const clusterName = `missing-${randomBytes(4).toString('hex')}`;
  const record = eksRecord({ clusterName, region: env.moto.region });
  // Act
  const attempt = endpointFromClusterRecord(record, { eks: motoEks(env) });
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) =>
      error instanceof NotFoundError && error.message.startsWith(`cluster prod: EKS cluster ${clusterName} in ${env.moto.region} does not exist`),
  );
});
