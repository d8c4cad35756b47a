/**
 * webhook-intake: Git host webhooks (API Gateway HTTP API or Function URL, payload 2.0) become
 * GitPushReceived events on the EventBridge bus. The Receivers are the bootstrap's and, with an
 * artifact bucket, those of the fleet snapshot (a commit adds one). The rest lives in shared/intake.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { instrument, observability } from '#functions/commons/index.ts';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { EventBridgeBus } from '#shared/adapters/aws/eventbridge-bus.ts';
import { S3ArtifactStore } from '#shared/adapters/aws/s3-artifact-store.ts';
import { SecretsManagerSecretStore } from '#shared/adapters/aws/secrets-manager-store.ts';
import { readIntakeEnvironment } from '#shared/config/environment/intake.ts';
import { handleApiGatewayV2 } from '#shared/intake/index.ts';
import { FleetConfiguration } from '#shared/pipeline/fleet-config.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { systemClock } from '#shared/ports/index.ts';

// Module scope: parsed and connected once per container, reused by every warm invocation.
const config = readIntakeEnvironment(process.env);
const tools = observability('webhook-intake');
const { logger, traced } = tools;
const secrets = new SecretsManagerSecretStore(traced(new SecretsManagerClient({})), { prefix: config.secretsPrefix, ttlMs: config.secretsTtlMs });
const fleet = config.artifactBucket ? new FleetStore(new S3ArtifactStore(traced(new S3Client({})), config.artifactBucket)) : undefined;
const configuration = new FleetConfiguration(fleet, { clock: systemClock, bootstrapReceivers: config.receivers, refreshMs: 30_000 });
const deps = {
  bus: new EventBridgeBus(traced(new EventBridgeClient({})), config.busName),
  deliveries: new DynamoDbTtlStore(traced(new DynamoDBClient({})), config.deliveriesTable),
  clock: systemClock,
  logger,
  inProgressTtlMs: config.inProgressTtlMs,
};

/** Lambda entry point. */
export const handler = instrument(
  tools,
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    handleApiGatewayV2(event, { ...deps, receivers: await configuration.receiverDirectory(secrets, { logger }) }),
  { correlationId: (event) => event.requestContext?.requestId },
);
