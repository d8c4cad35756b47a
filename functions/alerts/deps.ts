/**
 * Wiring of the alerts engine for the `alerts` function: the adapters chosen once per container
 * from its settings, and where the Alerts and Providers come from.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Observability } from '#functions/commons/index.ts';
import { DynamoDbThreadStore } from '#shared/adapters/aws/dynamodb-thread-store.ts';
import { DynamoDbTtlStore } from '#shared/adapters/aws/dynamodb-ttl-store.ts';
import { S3ArtifactStore } from '#shared/adapters/aws/s3-artifact-store.ts';
import { SecretsManagerSecretStore } from '#shared/adapters/aws/secrets-manager-store.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { MemoryThreadStore } from '#shared/adapters/local/memory-thread-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { buildAlertingConfig, loadAlertingConfig, type AlertingConfig } from '#shared/alerts/config.ts';
import type { AlertDeps } from '#shared/alerts/dispatch.ts';
import type { AlertsEnvironment } from '#shared/config/environment/alerts.ts';
import { readFleetDocuments } from '#shared/config/fleet.ts';
import { FleetConfiguration } from '#shared/pipeline/fleet-config.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { systemClock, type Clock } from '#shared/ports/index.ts';

/** The engine's dependencies for `environment`: AWS adapters on traced clients, unless local ones are configured. */
export async function loadAlertDeps(
  environment: AlertsEnvironment,
  tools: Pick<Observability, 'logger' | 'traced'>,
  clock: Clock = systemClock,
): Promise<AlertDeps> {
  const secrets = environment.secretsFile
    ? new LocalSecretStore({ file: environment.secretsFile, env: process.env })
    : new SecretsManagerSecretStore(tools.traced(new SecretsManagerClient({})), { prefix: environment.secretsPrefix, clock });
  // Threads live next to the dedup records, on one client; without a table, both live per warm container.
  const dynamodb = environment.dedupTable ? tools.traced(new DynamoDBClient({})) : undefined;
  return {
    config: await loadAlertingConfig(environment.configDir),
    secrets,
    dedup: dynamodb && environment.dedupTable ? new DynamoDbTtlStore(dynamodb, environment.dedupTable, { clock }) : new MemoryTtlStore(clock),
    threads: dynamodb && environment.dedupTable ? new DynamoDbThreadStore(dynamodb, environment.dedupTable, clock) : new MemoryThreadStore(clock),
    clock,
    logger: tools.logger,
  };
}

/**
 * Where the function's alerting configuration comes from: the config directory shipped with it
 * (the bootstrap) and, with an artifact bucket, the Alerts and Providers of the fleet snapshot
 * over it, read again at most every 30 s — a commit that changes an Alert needs no redeploy.
 */
export async function alertConfiguration(
  environment: AlertsEnvironment,
  tools: Pick<Observability, 'traced'>,
  clock: Clock = systemClock,
): Promise<() => Promise<AlertingConfig>> {
  const bootstrapDocuments = await readFleetDocuments(environment.configDir);
  if (!environment.artifactBucket) {
    const config = buildAlertingConfig(bootstrapDocuments);
    return async () => config;
  }
  const store = new FleetStore(new S3ArtifactStore(tools.traced(new S3Client({})), environment.artifactBucket));
  const configuration = new FleetConfiguration(store, { clock, bootstrapDocuments, refreshMs: 30_000 });
  return () => configuration.alerting();
}
