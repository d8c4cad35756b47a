/**
 * AWS adapters on SDK clients built from the default configuration: region and credentials come
 * from the environment (the Lambda role, `AWS_REGION`, a profile), as the SDK resolves them. Code
 * outside the adapters and functions (the CLI) builds its AWS adapters here, so it never
 * imports the SDK itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Clock, EventBus, StatusStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { DynamoDbStatusStore } from './dynamodb-status-store.ts';
import { EventBridgeBus } from './eventbridge-bus.ts';

/** Optional SDK client settings (an endpoint for moto or LocalStack, a region, static credentials). */
export interface AwsClientSettings {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

function clientConfig(settings: AwsClientSettings): AwsClientSettings {
  return {
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
}

/**
 * Client settings from the SDK's own variables in `env` (`AWS_ENDPOINT_URL`, `AWS_REGION` or
 * `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` [+ `AWS_SESSION_TOKEN`]);
 * what is absent is left to the SDK's default chain. Lets a caller that holds its environment as
 * a value (the CLI) pass it on.
 */
export function awsSettingsFrom(env: Readonly<Record<string, string | undefined>>): AwsClientSettings {
  const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return {
    ...(env['AWS_ENDPOINT_URL'] ? { endpoint: env['AWS_ENDPOINT_URL'] } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}

/** The status store in a DynamoDB table (see DynamoDbStatusStore for its key schema). */
export function dynamoDbStatusStore(table: string, clock: Clock = systemClock, settings: AwsClientSettings = {}): StatusStore {
  return new DynamoDbStatusStore(new DynamoDBClient(clientConfig(settings)), table, { clock });
}

/** An EventBridge bus publisher. */
export function eventBridgeBus(busName: string, clock: Clock = systemClock, settings: AwsClientSettings = {}): EventBus {
  return new EventBridgeBus(new EventBridgeClient(clientConfig(settings)), busName, { clock });
}
