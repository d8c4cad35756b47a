/** The clusters of the pipeline in AWS (render, apply, drift): records in Secrets Manager, EKS reached with IAM. */
import { ClusterClients } from '#shared/pipeline/clusters.ts';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import { systemClock } from '#shared/ports/index.ts';
import { AwsEksAccess } from './eks-cluster.ts';
import type { AwsPipelineContext } from './pipeline-deps.ts';
import { SecretsManagerClusterRegistry } from './secrets-manager-cluster-registry.ts';

/** The cluster registry and the clients of its clusters, reused while warm. */
export function clusterDeps({ config, secretsManager }: AwsPipelineContext): Pick<PipelineDeps, 'clusters' | 'kube'> {
  const clusters = new SecretsManagerClusterRegistry(secretsManager, { prefix: config.secretsPrefix });
  // EKS records are reached with the function role's IAM identity (or the record's role).
  return { clusters, kube: new ClusterClients({ clusters, clock: systemClock, connection: { eks: new AwsEksAccess() } }) };
}
