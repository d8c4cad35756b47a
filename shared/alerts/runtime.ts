/**
 * Wiring of the alerts engine for the `alerts` function: configuration from the environment,
 * adapters chosen once per container, and the SQS / EventBridge entry points.
 *
 * The function receives catalog events either from an SQS queue (the EventBridge rule's target,
 * which gives a DLQ and partial batch failures) or directly from an EventBridge rule. A record
 * whose deliveries failed is reported as a batch item failure: SQS redelivers it (dedup makes the
 * Alerts that already succeeded a no-op), and after the queue's receive limit it lands in the DLQ.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDbAlertStores, s3ArtifactStore, secretsManagerSecretStore } from '#shared/adapters/aws/from-environment.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { errorMessage } from '#shared/errors/index.ts';
import type { AlertsEnvironment } from '#shared/config/environment/alerts.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import { systemClock, type Clock } from '#shared/ports/index.ts';
import { buildAlertingConfig, loadAlertingConfig, type AlertingConfig } from './config.ts';
import { readFleetDocuments } from '#shared/config/fleet.ts';
import { FleetConfiguration } from '#shared/pipeline/fleet-config.ts';
import { FleetStore } from '#shared/pipeline/fleet-store.ts';
import { dispatchOrThrow, type AlertDeps } from './dispatch.ts';
import { MemoryThreadStore } from './thread-store.ts';

/** Builds the engine's dependencies for `environment` (AWS adapters unless local ones are configured). */
export async function loadAlertDeps(environment: AlertsEnvironment, logger = new Logger({ serviceName: 'tideline-alerts' }), clock: Clock = systemClock): Promise<AlertDeps> {
  const secrets = environment.secretsFile
    ? new LocalSecretStore({ file: environment.secretsFile, env: process.env })
    : secretsManagerSecretStore({ prefix: environment.secretsPrefix, clock });
  // Threads live next to the dedup records; without a table, both live per warm container.
  const { dedup, threads } = environment.dedupTable
    ? dynamoDbAlertStores(environment.dedupTable, clock)
    : { dedup: new MemoryTtlStore(clock), threads: new MemoryThreadStore(clock) };
  return {
    config: await loadAlertingConfig(environment.configDir),
    secrets,
    dedup,
    threads,
    clock,
    log: (entry) => {
      const item = entry as { message: string; outcome?: unknown; error?: unknown };
      if (item.outcome === 'failed' || item.error !== undefined) logger.warn(item);
      else logger.info(item);
    },
  };
}

/**
 * Where the function's alerting configuration comes from: the config directory shipped with it
 * (the bootstrap) and, with an artifact bucket, the Alerts and Providers of the fleet snapshot
 * over it, read again at most every 30 s — a commit that changes an Alert needs no redeploy.
 */
export async function alertConfiguration(environment: AlertsEnvironment, clock: Clock = systemClock): Promise<() => Promise<AlertingConfig>> {
  const bootstrapDocuments = await readFleetDocuments(environment.configDir);
  if (!environment.artifactBucket) {
    const config = buildAlertingConfig(bootstrapDocuments);
    return async () => config;
  }
  const configuration = new FleetConfiguration(new FleetStore(s3ArtifactStore(environment.artifactBucket)), { clock, bootstrapDocuments, refreshMs: 30_000 });
  return () => configuration.alerting();
}

/** Handles an SQS batch of catalog events, reporting the records to redeliver. */
export async function handleAlertQueue(event: SQSEvent, deps: AlertDeps): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await dispatchOrThrow(parseAnyEvent(record.body), deps);
    } catch (error) {
      deps.log?.({ message: 'alert record failed', messageId: record.messageId, error: errorMessage(error) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/** True when the Lambda input is an SQS batch rather than a bare EventBridge event. */
export function isSqsEvent(input: unknown): input is SQSEvent {
  return Array.isArray((input as { Records?: unknown } | null)?.Records);
}
