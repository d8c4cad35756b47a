// EKS cluster records reach AWS only through the EKS port: described when the record lacks the
// endpoint or CA, a token minted through the port and reused while it is fresh, and refused when
// the process has no EKS access.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { endpointFromClusterRecord } from '#shared/kube/index.ts';
import type { Clock, EksAccess, EksClusterRef } from '#shared/ports/index.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** An EKS port that records its calls and mints numbered tokens. */
function recordingEks(): EksAccess & { described: string[]; minted: { cluster: EksClusterRef; now: Date }[] } {
  const described: string[] = [];
  const minted: { cluster: EksClusterRef; now: Date }[] = [];
  return {
    described,
    minted,
    describeCluster: async (recordName, cluster) => {
      described.push(`${recordName}/${cluster.clusterName}`);
      return { endpoint: 'https://described.example', caData: Buffer.from(CA_PEM).toString('base64') };
    },
    token: async (cluster, now) => {
      minted.push({ cluster, now });
      return `token-${minted.length}`;
    },
  };
}

function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

const record = (access: Record<string, unknown>): Parameters<typeof endpointFromClusterRecord>[0] => ({
  name: 'prod',
  labels: {},
  access: { type: 'eks', clusterName: 'prod-eks', region: 'eu-west-1', ...access } as never,
});

test('an EKS record is refused naming the record when the process has no EKS access', async () => {
  // Prepare
  const eksRecord = record({ endpoint: 'https://own.example', caData: Buffer.from(CA_PEM).toString('base64') });
  // Act
  const attempt = endpointFromClusterRecord(eksRecord, {});
  // Assess
  await assert.rejects(
    attempt,
    (error: unknown) =>
      error instanceof InvalidInputError && /^cluster prod is an EKS cluster, and this process has no EKS access configured$/.test(error.message),
  );
});

test('an EKS record with its own endpoint and CA is reached without DescribeCluster', async () => {
  // Prepare
  const eks = recordingEks();
  const eksRecord = record({ endpoint: 'https://own.example/', caData: Buffer.from(CA_PEM).toString('base64') });
  // Act
  const endpoint = await endpointFromClusterRecord(eksRecord, { eks });
  // Assess
  assert.deepEqual({ server: endpoint.server, ca: endpoint.ca, described: eks.described }, { server: 'https://own.example', ca: CA_PEM, described: [] });
});

test('an EKS record without an endpoint takes it from the port, by the cluster name in its ARN', async () => {
  // Prepare
  const eks = recordingEks();
  const eksRecord = record({ clusterName: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod-eks' });
  // Act
  const endpoint = await endpointFromClusterRecord(eksRecord, { eks });
  // Assess
  assert.deepEqual({ server: endpoint.server, described: eks.described }, { server: 'https://described.example', described: ['prod/prod-eks'] });
});

test('the EKS token is minted through the port for the role, reused for 10 minutes, then minted again', async () => {
  // Prepare
  const eks = recordingEks();
  const clock = manualClock(Date.parse('2026-03-04T05:00:00Z'));
  const endpoint = await endpointFromClusterRecord(record({ endpoint: 'https://own.example', roleArn: 'arn:aws:iam::123456789012:role/apply' }), {
    eks,
    clock,
  });
  const token = endpoint.token as () => Promise<string>;
  // Act
  const first = await token();
  clock.advance(9 * 60_000);
  const reused = await token();
  clock.advance(2 * 60_000);
  const renewed = await token();
  // Assess
  assert.deepEqual([first, reused, renewed], ['token-1', 'token-1', 'token-2']);
  assert.deepEqual(eks.minted[0], {
    cluster: { clusterName: 'prod-eks', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/apply' },
    now: new Date('2026-03-04T05:00:00Z'),
  });
});
