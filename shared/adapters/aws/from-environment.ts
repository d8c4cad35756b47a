/**
 * AWS adapters on SDK clients built from the default configuration: region and credentials come
 * from the environment (the Lambda role, `AWS_REGION`, a profile), as the SDK resolves them. Code
 * outside the adapters (the alerts runtime, the CLI) builds its AWS adapters here, so it never
 * imports the SDK itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ThreadStore } from '#shared/alerts/thread-store.ts';
import type { ArtifactStore, Clock, EventBus, SecretStore, StatusStore, TtlStore } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { DynamoDbStatusStore } from './dynamodb-status-store.ts';
import { DynamoDbThreadStore } from './dynamodb-thread-store.ts';
import { DynamoDbTtlStore } from './dynamodb-ttl-store.ts';
import { EventBridgeBus } from './eventbridge-bus.ts';
import { S3ArtifactStore } from './s3-artifact-store.ts';
import { SecretsManagerSecretStore, type SecretsManagerStoreOptions } from './secrets-manager-store.ts';

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

/** A Secrets Manager secret store. */
export function secretsManagerSecretStore(options: SecretsManagerStoreOptions = {}, settings: AwsClientSettings = {}): SecretStore {
  return new SecretsManagerSecretStore(new SecretsManagerClient(clientConfig(settings)), options);
}

/** The alerts' dedup records and Slack threads, sharing one DynamoDB table (key `pk`, TTL `expiresAt`) and client. */
export function dynamoDbAlertStores(table: string, clock: Clock = systemClock, settings: AwsClientSettings = {}): { dedup: TtlStore; threads: ThreadStore } {
  const client = new DynamoDBClient(clientConfig(settings));
  return { dedup: new DynamoDbTtlStore(client, table, { clock }), threads: new DynamoDbThreadStore(client, table, clock) };
}

/** The status store in a DynamoDB table (see DynamoDbStatusStore for its key schema). */
export function dynamoDbStatusStore(table: string, clock: Clock = systemClock, settings: AwsClientSettings = {}): StatusStore {
  return new DynamoDbStatusStore(new DynamoDBClient(clientConfig(settings)), table, { clock });
}

/** An EventBridge bus publisher. */
export function eventBridgeBus(busName: string, clock: Clock = systemClock, settings: AwsClientSettings = {}): EventBus {
  return new EventBridgeBus(new EventBridgeClient(clientConfig(settings)), busName, { clock });
}

/** An artifact store on an S3 bucket (bundles and the fleet snapshot). */
export function s3ArtifactStore(bucket: string, settings: AwsClientSettings = {}): ArtifactStore {
  return new S3ArtifactStore(new S3Client(clientConfig(settings)), bucket);
}
