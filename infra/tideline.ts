/**
 * The Tideline construct: the event bus and the functions built so far (webhook intake, alerts),
 * each with its queue, dead-letter queue and least-privilege grants.
 *
 * Rules are built from the event catalog's patterns, so infra and the functions can never disagree
 * about which events a function receives.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERTABLE_TYPES } from '#shared/alerts/notification.ts';
import { DEFAULT_BUS_NAME, patternFor } from '#shared/events/catalog.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface TidelineProps {
  /** YAML file with the Flux `Receiver` objects the webhook endpoint serves (bundled with the function). */
  receiversFile: string;
  /** Directory with the Flux `Alert` and `Provider` objects (bundled with the alerts function). */
  alertsConfigDir: string;
  /** Prefix of the Secrets Manager names holding webhook tokens and provider secrets. */
  secretsPrefix?: string;
  /** Name of the EventBridge bus (default `tideline`). */
  busName?: string;
}

/** Bundles a handler from `functions/<name>/handler.ts` as ESM for Node 24, with extra files copied in. */
function tidelineFunction(scope: Construct, id: string, name: string, timeout: Duration, environment: Record<string, string>, copy: { from: string; to: string }[]): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    entry: path.join(projectRoot, 'functions', name, 'handler.ts'),
    projectRoot,
    depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout,
    environment,
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      // Bundle the AWS SDK too: the version we test is the version that runs.
      externalModules: [],
      // Handlers use top-level await and some dependencies still call require().
      banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_input: string, output: string) => copy.map(({ from, to }) => `cp -R "${from}" "${path.posix.join(output, to)}"`),
      },
    },
  });
}

/** Tideline's serverless pipeline (the parts available today). */
export class Tideline extends Construct {
  readonly bus: events.EventBus;
  readonly webhookUrl: lambda.FunctionUrl;
  readonly intakeFunction: nodejs.NodejsFunction;
  readonly alertsFunction: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: TidelineProps) {
    super(scope, id);
    const secretsPrefix = props.secretsPrefix ?? 'tideline/';
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? DEFAULT_BUS_NAME });

    // Delivery ids (webhook idempotency), alert dedup records and Slack threads: short-lived keys.
    const keys = new dynamodb.TableV2(this, 'Keys', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const readSecrets = new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretsPrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    });

    this.intakeFunction = tidelineFunction(this, 'WebhookIntake', 'webhook-intake', Duration.seconds(30), {
      TIDELINE_BUS_NAME: this.bus.eventBusName,
      TIDELINE_DELIVERIES_TABLE: keys.tableName,
      TIDELINE_SECRETS_PREFIX: secretsPrefix,
      TIDELINE_RECEIVERS_FILE: '/var/task/receivers.yaml',
      POWERTOOLS_SERVICE_NAME: 'webhook-intake',
    }, [{ from: path.resolve(props.receiversFile), to: 'receivers.yaml' }]);
    this.bus.grantPutEventsTo(this.intakeFunction);
    keys.grantReadWriteData(this.intakeFunction);
    this.intakeFunction.addToRolePolicy(readSecrets);
    this.webhookUrl = this.intakeFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    // One delivery may take ~4 provider timeouts plus backoff (about 70 s with Flux's 15 s default).
    const alertsTimeout = Duration.seconds(120);
    const alertsDlq = new sqs.Queue(this, 'AlertsDlq', { retentionPeriod: Duration.days(14), enforceSSL: true });
    const alertsQueue = new sqs.Queue(this, 'AlertsQueue', {
      visibilityTimeout: Duration.seconds(alertsTimeout.toSeconds() * 6),
      // Final errors (invalid_blocks, channel_not_found) fail the record too: keep redeliveries few.
      deadLetterQueue: { queue: alertsDlq, maxReceiveCount: 3 },
      enforceSSL: true,
    });
    new events.Rule(this, 'AlertsRule', {
      eventBus: this.bus,
      eventPattern: toCdkPattern(patternFor(...ALERTABLE_TYPES)),
      targets: [new targets.SqsQueue(alertsQueue)],
    });
    this.alertsFunction = tidelineFunction(this, 'Alerts', 'alerts', alertsTimeout, {
      TIDELINE_ALERTS_CONFIG_DIR: '/var/task/alerts-config',
      TIDELINE_DEDUP_TABLE: keys.tableName,
      TIDELINE_SECRETS_PREFIX: secretsPrefix,
      POWERTOOLS_SERVICE_NAME: 'alerts',
    }, [{ from: path.resolve(props.alertsConfigDir), to: 'alerts-config' }]);
    keys.grantReadWriteData(this.alertsFunction);
    this.alertsFunction.addToRolePolicy(readSecrets);
    this.alertsFunction.addEventSource(new SqsEventSource(alertsQueue, { batchSize: 10, reportBatchItemFailures: true }));
  }
}

/** The catalog's pattern in CDK's shape (`detail-type` → `detailType`). */
export function toCdkPattern(pattern: ReturnType<typeof patternFor>): events.EventPattern {
  return { source: pattern.source, detailType: pattern['detail-type'], ...(pattern.detail ? { detail: pattern.detail } : {}) };
}
