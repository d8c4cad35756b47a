/**
 * webhook-intake: Git host webhooks (API Gateway HTTP API or Function URL, payload 2.0) become
 * GitPushReceived events on the EventBridge bus. Everything but the wiring lives in shared/intake.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { EventBridgeBus } from '#shared/adapters/aws/eventbridge-bus.ts';
import { SecretsManagerSecretStore } from '#shared/adapters/aws/secrets-manager-store.ts';
import { ReceiverDirectory, handleApiGatewayV2, readIntakeEnvironment } from '#shared/intake/index.ts';
import type { IntakeDeps } from '#shared/intake/index.ts';
import { systemClock } from '#shared/ports/index.ts';

// Module scope: parsed and connected once per container, reused by every warm invocation.
const config = readIntakeEnvironment(process.env);
const logger = new Logger({ serviceName: 'webhook-intake' });
const secrets = new SecretsManagerSecretStore(new SecretsManagerClient({}), { prefix: config.secretsPrefix, ttlMs: config.secretsTtlMs });
const deps: IntakeDeps = {
  receivers: new ReceiverDirectory(config.receivers, secrets, { clock: systemClock, logger }),
  bus: new EventBridgeBus(new EventBridgeClient({}), config.busName),
  deliveries: new DynamoDbTtlStore(new DynamoDBClient({}), config.deliveriesTable),
  clock: systemClock,
  logger,
  inProgressTtlMs: config.inProgressTtlMs,
};

/** Lambda entry point. */
export const handler = async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.resetKeys();
  logger.appendKeys({ correlation_id: event.requestContext?.requestId, ...(context ? { function_request_id: context.awsRequestId } : {}) });
  return handleApiGatewayV2(event, deps);
};
