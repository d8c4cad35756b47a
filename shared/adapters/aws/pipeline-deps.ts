/**
 * The pipeline's dependencies in AWS: EventBridge, S3, DynamoDB, Secrets Manager and EKS adapters
 * behind the ports, built once per container from the environment and reused while warm.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IsomorphicGitSource } from '#shared/git/index.ts';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import type { PipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import { ClusterClients } from '#shared/pipeline/clusters.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { systemClock, type Logger } from '#shared/ports/index.ts';
import { DynamoDbStatusStore } from './dynamodb-status-store.ts';
import { AwsEksAccess } from './eks-cluster.ts';
import { AwsKmsDecrypter } from './kms-decrypt.ts';
import { EventBridgeBus } from './eventbridge-bus.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';
import { SecretsManagerClusterRegistry } from './secrets-manager-cluster-registry.ts';
import { SecretsManagerSecretStore } from './secrets-manager-store.ts';

/**
 * Builds the pipeline's dependencies for the function's settings (read with
 * `readPipelineEnvironment`). `traced` wraps each SDK client once it is made (the functions pass their tracer's).
 */
export function loadPipelineDeps(config: PipelineEnvironment, logger: Logger, traced: <T>(client: T) => T = (client) => client): PipelineDeps {
  const secretsManager = traced(new SecretsManagerClient({}));
  const artifacts = new S3ArtifactStore(traced(new S3Client({})), config.artifactBucket);
  const clusters = new SecretsManagerClusterRegistry(secretsManager, { prefix: config.secretsPrefix });
  return {
    bus: new EventBridgeBus(traced(new EventBridgeClient({})), config.busName),
    git: new IsomorphicGitSource({ cacheDir: config.gitCacheDir, clock: systemClock }),
    artifacts,
    status: new DynamoDbStatusStore(traced(new DynamoDBClient({})), config.statusTable),
    secrets: new SecretsManagerSecretStore(secretsManager, { prefix: config.secretsPrefix }),
    clusters,
    fleet: new FleetStore(artifacts),
    // EKS records are reached with the function role's IAM identity (or the record's role).
    kms: new AwsKmsDecrypter({ clientFor: (region) => traced(new KMSClient({ region })) }),
    kube: new ClusterClients({ clusters, clock: systemClock, connection: { eks: new AwsEksAccess() } }),
    clock: systemClock,
    logger,
    bootstrap: config.bootstrap,
    shardSize: config.shardSize,
  };
}
