/**
 * The AWS adapter of the EKS port ({@link EksAccess}): `DescribeCluster` for a registered cluster's
 * API endpoint and CA when the record leaves them out, and IAM bearer tokens signed with the
 * credentials of the default chain or of the record's role (STS AssumeRole).
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromAwsError } from '#shared/errors/aws.ts';
import { InvalidInputError, TransientError } from '#shared/errors/index.ts';
import type { EksAccess, EksClusterAccess, EksClusterRef } from '#shared/ports/index.ts';
import { makeEksToken, resolveAwsCredentials } from './eks-token.ts';

/** AWS API endpoints to use instead of the regional ones (moto in tests). */
export interface AwsEksEndpoints {
  /** STS, for role assumption. */
  stsEndpoint?: string | undefined;
  /** EKS, for `DescribeCluster`. */
  eksEndpoint?: string | undefined;
}

/**
 * EKS through the AWS SDK. Keep one per process: it remembers what `DescribeCluster` answered — a
 * cluster's endpoint and CA live as long as the cluster, and a warm function connects to the same
 * clusters again and again — but not a failed lookup, so the next connection asks again.
 */
export class AwsEksAccess implements EksAccess {
  private readonly endpoints: AwsEksEndpoints;
  private readonly described = new Map<string, Promise<EksClusterAccess>>();

  constructor(endpoints: AwsEksEndpoints = {}) {
    this.endpoints = endpoints;
  }

  describeCluster(recordName: string, cluster: EksClusterRef): Promise<EksClusterAccess> {
    // The role picks the account, so two accounts' clusters of the same name stay apart.
    const key = JSON.stringify([cluster.region, cluster.roleArn ?? '', cluster.clusterName]);
    let lookup = this.described.get(key);
    if (!lookup) {
      lookup = fetchEksClusterAccess(recordName, cluster, this.endpoints);
      this.described.set(key, lookup);
      lookup.catch(() => this.described.delete(key));
    }
    return lookup;
  }

  async token(cluster: EksClusterRef, now: Date): Promise<string> {
    const credentials = await resolveAwsCredentials(cluster.region, cluster.roleArn, this.endpoints.stsEndpoint);
    return makeEksToken({ clusterName: cluster.clusterName, region: cluster.region, credentials, now });
  }
}

/**
 * Asks EKS for the endpoint and CA of `cluster` (with the record's role when it names one).
 * Errors name the record; a cluster still being created is a TransientError.
 */
export async function fetchEksClusterAccess(recordName: string, cluster: EksClusterRef, endpoints: AwsEksEndpoints = {}): Promise<EksClusterAccess> {
  const where = `cluster ${recordName}: EKS cluster ${cluster.clusterName} in ${cluster.region}`;
  const credentials = await resolveAwsCredentials(cluster.region, cluster.roleArn, endpoints.stsEndpoint);
  const eks = new EKSClient({ region: cluster.region, credentials, ...(endpoints.eksEndpoint ? { endpoint: endpoints.eksEndpoint } : {}) });
  let described;
  try {
    described = (await eks.send(new DescribeClusterCommand({ name: cluster.clusterName }))).cluster;
  } catch (error) {
    throw fromAwsError(error, `${where}: EKS DescribeCluster`, { notFound: `${where} does not exist` });
  } finally {
    eks.destroy();
  }
  if (!described?.endpoint) {
    const status = described?.status ?? 'unknown';
    // A cluster being created gets its endpoint within minutes: worth retrying, unlike a failed one.
    if (status === 'CREATING' || status === 'UPDATING') throw new TransientError(`${where} has no endpoint yet (status ${status})`);
    throw new InvalidInputError(`${where} has no API endpoint (status ${status})`);
  }
  const result: EksClusterAccess = { endpoint: described.endpoint };
  if (described.certificateAuthority?.data) result.caData = described.certificateAuthority.data;
  return result;
}
