/**
 * The EKS port: what Tideline asks of AWS to reach an EKS cluster with IAM authentication — the
 * cluster's endpoint and CA, and a bearer token. The AWS adapter is in
 * `shared/adapters/aws/eks-cluster.ts`; local mode reaches clusters through kubeconfig contexts and
 * needs none.
 */

/** An EKS cluster as a cluster record names it. */
export interface EksClusterRef {
  /** The cluster's name (not its ARN). */
  clusterName: string;
  region: string;
  /** Role to assume first (a cluster in another account). */
  roleArn?: string | undefined;
}

/** How to reach a cluster's API server, as EKS `DescribeCluster` tells it. */
export interface EksClusterAccess {
  endpoint: string;
  /** Base64 PEM of the cluster CA. */
  caData?: string;
}

/** EKS access with IAM: describing clusters and minting their bearer tokens. */
export interface EksAccess {
  /**
   * The endpoint and CA of `cluster` (with its role when it names one). Errors name `recordName`:
   * NotFoundError for an unknown cluster, TransientError for one still being created.
   */
  describeCluster(recordName: string, cluster: EksClusterRef): Promise<EksClusterAccess>;
  /** A bearer token for `cluster`, signed at `now` (EKS accepts it for 15 minutes). */
  token(cluster: EksClusterRef, now: Date): Promise<string>;
}
