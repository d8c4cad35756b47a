/**
 * EKS `DescribeCluster`: how to reach a registered EKS cluster (its API endpoint and CA) when the
 * cluster record leaves them out. The kube engine caches the answer per process.
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromAwsError } from '#shared/errors/aws.ts';
import { InvalidInputError, TransientError } from '#shared/errors/index.ts';
import { resolveAwsCredentials } from './eks-token.ts';

/** What `DescribeCluster` tells about reaching a cluster. */
export interface EksClusterAccess {
  endpoint: string;
  caData?: string;
}

/** The EKS cluster to look up, as a cluster record names it. */
export interface EksClusterLookup {
  clusterName: string;
  region: string;
  roleArn?: string | undefined;
}

/**
 * Asks EKS for the endpoint and CA of `cluster` (with the record's role when it names one).
 * Errors name the record; a cluster still being created is a TransientError.
 */
export async function fetchEksClusterAccess(
  recordName: string,
  cluster: EksClusterLookup,
  endpoints: { eksEndpoint?: string | undefined; stsEndpoint?: string | undefined } = {},
): Promise<EksClusterAccess> {
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
