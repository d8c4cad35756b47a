/**
 * The pipeline's dependencies in AWS, in pieces: each function takes the pieces its engine uses
 * (see git-deps.ts, cluster-deps.ts and kms-deps.ts beside this one), so its bundle carries no
 * adapter, SDK client or library it never calls (apply has no Git, source no cluster client).
 * Built once per container from the environment and reused while warm.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { systemClock, type Logger } from '#shared/ports/index.ts';
import { DynamoDbStatusStore } from './dynamodb-status-store.ts';
import { EventBridgeBus } from './eventbridge-bus.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';

/** One container's settings and tracing, and the Secrets Manager client its adapters share. */
export interface AwsPipelineContext {
  readonly config: PipelineEnvironment;
  readonly logger: Logger;
  /** Wraps each SDK client once it is made (the functions pass their tracer's). */
  readonly traced: <T>(client: T) => T;
  /** Secrets Manager holds both the source credentials and the cluster records. */
  readonly secretsManager: SecretsManagerClient;
}

/** The context of a container whose settings were read with `readPipelineEnvironment`. */
export function awsPipelineContext(config: PipelineEnvironment, logger: Logger, traced: <T>(client: T) => T = (client) => client): AwsPipelineContext {
  return { config, logger, traced, secretsManager: traced(new SecretsManagerClient({})) };
}

/** What every pipeline engine uses: the bus, the bundle bucket and the fleet snapshot in it, the status table. */
export type CoreDeps = Pick<PipelineDeps, 'bus' | 'artifacts' | 'status' | 'fleet' | 'clock' | 'logger' | 'bootstrap' | 'shardSize'>;

/** The adapters of {@link CoreDeps} on EventBridge, S3 and DynamoDB. */
export function coreDeps({ config, logger, traced }: AwsPipelineContext): CoreDeps {
  const artifacts = new S3ArtifactStore(traced(new S3Client({})), config.artifactBucket);
  return {
    bus: new EventBridgeBus(traced(new EventBridgeClient({})), config.busName),
    artifacts,
    status: new DynamoDbStatusStore(traced(new DynamoDBClient({})), config.statusTable),
    fleet: new FleetStore(artifacts),
    clock: systemClock,
    logger,
    bootstrap: config.bootstrap,
    shardSize: config.shardSize,
  };
}
